import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import type { RunEvent, RunOutcome } from '../../app/run.js';
import { labStatus } from '../../app/status.js';
import { redactSecrets, UsageError } from '../../common/index.js';
import { parseNumberFlag, POSITIVE_COUNT, POSITIVE_SECONDS, SHARE } from '../number-flag.js';
import { printJson, printLine, printLines, type JsonFlag } from '../output.js';
import { formatProject } from './status.js';
import * as load from './load.js';
import { exploreProgressPrinter } from './explore-progress.js';
import { progressPrinter } from './train.js';
import { formatInterval } from './interval-format.js';
import type { MetricInterval } from '../../registry/index.js';

interface RunFlags extends JsonFlag {
  timeLimit?: string;
  trials?: string;
  dryRun?: boolean;
  acceptSuggested?: boolean;
  minConfidence?: string;
}

function timeLimitOf(text: string | undefined): number | undefined {
  return parseNumberFlag('time-limit', text, POSITIVE_SECONDS);
}

function trialsOf(text: string | undefined): number | undefined {
  return parseNumberFlag('trials', text, POSITIVE_COUNT);
}

/** Stage lines on stderr (stdout stays the answer); exploration's and training's lines are live on a terminal. */
function eventPrinter(quiet: boolean): { onEvent(event: RunEvent): void; done(): void } {
  const training = progressPrinter();
  const exploring = exploreProgressPrinter();
  return {
    onEvent(event) {
      if (quiet) return;
      if (event.stage === 'explore') {
        exploring.update(event.progress);
      } else if (event.stage === 'plan') {
        exploring.done();
        for (const s of event.stale) process.stderr.write(redactSecrets(`${event.kind}${s.unit.unit ? ` ${s.unit.unit}` : ''}: ${s.reason}\n`));
      } else if (event.stage === 'ingest') {
        if (event.progress.kind === 'table-done') {
          const t = event.progress.result;
          process.stderr.write(redactSecrets(`  ${t.source}/${t.table ?? '-'}: ${t.status}${t.version !== null ? ` (version ${t.version})` : ''}${t.error ? `: ${t.error}` : ''}\n`));
        }
      } else {
        exploring.done();
        training.update(event.progress);
      }
    },
    done: () => {
      exploring.done();
      training.done();
    },
  };
}

export function formatOutcome(outcome: RunOutcome, dryRun = false): string[] {
  const lines: string[] = [];
  if (dryRun) {
    if (outcome.stale.length === 0) return [outcome.waitsOn ? `nothing to run; waits on you: ${outcome.waitsOn}` : 'nothing to run: the project is up to date'];
    lines.push('would run (later stages are planned once these have run):');
    for (const s of outcome.stale) lines.push(`  ${s.stage}${s.unit.unit ? ` ${s.unit.unit}` : ''}: ${s.reason}`);
    return lines;
  }
  // past training the only wait is a person's approval: the lab itself has nothing left to do
  if (outcome.ran === 0 && (outcome.waitsOn === null || outcome.train !== null)) lines.push('nothing to do: every action is up to date');
  if (outcome.train) {
    const t = outcome.train;
    const how = t.result ? 'trained' : 'unchanged since the last training';
    lines.push(`model of ${t.table}.${t.target} (${how}): ${t.metric} ${t.score.toPrecision(4)} out of fold → ${t.bundleDir}`);
    if (t.excluded.length) lines.push(`  left out as tagged: ${t.excluded.join(', ')}`);
  }
  if (outcome.model) {
    const m = outcome.model;
    const metric = String(m.metrics['metric']);
    const interval = (m.metrics['values'] as Record<string, MetricInterval> | undefined)?.[metric];
    lines.push(`registered as model version ${m.version} (${m.stage === 'none' ? 'no stage yet' : m.stage}${m.approvals.length ? ', approved' : ''})${interval ? `: ${metric} ${formatInterval(interval)}, 95 % bootstrap interval` : ''}`);
  }
  if (outcome.monitor) {
    const m = outcome.monitor;
    const drifted = Array.isArray(m['drifted']) ? (m['drifted'] as unknown[]).map(String) : [];
    lines.push(
      `monitoring: ${String(m['table'])} v${String(m['currentVersion'])} against the model trained on v${String(m['referenceVersion'])}: ` +
        (m['datasetDrift'] === true ? `dataset drift (${drifted.join(', ')})` : `no dataset drift${drifted.length > 0 ? ` (drifted: ${drifted.join(', ')})` : ''}`) +
        ` — autolab monitor ${outcome.project}`,
    );
  }
  if (outcome.report) lines.push(`report: ${outcome.report}`);
  if (outcome.retrainingHeld) lines.push(outcome.retrainingHeld);
  if (outcome.policy) lines.push(`approval policy on version ${String(outcome.policy['version'])}: ${String(outcome.policy['reason'])}`);
  if (outcome.rollout) {
    const r = outcome.rollout;
    const kept = r['replaced'] === null ? '' : ` (version ${String(r['replaced'])} kept in the other slot: autolab deploy rollback --project ${outcome.project})`;
    lines.push(`version ${String(r['version'])} is in production and live in slot ${String(r['slot'])}${kept}`);
  }
  if (outcome.waitsOn) lines.push(`waits on you: ${outcome.waitsOn}`);
  return lines;
}

export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description('advance a project up to the next human moment: ingest, explore, train')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--time-limit <seconds>', 'training time limit (default: the lab default)')
    .option('--trials <n>', 'train exactly n candidates instead of for a time: the same data give the same model')
    .option('--dry-run', 'say what would run and why (which input changed), and run nothing')
    .option('--accept-suggested', 'where the run waits on the tags, accept the suggestions (as `autolab tags accept`) and go on')
    .option('--min-confidence <share>', 'with --accept-suggested: only suggestions at least this sure, 0..1 (default 0: all)')
    .option('--json', 'machine output')
    .action(async (name: string | undefined, flags: RunFlags) => {
      const timeLimit = timeLimitOf(flags.timeLimit);
      const minConfidence = parseNumberFlag('min-confidence', flags.minConfidence, SHARE);
      if (minConfidence !== undefined && !flags.acceptSuggested) throw new UsageError('--min-confidence goes with --accept-suggested', 'add --accept-suggested, or leave --min-confidence out');
      const trials = trialsOf(flags.trials);
      const lab = await openLab();
      const printer = eventPrinter(flags.json === true || flags.dryRun === true);
      try {
        const project = await resolveProject(lab, name);
        const { runProject } = await load.run();
        const outcome = await runProject(lab, project, {
          ...(timeLimit !== undefined ? { timeLimit } : {}),
          ...(trials !== undefined ? { trials } : {}),
          ...(flags.dryRun ? { dryRun: true } : {}),
          ...(flags.acceptSuggested ? { acceptSuggested: minConfidence ?? 0 } : {}),
          onEvent: printer.onEvent,
        });
        printer.done();
        if (flags.json) printJson(summary(outcome));
        else printLines(formatOutcome(outcome, flags.dryRun === true));
      } finally {
        printer.done();
        await lab.close();
      }
    });

  program
    .command('demo')
    .description('the whole flow on a bundled dataset (Telco customer churn): a lab in a folder, ingest, explore, tags, training, status')
    .argument('[dir]', 'folder of the demo lab (made if missing, reused if it is one)', 'autolab-demo')
    .option('--time-limit <seconds>', 'training time limit', '30')
    .option('--json', 'machine output')
    .action(async (dir: string, flags: RunFlags) => {
      const timeLimit = timeLimitOf(flags.timeLimit);
      const quiet = flags.json === true;
      const [{ setUpDemo, confirmDemoTarget }, { runProject }] = await Promise.all([load.demo(), load.run()]);
      const { lab, project, created } = await setUpDemo(dir);
      const printer = eventPrinter(quiet);
      try {
        if (!quiet) printLine(`${created ? 'made' : 'reusing'} the demo lab in ${lab.root} (project ${project.name}, source customers = data/customers.csv)`);
        const options = { ...(timeLimit !== undefined ? { timeLimit } : {}), onEvent: printer.onEvent };
        let outcome = await runProject(lab, project, options);
        if (outcome.waitsOn !== null && (await confirmDemoTarget(lab, project))) {
          if (!quiet) printLine('the demo plays the person: accepted the tag suggestions at least 90 % sure and confirmed customers.churn as the target (yourself: autolab tags show, then tags set / accept / edit)');
          outcome = await runProject(lab, project, options);
        }
        printer.done();
        const status = await labStatus(lab);
        if (quiet) {
          printJson({ ...summary(outcome), status });
          return;
        }
        printLines(formatOutcome(outcome));
        for (const view of status.projects.filter((p) => p.project === project.name)) printLines(['', ...formatProject(view)]);
        printLines(['', `next: cd ${dir} && autolab status, autolab tags show, autolab report ${project.name}, autolab predict models/${project.name} data/customers.csv`]);
      } finally {
        printer.done();
        await lab.close();
      }
    });
}

function summary(outcome: RunOutcome): Record<string, unknown> {
  return {
    project: outcome.project,
    ingested: outcome.ingest.tables.map((t) => ({ source: t.source, table: t.table, status: t.status, version: t.version, rows: t.rows })),
    explored: outcome.explore?.tables ?? [],
    report: outcome.report,
    model: outcome.train && {
      table: outcome.train.table,
      target: outcome.train.target,
      dir: outcome.train.bundleDir,
      bundleHash: outcome.train.bundleHash,
      metric: outcome.train.metric,
      score: outcome.train.score,
      reused: outcome.train.result === null,
      excluded: outcome.train.excluded,
    },
    registered: outcome.model && { version: outcome.model.version, stage: outcome.model.stage, approved: outcome.model.approvals.length > 0, metrics: outcome.model.metrics },
    monitor: outcome.monitor,
    policy: outcome.policy,
    rollout: outcome.rollout,
    retrainingHeld: outcome.retrainingHeld,
    waitsOn: outcome.waitsOn,
    ran: outcome.ran,
    stale: outcome.stale.map((s) => ({ stage: s.stage, unit: s.unit.unit, reason: s.reason })),
  };
}
