import { ChartCollector, esc, fmtInt, fmtNum, fmtPct, renderPage } from '../../explore/index.js';
import { calibrationChart, confusionChart, dependenceChart, importanceChart, permutationChart, metricIntervalChart, predictedActualChart, residualChart } from './card-charts.js';
import type { ModelCard } from './model-card-types.js';

/** A model card as one self-contained HTML page (the exploration report's page, styles and chart libraries). */
export function renderModelCardHtml(card: ModelCard): string {
  const charts = new ChartCollector();
  const sections: [id: string, title: string, html: string][] = [
    ['use', 'Intended use', intendedUse(card)],
    ['data', 'Data', dataSection(card)],
    ['metrics', 'Out-of-sample metrics', metricsSection(card, charts)],
    ...(card.confusion || card.calibration ? [['errors', 'Errors and calibration', classificationSection(card, charts)] as [string, string, string]] : []),
    ...(card.residuals ? [['errors', 'Residuals', regressionSection(card, charts)] as [string, string, string]] : []),
    ['importance', 'Global importance', importanceSection(card, charts)],
    ...(card.global ? [['global', 'Permutation importance and partial dependence', globalSection(card.global, charts)] as [string, string, string]] : []),
    ...(card.segments.length > 0 ? [['segments', 'Performance by segment', segmentsSection(card)] as [string, string, string]] : []),
    ['limitations', 'Known limitations', limitationsSection(card)],
    ['schema', 'Input schema', schemaSection(card)],
    ['service', 'How to call the service', serviceSection(card)],
    ['lineage', 'Lineage and approvals', lineageSection(card)],
  ];
  const nav = `<nav class="side" aria-label="Sections">
<div class="brand">auto<span>lab</span></div>
<div class="project">${esc(card.project)} · model version ${card.version}</div>
<h4>Model card</h4>
${sections.map(([id, title]) => `<a href="#${id}"><span>${esc(title)}</span></a>`).join('\n')}
</nav>`;
  const when = utc(card.generatedAt);
  const header = `<header class="top"><h1>${esc(card.project)} · model version ${card.version}</h1><p>Model card · ${esc(card.stage === 'none' ? 'in no stage yet' : card.stage)} · bundle <code>${esc(card.bundleHash.slice(0, 12))}</code> · generated ${esc(when)}</p></header>`;
  const body = [header, ...sections.map(([id, title, html]) => `<section id="${id}"><h2>${esc(title)}</h2>${html}</section>`)].join('\n');
  return renderPage({ title: `${card.project} · model version ${card.version} · autolab`, nav, body, charts });
}

/** an ISO time as `2026-12-05 13:24:09 UTC` */
function utc(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

function table(headers: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  const cls = (i: number) => (numeric.includes(i) ? ' class="num"' : '');
  return `<table class="grid"><thead><tr>${headers.map((h, i) => `<th${cls(i)}>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${cls(i)}>${c}</td>`).join('')}</tr>`).join('')}</tbody></table>`;
}

function intendedUse(card: ModelCard): string {
  const u = card.intendedUse;
  const classes = u.classes.length > 0 ? ` among ${u.classes.map((c) => `<code>${esc(c)}</code>`).join(', ')}` : '';
  const description = u.description ? `<p>${esc(u.description)}</p>` : `<p class="muted">No description of the target in the tags (add one: <code>autolab tags set ${esc(card.data.table)}.${esc(u.target)} description="…"</code>).</p>`;
  return `<p class="lead">Predicts <code>${esc(u.target)}</code> of table <code>${esc(card.data.table)}</code> (${esc(u.task)}${classes}); chosen by ${esc(u.metric)}.</p>${description}`;
}

function dataSection(card: ModelCard): string {
  const d = card.data;
  const snapshots = d.snapshots.map((s) => `${esc(s.table)} v${s.version} <code>${esc(s.contentHash.slice(0, 12))}</code>`).join(', ') || '—';
  const excluded = d.excluded.length === 0 ? '<p class="muted">Every column was learned from.</p>' : table(['column', 'why it was left out'], d.excluded.map((e) => [`<code>${esc(e.column)}</code>`, esc(e.why)]));
  const period = d.period ? ` They span ${esc(utc(d.period.from))} to ${esc(utc(d.period.to))} (<code>${esc(d.period.column)}</code>).` : '';
  return `<p class="lead">${fmtInt(d.rows)} rows of <code>${esc(d.table)}</code> (silver), from snapshot ${snapshots}; tags version ${d.tagVersion ?? '—'}.${period}</p><h3>Columns not learned from</h3>${excluded}`;
}

function metricsSection(card: ModelCard, charts: ChartCollector): string {
  const m = card.metrics;
  if (!m.evaluation) return `<p class="note">This training kept no out-of-sample predictions: ${esc(m.metric)} ${fmtNum(m.score)}, without an interval.</p>`;
  const rows = Object.entries(m.values).map(([name, v]) => [esc(name), fmtNum(v.value), fmtNum(v.low), fmtNum(v.high)]);
  return `<p class="lead">On ${fmtInt(m.evaluation.rows)} ${esc(m.evaluation.on)} rows; ${Math.round(m.evaluation.level * 100)} % intervals by ${esc(m.evaluation.method)}.</p><div class="two"><div class="card">${charts.place(metricIntervalChart(card), 'chart wide')}</div><div class="card">${table(['metric', 'value', 'low', 'high'], rows, [1, 2, 3])}</div></div>`;
}

function classificationSection(card: ModelCard, charts: ChartCollector): string {
  const parts: string[] = [];
  if (card.confusion) parts.push(`<div class="card"><h3 style="margin-top:0">Confusion matrix</h3>${charts.place(confusionChart(card.confusion))}</div>`);
  if (card.calibration) {
    parts.push(`<div class="card"><h3 style="margin-top:0">Calibration (${esc(card.calibration.of)})</h3>${charts.place(calibrationChart(card.calibration), 'chart wide')}</div>`);
  }
  return `<p class="lead">On the out-of-sample predictions; a row's label is its most probable class.</p><div class="two">${parts.join('')}</div>`;
}

function regressionSection(card: ModelCard, charts: ChartCollector): string {
  const r = card.residuals!;
  return `<p class="lead">Residuals on the out-of-sample predictions: mean ${fmtNum(r.mean)}, standard deviation ${fmtNum(r.std)}.</p><div class="two"><div class="card">${charts.place(residualChart(r), 'chart wide')}</div><div class="card">${charts.place(predictedActualChart(r), 'chart wide')}</div></div>`;
}

function importanceSection(card: ModelCard, charts: ChartCollector): string {
  const imp = card.importance;
  const members = imp.members
    .map((m) => `<div class="card" style="margin-top:12px"><h3 style="margin-top:0">${esc(m.model)}${m.weight > 0 ? ` · weight ${fmtNum(m.weight)}` : ''}</h3>${charts.place(importanceChart(m), 'chart wide')}</div>`)
    .join('');
  const skipped = imp.skipped.length === 0 ? '' : `<p class="muted">Not explained: ${imp.skipped.map((s) => `${esc(s.model)} (${esc(s.why)})`).join('; ')}.</p>`;
  return `<p class="lead">${esc(imp.method)}; on ${fmtInt(imp.rows)} held-out rows.</p>${members || '<p class="empty">No tree member to explain.</p>'}${skipped}`;
}

function globalSection(global: NonNullable<ModelCard['global']>, charts: ChartCollector): string {
  const p = global.permutation;
  const dependence = global.partialDependence
    .map((d) => `<div class="card"><h3 style="margin-top:0"><code>${esc(d.column)}</code></h3>${charts.place(dependenceChart(d), 'chart wide')}</div>`)
    .join('');
  return `<p class="lead">The whole ensemble on ${fmtInt(global.rows)} held-out rows: how much ${esc(p.metric)} (${fmtNum(p.baseline)} as they are) worsens when one input column's values are shuffled across rows, every feature made from it moving together.</p><div class="card">${charts.place(permutationChart(p), 'chart wide')}</div><h3>Partial dependence of the top columns</h3><p class="muted">The mean prediction with the column set to each value for every row, the other columns as they are; it hides interactions, and values that never occur with the others are included.</p><div class="two">${dependence}</div>`;
}

function segmentsSection(card: ModelCard): string {
  const parts = card.segments.map(
    (s) => `<h3><code>${esc(s.column)}</code></h3>${table(['value', 'rows', card.intendedUse.metric], s.groups.map((g) => [esc(g.value), fmtInt(g.rows), g.metric === null ? '— (one class)' : fmtNum(g.metric)]), [1, 2])}`,
  );
  return `<p class="lead">${esc(card.intendedUse.metric)} on the out-of-sample rows of each value of the categorical columns that matter most to the model; small groups vary a lot.</p>${parts.join('')}`;
}

function limitationsSection(card: ModelCard): string {
  const l = card.limitations;
  const notes = l.notes.length === 0 ? '' : `<ul>${l.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`;
  const alerts =
    l.alerts === null
      ? '<p class="muted">The lab holds no profile of the snapshot this version learnt from.</p>'
      : l.alerts.length === 0
        ? '<p class="muted">None on the columns the model reads.</p>'
        : table(['column', 'alert', 'severity'], l.alerts.map((a) => [a.column === null ? '(the table)' : `<code>${esc(a.column)}</code>`, esc(a.message), esc(a.severity)]));
  const drift =
    l.drift.length === 0
      ? '<p class="muted">No check yet.</p>'
      : table(
          ['checked', 'against the training rows', 'rows', 'verdict', 'drifted columns', 'realised metrics below the holdout'],
          l.drift.map((d) => [esc(utc(d.checkedAt)), esc(d.against), fmtInt(d.rows), d.datasetDrift ? 'drift' : 'no drift', esc(d.drifted.join(', ') || '—'), esc(d.belowHoldout.join('; ') || '—')]),
          [2],
        );
  return `<p class="lead">What the model may get wrong, from what the lab has seen of its data.</p>${notes}<h3>Exploration's alerts on the training snapshot</h3>${alerts}<h3>Drift seen so far</h3>${drift}`;
}

function schemaSection(card: ModelCard): string {
  const rows = card.schema.map((c) => [
    `<code>${esc(c.name)}</code>`,
    esc(c.kind),
    esc(c.role),
    c.categories ? esc(c.categories.slice(0, 12).join(', ') + (c.categories.length > 12 ? `, … (${c.categories.length})` : '')) : c.min !== undefined ? `${fmtNum(c.min)} to ${fmtNum(c.max)}` : '—',
    fmtPct(c.missingShare),
  ]);
  return `<p class="lead">What a request must hold; values outside the training range or unseen categories are scored, but the model has not seen them.</p>${table(['column', 'kind', 'step', 'range or categories in training', 'missing'], rows, [4])}`;
}

function serviceSection(card: ModelCard): string {
  const s = card.service;
  const from = s.recordFrom === 'holdout' ? 'a held-out row of the training table' : 'values inside the training ranges';
  return `<p class="lead">Serve the model with <code>autolab serve ${esc(card.project)}</code> (or the bundle folder), then send records to <code>POST /predict</code>; the example record is ${from}. Add <code>"explain": true</code> beside <code>"records"</code> for each record's top contributions; <code>GET /docs</code> has the OpenAPI document.</p>
<h3>curl</h3><pre><code>${esc(s.curl)}</code></pre>
<h3>TypeScript (fetch, Node 18+ or a browser)</h3><pre><code>${esc(s.typescript)}</code></pre>`;
}

function lineageSection(card: ModelCard): string {
  const l = card.lineage;
  const facts = [
    ['silver table', `<code>${esc(l.silverHash.slice(0, 16))}</code>${l.silverPlanHash ? `, cleaning plan <code>${esc(l.silverPlanHash.slice(0, 16))}</code>` : ''}`],
    ['tags', `version ${l.tagVersion ?? '—'}, confirmed <code>${esc(l.tagsHash.slice(0, 16))}</code>`],
    ['feature plan', l.featurePlan ? `<code>${esc(l.featurePlan.hash.slice(0, 16))}</code>, ${fmtInt(l.featurePlan.steps)} steps${l.featurePlan.gold ? `, on gold table <code>${esc(l.featurePlan.gold.hash.slice(0, 16))}</code> (${fmtInt(l.featurePlan.gold.features)} features)` : ''}` : '— (not recorded for this version)'],
    ['training data', `<code>${esc(l.dataHash.slice(0, 16))}</code>, seed ${l.seed}`],
    ['code', `<code>${esc(l.codeVersion)}</code>`],
    ['training action', l.trainSeq === null ? '—' : `#${l.trainSeq} in the action log`],
  ];
  const approvals = card.approvals.length === 0 ? '<p class="note">Not approved yet: <code>autolab approve VERSION</code>.</p>' : table(['approved by', 'when', 'note'], card.approvals.map((a) => [esc(a.by), esc(a.at), esc(a.note ?? '')]));
  const board = table(['rank', card.intendedUse.metric, 'weight', 'model'], card.leaderboard.map((r) => [String(r.rank), fmtNum(r.score), r.weight > 0 ? fmtNum(r.weight) : '', esc(r.model)]), [0, 1, 2]);
  return `${table(['', ''], facts.map(([k, v]) => [esc(k!), v!]))}<h3>Approvals</h3>${approvals}<h3>Leaderboard (top ${card.leaderboard.length})</h3>${board}`;
}
