/**
 * `autolab monitor report --source predictions`: the prediction log's check as one self-contained
 * HTML page, on the same page and chart helpers as the snapshot's dashboard (report.ts): the
 * verdict, each window's drift with its estimated and realised performance (realised with its 95 %
 * interval, against the holdout's band), and drift per column over the whole log.
 */
import { ChartCollector, esc, renderPage, vegaLiteSpec, type ChartSpec } from '../explore/index.js';
import { COLUMN_HEAD, columnRows, fmt, kpi, num, pct } from './report.js';
import { humilityText } from './humility/index.js';
import type { PredictionLogResult, RealisedMetric } from './result-types.js';

export function renderLogMonitorHtml(result: PredictionLogResult, generatedAt: string): string {
  const charts = new ChartCollector();
  const when = generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  const windowing = 'every' in result.windowing ? `every ${fmt(result.windowing.every)} predictions` : 'by UTC day';
  const header = `<header class="top"><h1>${esc(result.project)}</h1><p>Monitoring · prediction log of version ${result.model.version}${result.since ? ` since ${esc(result.since)}` : ''} against its training rows · windows ${esc(windowing)} · generated ${esc(when)}</p></header>`;
  const body = [header, verdict(result), windows(result, charts), columns(result), notes(result)].join('\n');
  const nav = `<nav class="side" aria-label="Sections">
<div class="brand">auto<span>lab</span></div>
<div class="project">${esc(result.project)} · prediction log</div>
<h4>Dashboard</h4>
<a href="#verdict"><span>Verdict</span></a>
<a href="#windows"><span>Windows</span><span class="count">${result.windows.length}</span></a>
<a href="#columns"><span>Drift per column</span><span class="count">${result.drift.driftedColumns}/${result.drift.columns.length}</span></a>
</nav>`;
  return renderPage({ title: `${result.project} · prediction log · autolab`, nav, body, charts });
}

function interval(m: RealisedMetric | undefined): string {
  if (!m || m.value === null) return '—';
  return `${num(m.value)} [${m.low === null ? '—' : num(m.low)}, ${m.high === null ? '—' : num(m.high)}]`;
}

function verdict(r: PredictionLogResult): string {
  const d = r.drift;
  const realised = Object.entries(r.realised?.metrics ?? {});
  return `<section id="verdict"><h2>Verdict</h2><div class="kpis">
${kpi('dataset drift', d.datasetDrift ? 'yes' : 'no', `${d.driftedColumns} of ${d.columns.length} columns over the whole log`, d.datasetDrift)}
${kpi('windows drifted', `${r.windows.filter((w) => w.drift.datasetDrift).length}/${r.windows.length}`)}
${kpi('predictions', fmt(r.current.rows), `${fmt(r.current.requests)} requests; reference ${fmt(r.reference.rows)} rows`)}
${kpi('outcomes', fmt(r.feedback.matched), `${fmt(r.feedback.outcomes)} received${r.feedback.unknownOutcomes > 0 ? `; ${fmt(r.feedback.unknownOutcomes)} not a class of the model` : ''}`)}
${realised.map(([name, m]) => kpi(`${name} (realised)`, interval(m), m.holdout ? `holdout ${num(m.holdout.value)} [${num(m.holdout.low)}, ${num(m.holdout.high)}]` : 'no holdout figure', m.belowHoldout)).join('\n')}
</div></section>`;
}

function windows(r: PredictionLogResult, charts: ChartCollector): string {
  const names = [...new Set(r.windows.flatMap((w) => Object.keys(w.realised?.metrics ?? {})))];
  const rows = r.windows
    .map((w) => {
      const cells = names.map((name) => {
        const m = w.realised?.metrics[name];
        return `<td class="num">${esc(interval(m))}${m?.belowHoldout ? ' <span class="badge warn">below holdout</span>' : ''}</td>`;
      });
      return `<tr><td>${esc(w.label)}</td><td>${esc(w.from.slice(0, 19).replace('T', ' '))}</td><td class="num">${fmt(w.rows)}</td><td class="num">${w.drift.driftedColumns}/${w.drift.columns.length}</td><td>${w.drift.datasetDrift ? '<span class="badge warn">drifted</span>' : '<span class="badge ok">no</span>'}</td><td class="num">${w.estimated ? pct(w.estimated.accuracy) : '—'}</td><td class="num">${w.realised ? fmt(w.realised.rows) : '0'}</td>${cells.join('')}<td>${esc(humilityText(w.humility))}</td></tr>`;
    })
    .join('');
  const head = `<thead><tr><th>window</th><th>from</th><th class="num">rows</th><th class="num">drifted</th><th>dataset drift</th><th class="num">accuracy (estimated)</th><th class="num">outcomes</th>${names.map((n) => `<th class="num">${esc(n)} (realised, 95 %)</th>`).join('')}<th>humility (records per rule)</th></tr></thead>`;
  const points = r.windows.flatMap((w) => {
    const m = w.realised?.metrics['accuracy'];
    const out: Record<string, unknown>[] = [];
    if (w.estimated) out.push({ window: w.label, kind: 'estimated', value: w.estimated.accuracy, low: w.estimated.accuracy, high: w.estimated.accuracy });
    if (m && m.value !== null) out.push({ window: w.label, kind: 'realised', value: m.value, low: m.low ?? m.value, high: m.high ?? m.value });
    return out;
  });
  const holdout = r.windows.map((w) => w.realised?.metrics['accuracy']?.holdout).find((h) => h);
  const chart: ChartSpec | null =
    points.length === 0
      ? null
      : vegaLiteSpec({
          width: 'container',
          height: 220,
          layer: [
            ...(holdout ? [{ data: { values: [holdout] }, mark: { type: 'rect', opacity: 0.15, color: '#2e7d32' }, encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } }] : []),
            { data: { values: points }, mark: 'rule', encoding: { x: { field: 'window', type: 'ordinal', sort: null }, y: { field: 'low', type: 'quantitative', title: 'accuracy', scale: { zero: false } }, y2: { field: 'high' }, color: { field: 'kind', type: 'nominal' } } },
            {
              data: { values: points },
              mark: { type: 'point', filled: true },
              encoding: {
                x: { field: 'window', type: 'ordinal', sort: null },
                y: { field: 'value', type: 'quantitative' },
                color: { field: 'kind', type: 'nominal', scale: { domain: ['estimated', 'realised'], range: ['#9aa5b1', '#3b6fd8'] }, title: null },
                tooltip: [{ field: 'window' }, { field: 'kind' }, { field: 'value', type: 'quantitative', format: '.3f' }, { field: 'low', format: '.3f' }, { field: 'high', format: '.3f' }],
              },
            },
          ],
        });
  return `<section id="windows"><h2>Windows</h2><p class="lead">Each window's logged rows against the training rows; accuracy estimated (CBPE on the logged probabilities) and realised on the predictions whose outcome came back${holdout ? ', the holdout’s interval shaded' : ''}.</p>
<table class="grid">${head}<tbody>${rows}</tbody></table>${chart ? `<h3>Accuracy per window</h3><div class="card">${charts.place(chart, 'chart wide')}</div>` : ''}</section>`;
}

function columns(r: PredictionLogResult): string {
  return `<section id="columns"><h2>Drift per column</h2><p class="lead">The whole log against the training rows.</p><table class="grid">${COLUMN_HEAD}<tbody>${columnRows(r.drift.columns)}</tbody></table></section>`;
}

function notes(r: PredictionLogResult): string {
  return r.notes.length === 0 ? '' : `<section id="notes"><h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul></section>`;
}
