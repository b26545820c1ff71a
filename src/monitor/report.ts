/**
 * `autolab monitor report`: the monitoring result as one self-contained HTML dashboard, written with
 * the exploration report's page and chart helpers (explore/report): the verdict, drift per column
 * (table and PSI chart), drift per window, the model's outputs, and estimated performance.
 */
import { ChartCollector, vegaLiteSpec, driftChart, esc, renderPage, type ChartSpec } from '../explore/index.js';
import type { ColumnDriftResult } from './drift-types.js';
import type { MonitorResult } from './result-types.js';

export function renderMonitorHtml(result: MonitorResult, generatedAt: string): string {
  const charts = new ChartCollector();
  const body = [header(result, generatedAt), verdict(result), columns(result, charts), windows(result, charts), predictions(result, charts), performance(result), notes(result)].join('\n');
  const nav = `<nav class="side" aria-label="Sections">
<div class="brand">auto<span>lab</span></div>
<div class="project">${esc(result.project)} · monitoring</div>
<h4>Dashboard</h4>
<a href="#verdict"><span>Verdict</span></a>
<a href="#columns"><span>Drift per column</span><span class="count">${result.drift.driftedColumns}/${result.drift.columns.length}</span></a>
${result.windows.length > 0 ? `<a href="#windows"><span>Windows</span><span class="count">${result.windows.length}</span></a>` : ''}
<a href="#predictions"><span>Predictions</span></a>
<a href="#performance"><span>Performance</span></a>
</nav>`;
  return renderPage({ title: `${result.project} · monitoring · autolab`, nav, body, charts });
}

function header(r: MonitorResult, generatedAt: string): string {
  const when = generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `<header class="top"><h1>${esc(r.project)}</h1><p>Monitoring · ${esc(r.table)} snapshot v${r.current.snapshotVersion} against the model trained on v${r.reference.snapshotVersion} · generated ${esc(when)}</p></header>`;
}

export function kpi(label: string, value: string, note = '', warn = false): string {
  return `<div class="kpi${warn ? ' warn' : ''}"><div class="label">${esc(label)}</div><div class="value">${esc(value)}</div>${note ? `<div class="sub">${esc(note)}</div>` : ''}</div>`;
}

function verdict(r: MonitorResult): string {
  const d = r.drift;
  const e = r.performance.estimated;
  return `<section id="verdict"><h2>Verdict</h2><div class="kpis">
${kpi('dataset drift', d.datasetDrift ? 'yes' : 'no', `${d.driftedColumns} of ${d.columns.length} columns; threshold ${pct(d.driftShareThreshold)}`, d.datasetDrift)}
${kpi('drifted share', pct(d.driftedShare))}
${kpi('importance-weighted', d.weightedDriftScore === null ? '—' : pct(d.weightedDriftScore), 'share of the model’s mean |SHAP| in drifted columns')}
${kpi('rows', `${fmt(r.current.rows)}`, `reference ${fmt(r.reference.rows)}`)}
${e ? kpi('accuracy (estimated)', pct(e.accuracy), 'CBPE, before outcomes') : ''}
${r.windows.length > 0 ? kpi('windows drifted', `${r.windows.filter((w) => w.drift.datasetDrift).length}/${r.windows.length}`, `by ${r.window?.period} of ${r.window?.column}`) : ''}
</div></section>`;
}

export function columnRows(list: readonly ColumnDriftResult[]): string {
  return list
    .map(
      (c) =>
        `<tr><td><code>${esc(c.column)}</code></td><td>${esc(c.test)}</td><td class="num">${num(c.statistic)}</td><td class="num">${num(c.threshold)}</td><td>${c.drifted ? '<span class="badge warn">drifted</span>' : '<span class="badge ok">no</span>'}</td><td class="num">${num(c.psi)} <span class="muted">${esc(c.psiLevel)}</span></td><td class="num">${pct(c.missingShare.reference)} → ${pct(c.missingShare.current)}</td><td>${c.newCategoryCount > 0 ? esc(`${c.newCategoryCount}: ${c.newCategories.join(', ')}`) : ''}</td><td class="num">${c.importance === null ? '—' : pct(c.importance)}</td></tr>`,
    )
    .join('');
}

export const COLUMN_HEAD = '<thead><tr><th>column</th><th>test</th><th class="num">statistic</th><th class="num">threshold</th><th>drifted</th><th class="num">PSI</th><th class="num">missing</th><th>new categories</th><th class="num">importance</th></tr></thead>';

function columns(r: MonitorResult, charts: ChartCollector): string {
  const psi = driftChart({
    table: r.table,
    fromVersion: r.reference.snapshotVersion,
    toVersion: r.current.snapshotVersion,
    fromRows: r.reference.rows,
    toRows: r.current.rows,
    columns: [...r.drift.columns].sort((a, b) => b.psi - a.psi).map((c) => ({ column: c.column, psi: c.psi, level: c.psiLevel, binning: c.kind === 'numeric' ? 'quantile' : 'category' })),
    added: [],
    removed: [],
  });
  return `<section id="columns"><h2>Drift per column</h2><p class="lead">KS and chi-square give p-values (drifted below the threshold); Wasserstein (normalised) and Jensen–Shannon give distances (drifted at or above it). PSI: below 0.1 stable, up to 0.25 moderate, above large.</p>
<table class="grid">${COLUMN_HEAD}<tbody>${columnRows(r.drift.columns)}</tbody></table>
<h3>PSI</h3><div class="card">${charts.place(psi, 'chart wide')}</div></section>`;
}

function windows(r: MonitorResult, charts: ChartCollector): string {
  if (r.windows.length === 0) return '';
  const share: ChartSpec = vegaLiteSpec({
    width: 'container',
    height: 180,
    data: { values: r.windows.map((w) => ({ start: w.start, share: w.drift.driftedShare, rows: w.drift.currentRows })) },
    layer: [
      { mark: { type: 'line', point: true }, encoding: { x: { field: 'start', type: 'temporal', title: null }, y: { field: 'share', type: 'quantitative', title: 'drifted share', scale: { domain: [0, 1] } }, tooltip: [{ field: 'start', type: 'temporal' }, { field: 'share', type: 'quantitative', format: '.0%' }, { field: 'rows', type: 'quantitative' }] } },
      { data: { values: [{ t: r.drift.driftShareThreshold }] }, mark: { type: 'rule', strokeDash: [4, 4], color: '#d64545' }, encoding: { y: { field: 't', type: 'quantitative' } } },
    ],
  });
  const cells = r.windows.flatMap((w) => w.drift.columns.map((c) => ({ start: w.start, column: c.column, drifted: c.drifted ? 'drifted' : 'no', psi: c.psi })));
  const heat: ChartSpec = vegaLiteSpec({
    width: 'container',
    height: Math.max(60, new Set(cells.map((c) => c.column)).size * 22),
    data: { values: cells },
    mark: 'rect',
    encoding: {
      x: { field: 'start', type: 'ordinal', title: null },
      y: { field: 'column', type: 'nominal', title: null },
      color: { field: 'drifted', type: 'nominal', scale: { domain: ['no', 'drifted'], range: ['#e4f3e5', '#d64545'] }, title: null },
      tooltip: [{ field: 'start' }, { field: 'column' }, { field: 'drifted' }, { field: 'psi', type: 'quantitative', format: '.3f' }],
    },
  });
  const accuracy = r.windows.flatMap((w) => [
    ...(w.estimated ? [{ start: w.start, figure: 'estimated (CBPE)', accuracy: w.estimated.accuracy }] : []),
    ...(w.realised ? [{ start: w.start, figure: 'realised', accuracy: w.realised.accuracy }] : []),
  ]);
  const performance: ChartSpec | null =
    accuracy.length === 0
      ? null
      : vegaLiteSpec({
          width: 'container',
          height: 180,
          data: { values: accuracy },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'start', type: 'temporal', title: null },
            y: { field: 'accuracy', type: 'quantitative', title: 'accuracy', axis: { format: '%' }, scale: { zero: false } },
            color: { field: 'figure', type: 'nominal', scale: { domain: ['estimated (CBPE)', 'realised'], range: ['#3b6fd8', '#d9822b'] }, title: null },
            strokeDash: { field: 'figure', type: 'nominal', scale: { domain: ['estimated (CBPE)', 'realised'], range: [[4, 3], [1, 0]] }, legend: null },
            tooltip: [{ field: 'start', type: 'temporal' }, { field: 'figure' }, { field: 'accuracy', type: 'quantitative', format: '.1%' }],
          },
        });
  return `<section id="windows"><h2>Windows</h2><p class="lead">The current rows cut by ${esc(r.window?.period ?? '')} of <code>${esc(r.window?.column ?? '')}</code>, each against the whole reference.</p>
<div class="card">${charts.place(share, 'chart wide')}</div><h3>Columns per window</h3><div class="card">${charts.place(heat, 'chart wide')}</div>${
    performance ? `<h3>Accuracy per window</h3><div class="card">${charts.place(performance, 'chart wide')}</div>` : ''
  }</section>`;
}

function predictions(r: MonitorResult, charts: ChartCollector): string {
  const classes = r.predictedClasses.flatMap((c) => [
    { label: c.label, side: 'reference', share: c.reference },
    { label: c.label, side: 'current', share: c.current },
  ]);
  const chart: ChartSpec | null =
    classes.length === 0
      ? null
      : vegaLiteSpec({
          width: 'container',
          height: Math.max(60, r.predictedClasses.length * 36),
          data: { values: classes },
          mark: 'bar',
          encoding: {
            y: { field: 'label', type: 'nominal', title: null },
            yOffset: { field: 'side' },
            x: { field: 'share', type: 'quantitative', title: 'share of predictions', axis: { format: '%' } },
            color: { field: 'side', type: 'nominal', scale: { domain: ['reference', 'current'], range: ['#9aa5b1', '#3b6fd8'] }, title: null },
            tooltip: [{ field: 'label' }, { field: 'side' }, { field: 'share', type: 'quantitative', format: '.1%' }],
          },
        });
  return `<section id="predictions"><h2>Predictions</h2><p class="lead">The model's outputs on its training rows against the current rows.</p>
<table class="grid">${COLUMN_HEAD}<tbody>${columnRows(r.prediction.columns)}</tbody></table>${chart ? `<div class="card">${charts.place(chart, 'chart wide')}</div>` : ''}</section>`;
}

function performance(r: MonitorResult): string {
  const p = r.performance;
  const e = p.estimated;
  return `<section id="performance"><h2>Performance</h2><div class="kpis">
${kpi(`training (${p.training.metric}, out of fold)`, num(p.training.score))}
${e ? kpi('accuracy (estimated)', pct(e.accuracy), 'CBPE') + kpi('ROC AUC (estimated)', num(e.auc), 'CBPE') : ''}
${p.realised ? kpi('accuracy (realised)', pct(p.realised.accuracy), `${fmt(p.realised.rows)} rows with outcomes`) + kpi('ROC AUC (realised)', num(p.realised.auc)) : ''}
</div><p class="note">Estimated figures assume calibrated probabilities; calibration: ${esc(p.calibration)}.</p></section>`;
}

function notes(r: MonitorResult): string {
  return r.notes.length === 0 ? '' : `<section id="notes"><h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`;
}

export function pct(x: number): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '—';
}

export function num(x: number): string {
  if (!Number.isFinite(x)) return x === Number.POSITIVE_INFINITY ? '∞' : '—';
  if (x !== 0 && Math.abs(x) < 1e-3) return x.toExponential(2);
  return x.toFixed(3);
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

