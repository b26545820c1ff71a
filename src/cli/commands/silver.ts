import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import type { SilverOutcome } from '../../app/silver.js';
import { describeError, UsageError } from '../../common/index.js';
import { printJson, printLine, printLines, printTable, type JsonFlag } from '../output.js';
import { projectArgument } from './explore.js';
import * as load from './load.js';

const EXPORT_LAYER_NAMES = 'bronze, silver, quarantine, gold';

interface SilverFlags extends JsonFlag {
  project?: string;
}

interface ExportFlags extends JsonFlag {
  project?: string;
  out: string;
  force?: boolean;
}

function examples(values: readonly (string | null)[]): string {
  return values.map((v) => (v === null ? 'null' : JSON.stringify(v))).join(', ');
}

/** Per table: where its rows went; then every rule that found rows breaking it. */
function formatSilver(outcome: SilverOutcome): string[] {
  const lines: string[] = [];
  for (const t of outcome.tables) {
    const r = t.report;
    lines.push(
      `${t.table}: ${r.rowsIn} rows in, ${r.rowsOut} out, ${r.quarantined} quarantined, ${r.duplicatesRemoved} duplicates removed` +
        (r.key.length > 0 ? ` (key ${r.key.join(', ')})` : '') +
        (r.dropped.length > 0 ? `; dropped ${r.dropped.join(', ')}` : ''),
    );
    for (const rule of r.rules.filter((x) => x.failed > 0)) {
      const what = rule.kind === 'type' ? `${rule.column}: ${rule.failed} values not of the column's type, made null` : `${rule.id} (${rule.action}): ${rule.failed} rows`;
      lines.push(`  ${what}, e.g. ${examples(rule.examples)}`);
    }
  }
  for (const f of outcome.failed) lines.push(`${f.table}: not built — ${f.error}`);
  return lines;
}

/**
 * The lake's layers: `autolab silver [PROJECT]` builds (or shows, when nothing changed) every
 * table's silver and its quality report; `autolab check [PROJECT]` does the same and exits 1 when a
 * quality rule found rows breaking it, for CI pipelines; `autolab export` writes any layer's table
 * to CSV or Parquet for other tools.
 */
export function registerLayerCommands(program: Command): void {
  program
    .command('silver')
    .description('build or show the silver tables (cleaned, checked, deduplicated) and their quality report')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--json', 'the silver tables and their reports as JSON')
    .action(async (name: string | undefined, flags: SilverFlags) => {
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const { buildSilverTables } = await load.silver();
        const outcome = await buildSilverTables(lab, project);
        if (flags.json) printJson({ tables: outcome.tables, failed: outcome.failed.map(({ table, error }) => ({ table, error })), waitsOn: outcome.waitsOn ?? null });
        else if (outcome.waitsOn) printLine(`no silver yet; waits on you: ${outcome.waitsOn}`);
        else printLines(formatSilver(outcome));
        if (outcome.failed.length > 0) process.exitCode = 1;
      } finally {
        await lab.close();
      }
    });

  program
    .command('gold')
    .description('build or show the feature table: one row per target row, features across related tables, pruned')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--json', 'the gold table as JSON')
    .action(async (name: string | undefined, flags: SilverFlags) => {
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const { buildGoldTable } = await load.gold();
        const outcome = await buildGoldTable(lab, project, undefined, { silverFirst: true });
        const table = outcome.table;
        if (flags.json) {
          printJson({
            applies: outcome.applies,
            status: outcome.status,
            waitsOn: outcome.waitsOn ?? null,
            error: outcome.failed === undefined ? null : describeError(outcome.failed),
            aggregates: outcome.aggregates.map((a) => ({ name: a.name, rows: a.rows, lakeKey: a.lakeKey })),
            ...(table ? { lakeKey: table.lakeKey, label: table.label, rows: table.manifest.rows, planned: table.manifest.planned, features: table.manifest.plan.features.map((f) => f.name), dropped: table.manifest.dropped, notes: table.manifest.notes } : {}),
          });
        } else {
          const lines: string[] = [];
          if (outcome.waitsOn) lines.push(`no gold yet; waits on you: ${outcome.waitsOn}`);
          else if (outcome.failed !== undefined) lines.push(`gold not built — ${describeError(outcome.failed)}`);
          else if (!outcome.applies) lines.push(`${project.name} learns from its target table's silver: no related tables confirmed and no target expression`);
          else if (table) {
            const d = table.manifest.dropped;
            lines.push(
              `gold of ${project.name} (${outcome.status === 'done' ? 'built' : 'current'}): ${table.manifest.rows} rows, label ${table.label}, ${table.manifest.plan.features.length} features of ${table.manifest.planned} planned`,
              `  pruned: ${d.missing.length} mostly missing, ${d.constant.length} constant, ${d.duplicate.length} duplicate, ${d.correlated.length} correlated, ${d.capped.length} over the cap`,
              ...table.manifest.notes.map((n) => `  note: ${n}`),
            );
          }
          if (outcome.aggregates.length > 0) {
            lines.push(`business aggregates (autolab export ${project.name} gold.NAME --out FILE):`, ...outcome.aggregates.map((a) => `  ${a.name}: ${a.rows} rows`));
          }
          printLines(lines);
        }
        if (outcome.failed !== undefined || outcome.waitsOn) process.exitCode = 1;
      } finally {
        await lab.close();
      }
    });

  program
    .command('check')
    .description("run the quality rules on the latest snapshots; exit 1 when a rule finds rows breaking it")
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--json', 'the rules that failed as JSON')
    .action(async (name: string | undefined, flags: SilverFlags) => {
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const { buildSilverTables, brokenRules } = await load.silver();
        const outcome = await buildSilverTables(lab, project);
        const broken = brokenRules(outcome);
        const failed = outcome.failed.map(({ table, error }) => ({ table, error }));
        if (flags.json) printJson({ ok: broken.length === 0 && failed.length === 0 && !outcome.waitsOn, broken, failed, waitsOn: outcome.waitsOn ?? null });
        else if (outcome.waitsOn) printLine(`nothing to check; waits on you: ${outcome.waitsOn}`);
        else if (broken.length === 0 && failed.length === 0) printLine(`every quality rule holds on ${outcome.tables.length} table${outcome.tables.length === 1 ? '' : 's'}`);
        else {
          printTable(
            [{ header: 'table' }, { header: 'rule' }, { header: 'action' }, { header: 'rows', align: 'right' }, { header: 'e.g.', maxWidth: 60 }],
            broken.map((b) => [b.table, b.rule, b.action, String(b.failed), examples(b.examples)]),
          );
          for (const f of failed) printLine(`${f.table}: not built — ${f.error}`);
        }
        if (broken.length > 0 || failed.length > 0 || outcome.waitsOn) process.exitCode = 1;
      } finally {
        await lab.close();
      }
    });

  program
    .command('export')
    .description('write a table of a layer (bronze, silver, quarantine, gold) to CSV or Parquet, for other tools')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .argument('[layer]', 'LAYER or LAYER.TABLE: bronze.customers, silver.customers, quarantine.customers, gold')
    .option('--project <name>', 'the project, as an option')
    .requiredOption('--out <file>', 'FILE.csv or FILE.parquet')
    .option('--force', 'replace the output file if it exists')
    .option('--json', 'what was written, as JSON')
    .action(async (first: string | undefined, second: string | undefined, flags: ExportFlags) => {
      // one argument is the layer; two are the project and the layer
      const [name, ref] = second === undefined ? [undefined, first] : [first, second];
      if (ref === undefined) throw new UsageError('autolab export needs the layer to write', `name it: autolab export [PROJECT] LAYER[.TABLE] --out FILE.csv (LAYER: ${EXPORT_LAYER_NAMES})`);
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const { exportTable } = await load.exportLayer();
        const written = await exportTable(lab, project, ref, flags.out, { replace: flags.force === true });
        if (flags.json) printJson(written);
        else printLine(`wrote ${written.rows} rows of ${written.layer}.${written.table} to ${written.path}`);
      } finally {
        await lab.close();
      }
    });
}
