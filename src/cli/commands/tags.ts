import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import type { TagUpdate } from '../../app/tags.js';
import type { Lab } from '../../app/index.js';
import type { ProjectRecord } from '../../catalog/index.js';
import { UsageError } from '../../common/index.js';
import { parseNumberFlag, SHARE } from '../number-flag.js';
import { formatTable, printJson, printLine, printLines, shortTime, type JsonFlag } from '../output.js';
import { projectArgument } from './explore.js';
import * as load from './load.js';
import { editInEditor } from './tags-editor.js';
import { formatTagsView } from './tags-format.js';


interface ProjectFlags extends JsonFlag {
  project?: string;
}

/**
 * `autolab tags` — the human metadata step. `show` is the default, so `autolab tags churn` lists
 * the tags of churn. Relationships are named FROM_TABLE.COLUMN TO_TABLE.COLUMN (`tags rel`), or as
 * one quoted argument `'orders.customer_id->customers.id'` to `tags set` (unquoted, a shell reads
 * `>` as a redirection).
 */
export function registerTagsCommand(program: Command): void {
  const tags = program
    .command('tags')
    .description('the tags a person confirms after exploration: roles, types, personal data, relationships');

  tags
    .command('show', { isDefault: true })
    .description('the tags as a table: each column with its role, type, personal data, policy, confidence and state')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--open', 'only what still waits on a person')
    .option('--table <name>', 'only the columns of this table')
    .option('--json', 'machine output')
    .action(async (name: string | undefined, flags: ProjectFlags & { open?: boolean; table?: string }) => {
      await withProject(name, flags, async (lab, project) => {
        const { tagsOverview } = await load.tagsOverview();
        const view = await tagsOverview(lab, project, { openOnly: flags.open === true, table: flags.table });
        if (flags.json) printJson(view);
        else printLines(formatTagsView(view));
      });
    });

  tags
    .command('set')
    .description('confirm or change the tags of one column (or relationship)')
    .argument('<ref>', "TABLE.COLUMN, or 'FROM.COLUMN->TO.COLUMN' quoted")
    .argument('<assignments...>', 'role=… type=… pii=… policy=… description=…  (a relationship: confirmed | rejected | cardinality=…)')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--expr <sql>', 'with role=target: the target is this DuckDB SQL expression over TABLE\'s columns, named NAME (TABLE.NAME)')
    .option('--time <column>', 'with --expr: TABLE\'s time column; features then use only rows from strictly before it')
    .option('--known-at <sql>', 'with role=time: when a row of the table became known, a DuckDB SQL expression (e.g. a flight\'s delay: "date + to_minutes(CAST(delay AS BIGINT))")')
    .option('--json', 'machine output')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  autolab tags set customers.churn role=target',
        '  autolab tags set customers.email pii=email policy=hash description="login e-mail"',
        '  autolab tags set customers.notes pii=none',
        "  autolab tags set 'orders.customer_id->customers.id' confirmed cardinality=one-to-many",
        '  autolab tags set flights.late role=target --expr "delay > 15" --time date',
        '  autolab tags set flights.date role=time --known-at "date + to_minutes(CAST(delay AS BIGINT))"',
        '',
        `roles: target, id, feature, time, group, weight, ignore;  policies: drop, mask, hash, keep`,
      ].join('\n'),
    )
    .action(async (ref: string, assignments: string[], flags: ProjectFlags & { expr?: string; time?: string; knownAt?: string }) => {
      if (flags.knownAt !== undefined && (flags.expr !== undefined || assignments.length !== 1 || assignments[0]?.replace(/\s/g, '').toLowerCase() !== 'role=time')) {
        throw new UsageError('--known-at goes with role=time alone', 'write `autolab tags set TABLE.COLUMN role=time --known-at "SQL"`');
      }
      if (flags.time !== undefined && flags.expr === undefined) throw new UsageError('--time goes with --expr', 'tag a time column with `autolab tags set TABLE.COLUMN role=time`');
      if (flags.expr !== undefined && (assignments.length !== 1 || assignments[0]?.replace(/\s/g, '').toLowerCase() !== 'role=target')) {
        throw new UsageError('--expr defines a target', 'write `autolab tags set TABLE.NAME role=target --expr "SQL"`');
      }
      await withProject(undefined, flags, async (lab, project) => {
        if (flags.knownAt !== undefined) {
          const { setKnownAtTag } = await load.targetExpression();
          printUpdate(await setKnownAtTag(lab, project, ref, flags.knownAt), flags);
          return;
        }
        if (flags.expr !== undefined) {
          const { setTargetExpressionTag } = await load.targetExpression();
          printUpdate(await setTargetExpressionTag(lab, project, ref, flags.expr, flags.time), flags);
          return;
        }
        const { setTags } = await load.tags();
        printUpdate(await setTags(lab.catalog, project, ref, assignments), flags);
      });
    });

  tags
    .command('rel')
    .alias('relationship')
    .description('confirm or reject a relationship: FROM_TABLE.COLUMN TO_TABLE.COLUMN confirmed|rejected|suggested')
    .argument('<from>', 'the referring column, TABLE.COLUMN (e.g. orders.customer_id)')
    .argument('<to>', 'the key it refers to, TABLE.COLUMN (e.g. customers.id)')
    .argument('<assignments...>', 'confirmed | rejected | suggested, and optionally cardinality=one-to-one|one-to-many')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--json', 'machine output')
    .action(async (from: string, to: string, assignments: string[], flags: ProjectFlags) => {
      await withProject(undefined, flags, async (lab, project) => {
        const values = assignments.map((a) => (a === 'suggested' ? 'status=suggested' : a));
        const { setTags } = await load.tags();
        printUpdate(await setTags(lab.catalog, project, `${from}->${to}`, values), flags);
      });
    });

  tags
    .command('accept')
    .description('confirm every open suggestion whose confidence reaches --min-confidence')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--min-confidence <share>', 'accept only suggestions at least this sure, 0..1 (default 0: all)')
    .option('--json', 'machine output')
    .action(async (name: string | undefined, flags: ProjectFlags & { minConfidence?: string }) => {
      const min = parseNumberFlag('min-confidence', flags.minConfidence, SHARE) ?? 0;
      await withProject(name, flags, async (lab, project) => {
        const { acceptTags } = await load.tags();
        printUpdate(await acceptTags(lab.catalog, project, min), flags);
      });
    });

  tags
    .command('edit')
    .description('edit the tags as YAML in $EDITOR; each save is checked, and problems name their line')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--json', 'machine output')
    .action(async (name: string | undefined, flags: ProjectFlags) => {
      await withProject(name, flags, async (lab, project) => {
        const { tagsForEditing, applyEditedTags } = await load.tags();
        const { checkExpressionTarget } = await load.targetExpression();
        const { base, yaml } = await tagsForEditing(lab.catalog, project);
        const outcome = await editInEditor({
          yaml,
          fileName: `${project.name}-tags.yaml`,
          apply: (text) => applyEditedTags(lab.catalog, project, base, text, (e) => checkExpressionTarget(lab, project, base.tags, e.table, e.expression, e.what)),
          onProblems: (problems, file) => {
            for (const p of problems) process.stderr.write(`autolab: ${file} line ${p.line}: ${p.message}\n`);
            process.stderr.write('autolab: the file opens again with these problems at its end; fix them, or save it empty to give up\n');
          },
        });
        if (flags.json) printJson(outcome);
        else if (outcome.aborted || !outcome.update) printLine('no change: the file was saved unchanged or empty');
        else printUpdate(outcome.update, flags);
      });
    });

  tags
    .command('history')
    .description('every version of the tags: who changed what, and when')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--json', 'machine output')
    .action(async (name: string | undefined, flags: ProjectFlags) => {
      await withProject(name, flags, async (lab, project) => {
        const { tagHistory } = await load.tags();
        const history = await tagHistory(lab.catalog, project);
        if (flags.json) {
          printJson(history);
          return;
        }
        if (history.length === 0) {
          printLine(`project ${project.name} has no tags yet — run autolab explore ${project.name}`);
          return;
        }
        printLines(
          formatTable(
            [{ header: 'version', align: 'right' }, { header: 'when' }, { header: 'who' }, { header: 'change', maxWidth: 90 }],
            history.map((h) => [String(h.version), shortTime(h.createdAt), h.author, h.change]),
          ),
        );
      });
    });
}

async function withProject(name: string | undefined, flags: ProjectFlags, run: (lab: Lab, project: ProjectRecord) => Promise<void>): Promise<void> {
  const lab = await openLab();
  try {
    await run(lab, await resolveProject(lab, projectArgument(name, flags.project)));
  } finally {
    await lab.close();
  }
}

function printUpdate(update: TagUpdate, flags: JsonFlag): void {
  if (flags.json) {
    printJson(update);
    return;
  }
  if (!update.changed) {
    printLine(`no change: the tags already say so (version ${update.version})`);
    return;
  }
  const shown = update.changes.slice(0, 20).map((c) => `  ${c}`);
  if (update.changes.length > 20) shown.push(`  … and ${update.changes.length - 20} more`);
  printLines([`tags version ${update.version}: ${update.changes.length} change${update.changes.length === 1 ? '' : 's'}`, ...shown]);
}
