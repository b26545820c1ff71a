import type { Command } from 'commander';
import type { DeployChange } from '../../app/models.js';
import type { DeploymentRecord, ModelVersionRecord, Slot } from '../../catalog/index.js';
import { UsageError } from '../../common/index.js';
import type { ModelLineage, ModelMetrics } from '../../registry/index.js';
import { openLab } from '../../app/lab.js';
import { printJson, printLine, printLines, printTable, shortTime, type JsonFlag } from '../output.js';
import * as load from './load.js';
import { COMPARISON_COLUMNS, comparisonLine, comparisonRow } from './comparison-rows.js';
import { fmt, formatInterval } from './interval-format.js';

/**
 * The registry's commands: `models list|show|promote|archive`, `approve` (human moment 3) and
 * `deploy` (the slots the prediction server reads). Each opens the lab, calls app/models.ts, prints.
 */

interface ProjectFlag extends JsonFlag {
  project?: string;
}

/** VERSION as the commands take it: a positive whole number. */
export function parseVersion(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`model version '${text}' is not a positive whole number`, 'see the versions with autolab models list');
  }
  return value;
}

function approvalText(model: ModelVersionRecord): string {
  const last = model.approvals.at(-1);
  return last ? `${last.by} ${shortTime(last.at)}` : '';
}

function slotsOf(model: ModelVersionRecord, deployment: DeploymentRecord | null): string {
  if (!deployment) return '';
  const slots = (['blue', 'green'] as const).filter((s) => deployment.slots[s] === model.version);
  return slots.map((s) => `${s}${deployment.live === s ? ' (live)' : deployment.shadow === s ? ' (shadow)' : deployment.weights[s] > 0 ? ` (${deployment.weights[s]} %)` : ''}`).join(', ');
}

function showVersion(model: ModelVersionRecord, deployment: DeploymentRecord | null): string[] {
  const metrics = model.metrics as unknown as ModelMetrics;
  const lineage = model.lineage as unknown as ModelLineage;
  const lines = [
    `version ${model.version} — ${model.stage}${slotsOf(model, deployment) ? `, slot ${slotsOf(model, deployment)}` : ''}, registered ${shortTime(model.createdAt)}, bundle ${model.bundleHash.slice(0, 12)}`,
    `  ${metrics.task} model of ${metrics.target}, chosen by ${metrics.metric}`,
  ];
  if (metrics.evaluation) {
    lines.push(`  metrics on ${metrics.evaluation.rows} ${metrics.evaluation.on} rows, ${Math.round(metrics.evaluation.level * 100)} % intervals by ${metrics.evaluation.method}:`);
    for (const [name, interval] of Object.entries(metrics.values)) lines.push(`    ${name.padEnd(18)} ${formatInterval(interval)}`);
  } else {
    lines.push(`  ${metrics.metric} ${fmt(metrics.score)} out of sample (this training kept no holdout predictions: no intervals)`);
  }
  const snapshots = lineage.snapshots.map((s) => `${s.table} v${s.version} (${s.contentHash.slice(0, 12)})`).join(', ') || '—';
  lines.push(`  data: ${lineage.rows} rows of ${lineage.table}, snapshot ${snapshots}, silver ${lineage.silverHash.slice(0, 12)}${lineage.silverPlanHash ? ` (plan ${lineage.silverPlanHash.slice(0, 12)})` : ''}`);
  lines.push(`  tags: version ${lineage.tagVersion ?? '?'} (${lineage.tagsHash.slice(0, 12)}); seed ${lineage.seed}; code ${lineage.codeVersion}; training action ${lineage.trainSeq ?? '?'}`);
  const plan = lineage.featurePlan;
  if (plan) lines.push(`  features: plan ${plan.hash.slice(0, 12)}, ${plan.steps} steps${plan.gold ? `, on gold table ${plan.gold.hash.slice(0, 12)} (${plan.gold.features} features)` : ''}`);
  if (lineage.excluded.length > 0) lines.push(`  left out: ${lineage.excluded.map((e) => `${e.column} (${e.why})`).join(', ')}`);
  for (const a of model.approvals) lines.push(`  approved by ${a.by} at ${shortTime(a.at)}${a.note ? `: ${a.note}` : ''}`);
  const top = (model.leaderboard as { rank: number; model: string; score: number; weight: number }[]).slice(0, 5);
  if (top.length > 0) lines.push(`  leaderboard (top ${top.length}): ${top.map((r) => `${r.rank}. ${r.model} ${fmt(r.score)}${r.weight > 0 ? ` ×${r.weight.toFixed(2)}` : ''}`).join('; ')}`);
  return lines;
}

export function registerModelCommands(program: Command): void {
  const models = program.command('models').description('the model registry: versions, stages, metrics, lineage');

  models
    .command('list')
    .description("a project's model versions, their stage, metric (95 % interval) and approval")
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--json', 'machine output')
    .action(async (projectName: string | undefined, flags: JsonFlag) => {
      const lab = await openLab();
      try {
        const listed = await (await load.models()).listModels(lab, projectName);
        if (flags.json) return printJson(listed);
        if (listed.versions.length === 0) return printLine(`project ${listed.project} has no model yet: autolab run ${listed.project}`);
        printTable(
          [{ header: 'version', align: 'right' }, { header: 'stage' }, { header: 'metric' }, { header: 'out of sample [95 %]' }, { header: 'approved' }, { header: 'slot' }, { header: 'registered' }],
          listed.versions.map((m) => {
            const metrics = m.metrics as unknown as ModelMetrics;
            return [String(m.version), m.stage, metrics.metric, metrics.evaluation ? formatInterval(metrics.values[metrics.metric]) : fmt(metrics.score), approvalText(m), slotsOf(m, listed.deployment), shortTime(m.createdAt)];
          }),
        );
        if (listed.comparisons.length === 0) return;
        // endpoints scored on a version's holdout rows (autolab compare), beside the versions
        printLine();
        printTable(COMPARISON_COLUMNS, listed.comparisons.map(comparisonRow));
      } finally {
        await lab.close();
      }
    });

  models
    .command('show')
    .description("a project's model versions in full: metrics with intervals, lineage, approvals, leaderboard")
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--only <version>', 'only this version (--version is autolab\'s own)')
    .option('--json', 'machine output')
    .action(async (projectName: string | undefined, flags: JsonFlag & { only?: string }) => {
      const only = flags.only === undefined ? undefined : parseVersion(flags.only);
      const lab = await openLab();
      try {
        const listed = await (await load.models()).listModels(lab, projectName);
        const versions = only === undefined ? listed.versions : listed.versions.filter((v) => v.version === only);
        if (only !== undefined && versions.length === 0) throw new UsageError(`project ${listed.project} has no model version ${only}`, `see autolab models list ${listed.project}`);
        if (flags.json) return printJson({ ...listed, versions });
        if (versions.length === 0) return printLine(`project ${listed.project} has no model yet: autolab run ${listed.project}`);
        printLines([
          `project ${listed.project}`,
          ...versions.flatMap((v) => ['', ...showVersion(v, listed.deployment), ...listed.comparisons.filter((c) => c.version === v.version).map(comparisonLine)]),
        ]);
      } finally {
        await lab.close();
      }
    });

  models
    .command('promote')
    .description('move a version to staging or production (production needs an approval, or the policy of autolab.yaml; the production version before is archived)')
    .argument('<version>', 'the model version')
    .requiredOption('--to <stage>', 'staging or production')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--json', 'machine output')
    .action(async (versionText: string, flags: ProjectFlag & { to: string }) => {
      const version = parseVersion(versionText);
      if (flags.to !== 'staging' && flags.to !== 'production') throw new UsageError(`--to '${flags.to}' is not a stage to promote to`, 'give staging or production');
      const lab = await openLab();
      try {
        const done = await (await load.models()).promoteModel(lab, flags.project, version, flags.to);
        if (flags.json) return printJson(done);
        if (done.policyApproval) printLine(done.policyApproval);
        printLine(`model version ${done.version} of ${done.project} is in ${done.stage}${done.archived !== null ? `; version ${done.archived} was archived` : ''}`);
      } finally {
        await lab.close();
      }
    });

  models
    .command('archive')
    .description('take a version out of use (not one that takes traffic)')
    .argument('<version>', 'the model version')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--json', 'machine output')
    .action(async (versionText: string, flags: ProjectFlag) => {
      const version = parseVersion(versionText);
      const lab = await openLab();
      try {
        const done = await (await load.models()).archiveModel(lab, flags.project, version);
        if (flags.json) return printJson(done);
        printLine(`model version ${done.version} of ${done.project} is archived (it was ${done.from})`);
      } finally {
        await lab.close();
      }
    });

  models
    .command('card')
    .description("a version's model card: intended use, data, metrics with intervals, errors, importance, input schema, lineage (HTML + JSON)")
    .argument('<version>', 'the model version')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--out <file>', 'the HTML file (the JSON goes beside it); default .autolab/reports/PROJECT-model-vN.html')
    .option('--json', 'print the card as JSON (the files are written too)')
    .action(async (versionText: string, flags: ProjectFlag & { out?: string }) => {
      const version = parseVersion(versionText);
      const lab = await openLab();
      try {
        const written = await (await load.modelCard()).writeModelCard(lab, flags.project, version, { ...(flags.out !== undefined ? { out: flags.out } : {}) });
        if (flags.json) return printJson(written.card);
        printLine(`wrote the card of model version ${version} of ${written.card.project}: ${written.html} and ${written.json}`);
      } finally {
        await lab.close();
      }
    });

  models
    .command('export')
    .description('the model as one ONNX graph (pipeline, ensemble, average), checked against the bundle on its holdout with onnxruntime-node')
    .argument('<version>', 'the model version')
    .requiredOption('--out <file>', 'the .onnx file to write')
    .option('--format <format>', 'onnx (the only one)', 'onnx')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--force', 'replace an existing file')
    .option('--json', 'machine output')
    .action(async (versionText: string, flags: ProjectFlag & { out: string; format: string; force?: boolean }) => {
      const version = parseVersion(versionText);
      if (flags.format !== 'onnx') throw new UsageError(`--format '${flags.format}' is not an export format`, 'give onnx');
      const lab = await openLab();
      try {
        const done = await (await load.modelExport()).exportModelVersion(lab, flags.project, version, { out: flags.out, ...(flags.force ? { replace: true } : {}) });
        if (flags.json) return printJson(done);
        printLine(`wrote ${done.path} (${Math.ceil(done.bytes / 1024)} KiB): model version ${done.version} of ${done.project}, checked with onnxruntime on ${done.checkedRows} holdout rows (largest difference ${done.maxDifference.toPrecision(2)})`);
      } finally {
        await lab.close();
      }
    });

  program
    .command('approve')
    .description('approve a model version for production (the third human moment)')
    .argument('<version>', 'the model version (see autolab models list)')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--note <text>', 'why, for the record')
    .option('--by <name>', 'who approves (default: AUTOLAB_USER, else the OS user)')
    .option('--json', 'machine output')
    .action(async (versionText: string, flags: ProjectFlag & { note?: string; by?: string }) => {
      const version = parseVersion(versionText);
      const lab = await openLab();
      try {
        const done = await (await load.models()).approveModel(lab, flags.project, version, { ...(flags.note !== undefined ? { note: flags.note } : {}), ...(flags.by !== undefined ? { by: flags.by } : {}) });
        if (flags.json) return printJson(done);
        const byHand = `autolab models promote ${done.version} --to production --project ${done.project}`;
        const next = lab.config.retraining?.[done.project]?.deploy === 'manual' ? byHand : `autolab run ${done.project} puts it live blue-green (by hand: ${byHand})`;
        printLine(`approved model version ${done.version} of ${done.project} (by ${done.approval.by}); next: ${next}`);
      } finally {
        await lab.close();
      }
    });

  registerDeployCommand(program);
}

function parseSlot(text: string | undefined, flag: string): Slot {
  if (text !== 'blue' && text !== 'green') throw new UsageError(`${flag} '${text ?? ''}' is not a slot`, 'give blue or green');
  return text;
}

/** `blue=90,green=10` → weights; one slot named gives the other the rest. */
export function parseWeights(text: string): { blue: number; green: number } {
  const weights: Partial<Record<Slot, number>> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const match = /^(blue|green)=(\d{1,3})$/.exec(part);
    if (!match) throw new UsageError(`weights '${text}': '${part}' is not SLOT=PERCENT`, 'e.g. blue=90,green=10');
    weights[match[1] as Slot] = Number(match[2]);
  }
  if (weights.blue === undefined && weights.green === undefined) throw new UsageError(`weights '${text}' name no slot`, 'e.g. blue=90,green=10');
  return { blue: weights.blue ?? 100 - weights.green!, green: weights.green ?? 100 - weights.blue! };
}

function formatDeployment(project: string, d: DeploymentRecord | null): string[] {
  if (!d) return [`project ${project} has no deployment yet: autolab deploy VERSION --slot blue`];
  const slot = (s: Slot) => `${s}: ${d.slots[s] === null ? 'empty' : `version ${d.slots[s]}`}${d.live === s ? ', live' : ''}, ${d.weights[s]} % of traffic${d.shadow === s ? ', shadow (scores every request, answers none)' : ''}`;
  return [`project ${project} — deployment revision ${d.revision} (${shortTime(d.updatedAt)})`, `  ${slot('blue')}`, `  ${slot('green')}`];
}

function registerDeployCommand(program: Command): void {
  const deploy = program
    .command('deploy')
    .description('the serving slots: put a version in a slot, switch, roll back, split traffic, shadow')
    .argument('[version]', 'the model version to put in --slot')
    .option('--slot <slot>', 'blue or green')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--json', 'machine output')
    .action(async (versionText: string | undefined, flags: ProjectFlag & { slot?: string }) => {
      const lab = await openLab();
      try {
        const models = await load.models();
        if (versionText === undefined) {
          const { project, deployment } = await models.deploymentOf(lab, flags.project);
          return flags.json ? printJson({ project, deployment }) : printLines(formatDeployment(project, deployment));
        }
        const version = parseVersion(versionText);
        const slot = parseSlot(flags.slot, '--slot');
        const done = await models.changeDeployment(lab, flags.project, { kind: 'load', version, slot });
        if (flags.json) return printJson(done);
        printLines([`model version ${version} is in slot ${slot}`, ...formatDeployment(done.project, done.deployment)]);
      } finally {
        await lab.close();
      }
    });

  const change = (name: string, description: string, make: (arg: string | undefined) => DeployChange, argument?: [string, string]) => {
    const command = deploy.command(name).description(description);
    if (argument) command.argument(argument[0], argument[1]);
    command
      .option('--project <name>', 'the project (may be left out while the lab has one)')
      .option('--json', 'machine output')
      .action(async (...args: unknown[]) => {
        const arg = argument ? (args[0] as string) : undefined;
        // `deploy` has --project and --json too: commander gives them to it wherever they are written
        const flags = (args[args.length - 1] as Command).optsWithGlobals<ProjectFlag>();
        const changeToMake = make(arg);
        const lab = await openLab();
        try {
          const done = await (await load.models()).changeDeployment(lab, flags.project, changeToMake);
          if (flags.json) return printJson(done);
          printLines([...(done.promoted !== null ? [`model version ${done.promoted} is the production version again`] : []), ...formatDeployment(done.project, done.deployment)]);
        } finally {
          await lab.close();
        }
      });
  };
  change('switch', 'move all traffic to the other slot (it must hold the approved production version)', () => ({ kind: 'switch' }));
  change('rollback', 'move traffic back to the slot live before the last switch (its version becomes production again)', () => ({ kind: 'rollback' }));
  change('weights', 'split traffic between the slots, e.g. blue=90,green=10 (a slot with a share needs an approved version)', (text) => ({ kind: 'weights', weights: parseWeights(text ?? '') }), ['<weights>', 'SLOT=PERCENT,SLOT=PERCENT']);
  change('shadow', 'let the other slot score every request without answering (off: no shadow)', (text) => ({ kind: 'shadow', slot: text === 'off' ? null : parseSlot(text, 'shadow') }), ['<slot>', 'blue, green or off']);
}
