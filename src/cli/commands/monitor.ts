import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import { UsageError } from '../../common/index.js';
import { humilityText } from '../../monitor/humility/index.js';
import type { ColumnDriftResult, MonitorResult, PredictionLogResult, RealisedWindow } from '../../monitor/index.js';
import { parseNumberFlag, POSITIVE_COUNT } from '../number-flag.js';
import { formatTable, printJson, printLine, printLines, type JsonFlag } from '../output.js';
import { projectArgument } from './explore.js';
import * as load from './load.js';

interface MonitorFlags extends JsonFlag {
  project?: string;
  out?: string;
  source?: string;
  since?: string;
  every?: string;
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—';
}

function num(x: number): string {
  if (x === Number.POSITIVE_INFINITY) return '∞';
  if (!Number.isFinite(x)) return '—';
  return x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(2) : x.toFixed(4);
}

function columnTable(columns: readonly ColumnDriftResult[]): string[] {
  return formatTable(
    [
      { header: 'column', maxWidth: 32 },
      { header: 'test' },
      { header: 'statistic', align: 'right' },
      { header: 'threshold', align: 'right' },
      { header: 'drifted' },
      { header: 'PSI', align: 'right' },
      { header: 'missing' },
      { header: 'new categories', maxWidth: 30 },
      { header: 'importance', align: 'right' },
    ],
    columns.map((c) => [
      c.column,
      c.test,
      num(c.statistic),
      num(c.threshold),
      c.drifted ? 'yes' : 'no',
      `${num(c.psi)} ${c.psiLevel}`,
      `${pct(c.missingShare.reference)} → ${pct(c.missingShare.current)}`,
      c.newCategoryCount > 0 ? `${c.newCategoryCount}: ${c.newCategories.join(', ')}` : '',
      c.importance === null ? '—' : pct(c.importance),
    ]),
  );
}

/** The monitoring result as the terminal shows it: the comparison, a table per column, the verdicts. */
export function formatMonitor(r: MonitorResult, ran: boolean): string[] {
  const d = r.drift;
  const p = r.performance;
  const lines = [
    `${r.project}: ${r.table} v${r.current.snapshotVersion} (${r.current.rows} rows) against the model trained on v${r.reference.snapshotVersion} (${r.reference.rows} rows)${ran ? '' : ' — unchanged since the last check'}`,
    '',
    ...columnTable(d.columns),
    '',
    `dataset drift: ${d.datasetDrift ? 'yes' : 'no'} — ${d.driftedColumns} of ${d.columns.length} columns drifted (${pct(d.driftedShare)}; threshold ${pct(d.driftShareThreshold)})` +
      (d.weightedDriftScore !== null ? `; importance-weighted ${pct(d.weightedDriftScore)}` : ''),
  ];
  if (r.window) lines.push(`windows (${r.window.period} of ${r.window.column}): ${r.windows.filter((w) => w.drift.datasetDrift).length} of ${r.windows.length} drifted`);
  lines.push(`predictions: ${r.prediction.columns.map((c) => `${c.column} ${c.test} ${num(c.statistic)} ${c.drifted ? 'drifted' : 'stable'}`).join('; ')}`);
  const parts = [`training ${p.training.metric} ${num(p.training.score)} (out of fold)`];
  if (p.estimated) parts.push(`accuracy ${pct(p.estimated.accuracy)} (estimated), ROC AUC ${num(p.estimated.auc)} (estimated)`);
  if (p.realised) parts.push(`realised on ${p.realised.rows} rows with outcomes: accuracy ${pct(p.realised.accuracy)}, ROC AUC ${num(p.realised.auc)}`);
  lines.push(`performance: ${parts.join('; ')}`, `calibration: ${p.calibration}`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines;
}

function realisedText(r: RealisedWindow | null): string {
  if (!r) return '—';
  return Object.entries(r.metrics)
    .map(([name, m]) => `${name} ${m.value === null ? '—' : num(m.value)} [${m.low === null ? '—' : num(m.low)}, ${m.high === null ? '—' : num(m.high)}]${m.belowHoldout ? ' BELOW holdout' : ''}`)
    .join('; ') + ` (n=${r.rows})`;
}

/** The prediction log's monitoring as the terminal shows it: windows with drift, estimated and realised performance. */
export function formatLogMonitor(r: PredictionLogResult): string[] {
  const d = r.drift;
  const holdout = Object.values(r.realised?.metrics ?? {}).length > 0 ? r.realised!.metrics : null;
  const lines = [
    `${r.project}: prediction log of version ${r.model.version} (${r.current.rows} predictions in ${r.current.requests} requests${r.since ? ` since ${r.since}` : ''}) against its training rows (${r.reference.rows})`,
    '',
    ...formatTable(
      [
        { header: 'window' },
        { header: 'from' },
        { header: 'rows', align: 'right' },
        { header: 'drifted columns', align: 'right' },
        { header: 'dataset drift' },
        { header: 'accuracy (estimated)', align: 'right' },
        { header: 'realised [95% interval]', maxWidth: 120 },
        { header: 'humility', maxWidth: 60 },
      ],
      r.windows.map((w) => [
        w.label,
        w.from.slice(0, 19),
        String(w.rows),
        `${w.drift.driftedColumns}/${w.drift.columns.length}`,
        w.drift.datasetDrift ? 'yes' : 'no',
        w.estimated ? num(w.estimated.accuracy) : '—',
        realisedText(w.realised),
        humilityText(w.humility),
      ]),
    ),
    '',
    `dataset drift over the whole log: ${d.datasetDrift ? 'yes' : 'no'} — ${d.driftedColumns} of ${d.columns.length} columns drifted (${pct(d.driftedShare)})` +
      (d.weightedDriftScore !== null ? `; importance-weighted ${pct(d.weightedDriftScore)}` : ''),
    `feedback: ${r.feedback.outcomes} outcomes, ${r.feedback.matched} logged predictions reached${r.feedback.unknownOutcomes > 0 ? `, ${r.feedback.unknownOutcomes} with an outcome the model does not know` : ''}`,
    `performance (realised): ${realisedText(r.realised)}`,
    `humility rules fired (records per rule): ${humilityText(r.humility)}`,
  ];
  if (holdout) lines.push(`holdout: ${Object.entries(holdout).map(([name, m]) => (m.holdout ? `${name} ${num(m.holdout.value)} [${num(m.holdout.low)}, ${num(m.holdout.high)}]` : `${name} —`)).join('; ')}`);
  for (const note of r.notes) lines.push(`note: ${note}`);
  return lines;
}

/** --source, and --since / --every which only go with --source predictions; the window size. */
function checkSourceFlags(flags: MonitorFlags): number | undefined {
  if (flags.source !== 'snapshot' && flags.source !== 'predictions') throw new UsageError(`--source takes snapshot or predictions, not '${flags.source}'`, 'e.g. --source predictions');
  if (flags.source === 'snapshot' && (flags.since !== undefined || flags.every !== undefined)) throw new UsageError('--since and --every go with --source predictions', 'add --source predictions');
  return parseNumberFlag('every', flags.every, POSITIVE_COUNT);
}

/**
 * `autolab monitor [PROJECT]` — drift of the newest snapshot of the target table against the rows
 * the model learned from, per column and as a verdict, with estimated performance (run now, or the
 * last check when nothing changed). `autolab monitor report` writes the same as an HTML dashboard.
 */
export function registerMonitorCommand(program: Command): void {
  const monitor = program.command('monitor').description('drift and performance of the model: against the newest snapshot, or over its prediction log (--source predictions)');
  monitor
    .command('show', { isDefault: true })
    .description('drift per column, the dataset verdict and estimated performance, as a table')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--source <source>', 'snapshot (the newest silver snapshot, default) or predictions (the production model\'s prediction log)', 'snapshot')
    .option('--since <time>', 'with --source predictions: only requests from this date or time on')
    .option('--every <n>', 'with --source predictions: windows of N predictions (default: one per UTC day)')
    .option('--json', 'the monitoring result as JSON')
    .action(async (name: string | undefined, flags: MonitorFlags) => {
      const every = checkSourceFlags(flags);
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        if (flags.source === 'predictions') {
          const { monitorPredictionLog } = await load.monitorPredictions();
          const out = await monitorPredictionLog(lab, project, { ...(flags.since !== undefined ? { since: flags.since } : {}), ...(every !== undefined ? { every } : {}) });
          if (flags.json) printJson(out.result ? { result: out.result } : { result: null, why: out.why });
          else if (!out.result) printLine(`nothing to monitor yet: ${out.why}`);
          else printLines(formatLogMonitor(out.result));
          return;
        }
        const { monitorProject } = await load.monitor();
        const out = await monitorProject(lab, project);
        if (flags.json) printJson(out.result ? { result: out.result, ran: out.ran } : { result: null, why: out.why });
        else if (!out.result) printLine(`nothing to monitor yet: ${out.why}`);
        else printLines(formatMonitor(out.result, out.ran));
      } finally {
        await lab.close();
      }
    });
  program
    .command('feedback')
    .description('outcomes that arrived later: a CSV / JSON / Parquet file with id (the prediction id) or key, and outcome')
    .argument('<project>', 'the project')
    .argument('<file>', 'the outcomes file')
    .option('--json', 'what was kept, as JSON')
    .action(async (name: string, file: string, flags: JsonFlag) => {
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, name);
        const { loadFeedbackFile } = await load.feedback();
        const kept = await loadFeedbackFile(lab, project, file);
        if (flags.json) printJson(kept);
        else printLine(`kept ${kept.rows} outcomes (${kept.key}); autolab monitor ${project.name} --source predictions shows the realised performance`);
      } finally {
        await lab.close();
      }
    });
  monitor
    .command('report')
    .description('write the monitoring dashboard: one self-contained HTML file')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--out <file>', 'the file to write (default .autolab/reports/PROJECT-monitor.html, or PROJECT-predictions.html)')
    .option('--source <source>', 'snapshot (default) or predictions (the production model\'s prediction log)', 'snapshot')
    .option('--since <time>', 'with --source predictions: only requests from this date or time on')
    .option('--every <n>', 'with --source predictions: windows of N predictions (default: one per UTC day)')
    .option('--json', 'what was written, as JSON')
    .action(async (name: string | undefined, flags: MonitorFlags) => {
      const every = checkSourceFlags(flags);
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const out = flags.out !== undefined ? { out: flags.out } : {};
        const written =
          flags.source === 'predictions'
            ? await (await load.monitorPredictions()).writeLogMonitorReport(lab, project, { ...out, ...(flags.since !== undefined ? { since: flags.since } : {}), ...(every !== undefined ? { every } : {}) })
            : await (await load.monitor()).writeMonitorReport(lab, project, out);
        if (!written.result) {
          if (flags.json) printJson({ path: null, why: written.why });
          else printLine(`nothing to monitor yet: ${written.why}`);
        } else if (flags.json) printJson({ path: written.path, bytes: written.bytes });
        else printLine(`wrote ${written.path} (${(written.bytes / 1024).toFixed(0)} KiB)`);
      } finally {
        await lab.close();
      }
    });
}
