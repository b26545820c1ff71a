/**
 * The exploration report as one self-contained HTML file: the chart libraries, the chart specs and
 * their data are all inline, so it opens from disk or an e-mail attachment with no network.
 */
import type { ColumnProfile, CorrelationMatrix } from '../profile-types.js';
import {
  associationChart,
  classBalanceChart,
  columnChart,
  correlationHeatmap,
  driftChart,
  missingChart,
  relationshipGraph,
} from './charts.js';
import { Charts, esc, renderPage } from './page.js';
import type { ReportData, ReportTable } from './types.js';
import type { TargetAnalysis } from '../round2/index.js';
import type { ColumnTag } from '../tags/index.js';

export function renderReportHtml(data: ReportData): string {
  const charts = new Charts();
  const tagIndex = new Map<string, ColumnTag>();
  for (const c of data.tags?.tags.columns ?? []) tagIndex.set(`${c.table}\u0000${c.column}`, c);
  const body = [
    renderHeader(data),
    renderOverview(data),
    renderAlerts(data),
    renderTarget(data, charts),
    renderRelationships(data, charts),
    renderPii(data),
    renderQuality(data),
    renderDrift(data, charts),
    ...data.tables.map((t, i) => renderTable(t, i, charts, tagIndex)),
  ].join('\n');
  return renderPage({ title: `${data.project} · exploration report · autolab`, nav: renderNav(data), body, charts });
}

function renderNav(data: ReportData): string {
  const o = data.overview;
  const link = (href: string, label: string, count?: number | string, sub = false) =>
    `<a href="#${href}"${sub ? ' class="sub"' : ''}><span>${esc(label)}</span>${count !== undefined ? `<span class="count">${esc(String(count))}</span>` : ''}</a>`;
  return `<nav class="side" aria-label="Sections">
<div class="brand">auto<span>lab</span></div>
<div class="project">${esc(data.project)} · exploration</div>
<h4>Report</h4>
${link('overview', 'Overview')}
${link('alerts', 'Alerts', o.warnings + o.infos)}
${link('target', 'Target analysis')}
${link('relationships', 'Relationships', data.relationships.length)}
${link('pii', 'Personal data', o.piiColumns)}
${link('quality', 'Quality (silver)', data.quality.length > 0 ? data.quality.reduce((n, q) => n + q.rules.filter((r) => r.failed > 0).length, 0) : undefined)}
${data.round2 && data.round2.drift.length > 0 ? link('drift', 'Drift', data.round2.drift.length) : ''}
<h4>Tables</h4>
${data.tables.map((t, i) => link(`t${i}`, t.name, fmtInt(t.profile.rows))).join('\n')}
</nav>`;
}

function renderHeader(data: ReportData): string {
  const when = data.generatedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
  return `<header class="top"><h1>${esc(data.project)}</h1><p>Exploration report · generated ${esc(when)}${
    data.tags ? ` · tags version ${data.tags.version}` : ''
  }</p></header>`;
}

function renderOverview(data: ReportData): string {
  const o = data.overview;
  const missingShare = o.cells > 0 ? o.missingCells / o.cells : 0;
  const kpi = (label: string, value: string, note = '', warn = false, text = false) =>
    `<div class="kpi${warn ? ' warn' : ''}${text ? ' wide' : ''}"><div class="label">${esc(label)}</div><div class="value${text ? ' text' : ''}" title="${esc(value)}">${esc(value)}</div>${note ? `<div class="sub">${esc(note)}</div>` : ''}</div>`;
  const target = o.target
    ? `${o.target.table}.${o.target.column}`
    : '—';
  const rows = data.tables
    .map((t, i) => {
      const p = t.profile;
      const missing = p.columns.reduce((s, c) => s + c.missing, 0);
      const cells = p.rows * p.columnCount;
      return `<tr><td><a href="#t${i}">${esc(t.name)}</a></td><td class="num">${t.snapshot ? `v${t.snapshot.version}` : '—'}</td><td class="num">${fmtInt(p.rows)}</td><td class="num">${fmtInt(p.columnCount)}</td><td class="num">${fmtPct(cells > 0 ? missing / cells : 0)}</td><td class="num">${p.duplicateRows === null ? '—' : fmtInt(p.duplicateRows)}</td><td class="num">${fmtInt(p.alerts.length)}</td><td class="num">${fmtMs(p.timings.totalMs)}</td></tr>`;
    })
    .join('');
  return `<section id="overview"><h2>Overview</h2>
<div class="kpis">
${kpi('Tables', fmtInt(o.tables))}
${kpi('Rows', fmtInt(o.rows))}
${kpi('Columns', fmtInt(o.columns))}
${kpi('Missing cells', fmtPct(missingShare), `${fmtInt(o.missingCells)} cells`)}
${kpi('Duplicate rows', fmtInt(o.duplicateRows), '', o.duplicateRows > 0)}
${kpi('Warnings', fmtInt(o.warnings), `${fmtInt(o.infos)} notes`, o.warnings > 0)}
${kpi('Personal data', fmtInt(o.piiColumns), 'columns suspected', o.piiColumns > 0)}
${kpi('Target', target, o.target ? (o.target.confirmed ? 'confirmed' : 'suggested, not confirmed') : 'none yet', false, true)}
${o.openTags !== null ? kpi('Open tags', fmtInt(o.openTags), o.openTags > 0 ? 'wait on a person' : 'all decided', o.openTags > 0) : ''}
</div>
<table class="grid"><thead><tr><th>table</th><th class="num">snapshot</th><th class="num">rows</th><th class="num">columns</th><th class="num">missing</th><th class="num">duplicates</th><th class="num">alerts</th><th class="num">profiled in</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

function renderAlerts(data: ReportData): string {
  const tableIndex = new Map(data.tables.map((t, i) => [t.name, i]));
  if (data.alerts.length === 0) {
    return `<section id="alerts"><h2>Alerts</h2><p class="empty">Nothing to report.</p></section>`;
  }
  const items = data.alerts
    .map((a) => {
      const ti = tableIndex.get(a.table);
      const colIndex = ti === undefined || a.column === null ? -1 : (data.tables[ti]?.profile.columns.findIndex((c) => c.name === a.column) ?? -1);
      const href = ti === undefined ? '' : colIndex >= 0 ? `#t${ti}-c${colIndex}` : `#t${ti}`;
      const where = `${a.table}${a.column !== null ? `.${a.column}` : ''}`;
      return `<li><span class="badge ${a.severity === 'warning' ? 'warn' : ''}">${esc(a.kind.replaceAll('_', ' '))}</span><span class="where">${href ? `<a href="${href}">${esc(where)}</a>` : esc(where)}</span><span>${esc(a.message)}</span></li>`;
    })
    .join('\n');
  return `<section id="alerts"><h2>Alerts</h2><p class="lead">${fmtInt(data.overview.warnings)} warnings and ${fmtInt(data.overview.infos)} notes, warnings first.</p><ul class="alerts">${items}</ul></section>`;
}

function renderTarget(data: ReportData, charts: Charts): string {
  const analysis = data.round2?.target ?? null;
  if (!analysis) {
    const s = data.targetSuggestion;
    const hint = s
      ? `The lab suggests <code>${esc(s.table)}.${esc(s.column)}</code> (${esc(s.task)}, confidence ${fmtNum(s.confidence)}): ${esc(s.reason)}. Confirm it with <code>autolab tags set ${esc(s.table)}.${esc(s.column)} role=target</code>.`
      : 'No column looks like a target. Tag one with <code>autolab tags set TABLE.COLUMN role=target</code>.';
    return `<section id="target"><h2>Target analysis</h2><p class="note">No target is confirmed yet, so the target-aware analysis has not run. ${hint}</p>${renderJoins(data)}</section>`;
  }
  return `<section id="target"><h2>Target analysis</h2>${renderTargetAnalysis(analysis, charts)}${renderJoins(data)}</section>`;
}

function renderTargetAnalysis(a: TargetAnalysis, charts: Charts): string {
  const t = a.target;
  const facts =
    t.task === 'regression'
      ? `mean ${fmtNum(t.mean)}, standard deviation ${fmtNum(t.std)}, from ${fmtNum(t.min)} to ${fmtNum(t.max)}`
      : `${fmtInt(t.classes?.length ?? 0)} classes, the largest ${fmtNum(t.imbalanceRatio)}× the smallest`;
  const leakage =
    a.leakage.length === 0
      ? `<p class="muted">No leakage suspects.</p>`
      : `<table class="grid"><thead><tr><th>column</th><th>why</th><th class="num">figure</th></tr></thead><tbody>${a.leakage
          .map((l) => `<tr><td><span class="badge warn">${esc(l.kind.replaceAll('_', ' '))}</span> <code>${esc(l.column)}</code></td><td>${esc(l.reason)}</td><td class="num">${fmtNum(l.value)}</td></tr>`)
          .join('')}</tbody></table>`;
  const assocRows = a.associations
    .map(
      (f) =>
        `<tr><td><code>${esc(f.column)}</code></td><td>${esc(f.semanticType)}</td><td class="num">${fmtNum(f.strength)}</td><td class="num">${fmtNum(f.normalizedMI)}</td><td class="num">${fmtNum(f.auc)}</td><td class="num">${fmtNum(f.correlationRatio)}</td><td class="num">${fmtNum(f.pearson)}</td></tr>`,
    )
    .join('');
  const partial =
    a.partialFeatures.length === 0
      ? ''
      : `<h3>Features present in only part of the rows</h3><table class="grid"><thead><tr><th>column</th><th class="num">present</th><th>present by class</th></tr></thead><tbody>${a.partialFeatures
          .map(
            (p) =>
              `<tr><td><code>${esc(p.column)}</code></td><td class="num">${fmtPct(p.presentShare)}</td><td>${
                p.presentShareByClass ? p.presentShareByClass.map((c) => `${esc(c.value)}: ${fmtPct(c.presentShare)}`).join(' · ') : '—'
              }</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<p class="lead"><code>${esc(t.table)}.${esc(t.column)}</code> · <span class="badge accent">${esc(t.task)}</span> · ${fmtInt(t.rows)} rows, ${fmtInt(t.missing)} without a target · ${esc(facts)}</p>
<div class="two">
<div class="card"><h3 style="margin-top:0">${t.task === 'regression' ? 'Target' : 'Class balance'}</h3>${
    t.task === 'regression' ? `<dl class="stats">${stat('mean', fmtNum(t.mean))}${stat('std', fmtNum(t.std))}${stat('min', fmtNum(t.min))}${stat('max', fmtNum(t.max))}</dl>` : charts.place(classBalanceChart(t))
  }</div>
<div class="card"><h3 style="margin-top:0">Leakage suspects</h3>${leakage}</div>
</div>
<h3>Association of each feature with the target</h3>
<div class="card">${charts.place(associationChart(a.associations, a.leakage), 'chart wide')}</div>
<details style="margin-top:10px"><summary class="muted">All figures</summary>
<table class="grid" style="margin-top:8px"><thead><tr><th>column</th><th>type</th><th class="num">strength</th><th class="num">normalised MI</th><th class="num">AUC</th><th class="num">η</th><th class="num">Pearson r</th></tr></thead><tbody>${assocRows}</tbody></table>
</details>
${partial}`;
}

function renderJoins(data: ReportData): string {
  const joins = data.round2?.joins ?? [];
  if (joins.length === 0) return '';
  return `<h3>Join coverage of confirmed relationships</h3><table class="grid"><thead><tr><th>from</th><th>to</th><th>cardinality</th><th class="num">rows</th><th class="num">key missing</th><th class="num">rows matched</th><th class="num">parents referenced</th></tr></thead><tbody>${joins
    .map(
      (j) =>
        `<tr><td><code>${esc(j.from.table)}.${esc(j.from.column)}</code></td><td><code>${esc(j.to.table)}.${esc(j.to.column)}</code></td><td>${esc(j.cardinality ?? '—')}</td><td class="num">${fmtInt(j.fromRows)}</td><td class="num">${fmtInt(j.fromMissing)}</td><td class="num">${badgePct(j.matchedShare, 0.95)}</td><td class="num">${fmtPct(j.referencedShare)}</td></tr>`,
    )
    .join('')}</tbody></table>`;
}

function renderRelationships(data: ReportData, charts: Charts): string {
  const status = new Map<string, string>();
  for (const r of data.tags?.tags.relationships ?? []) {
    status.set(`${r.from.table}.${r.from.column}>${r.to.table}.${r.to.column}`, r.status);
  }
  const withStatus = data.relationships.map((r) => ({ ...r, status: status.get(`${r.from.table}.${r.from.column}>${r.to.table}.${r.to.column}`) ?? 'suggested' }));
  const graph = data.tables.length > 1 ? `<div class="card">${charts.place(relationshipGraph(data.tables.map((t) => ({ name: t.name, rows: t.profile.rows })), withStatus), 'chart wide')}</div>` : '';
  const table =
    withStatus.length === 0
      ? `<p class="empty">${data.tables.length > 1 ? 'No candidate relationships between the tables.' : 'One table: nothing to relate.'}</p>`
      : `<table class="grid" style="margin-top:12px"><thead><tr><th>from</th><th>to</th><th>cardinality</th><th class="num">values found</th><th class="num">score</th><th>status</th><th>why</th></tr></thead><tbody>${withStatus
          .map(
            (r) =>
              `<tr><td><code>${esc(r.from.table)}.${esc(r.from.column)}</code></td><td><code>${esc(r.to.table)}.${esc(r.to.column)}</code></td><td>${esc(r.cardinality)}</td><td class="num">${fmtPct(r.inclusion)}${r.inclusionEstimated ? ' ≈' : ''}</td><td class="num">${fmtNum(r.score)}</td><td>${statusBadge(r.status)}</td><td class="muted">${esc(r.reasons.join('; '))}</td></tr>`,
          )
          .join('')}</tbody></table>`;
  return `<section id="relationships"><h2>Relationships</h2><p class="lead">Candidate foreign keys between the project's tables, scored from value inclusion, key uniqueness, names and types.</p>${graph}${table}</section>`;
}

/** Silver's quality report: where every row of each table went, and what each rule found. */
function renderQuality(data: ReportData): string {
  if (data.quality.length === 0) {
    const why = data.tags ? 'Silver has not been built from the latest snapshots yet: run `autolab run` or `autolab silver`.' : 'Silver is built once the tags are confirmed.';
    return `<section id="quality"><h2>Quality (silver)</h2><p class="empty">${esc(why)}</p></section>`;
  }
  const rows = data.quality
    .map(
      (q) =>
        `<tr><td><code>${esc(q.table)}</code></td><td class="num">${fmtInt(q.rowsIn)}</td><td class="num">${fmtInt(q.rowsOut)}</td><td class="num">${fmtInt(q.quarantined)}</td><td class="num">${fmtInt(q.duplicatesRemoved)}</td><td class="mono">${esc(q.key.join(', ') || '—')}</td><td class="mono">${esc(q.dropped.join(', ') || '—')}</td></tr>`,
    )
    .join('');
  const rules = data.quality
    .flatMap((q) => q.rules)
    .map(
      (r) =>
        `<tr><td><code>${esc(r.id)}</code></td><td>${esc(r.kind.replaceAll('_', ' '))}</td><td><span class="badge${r.failed > 0 && r.action !== 'warn' ? ' warn' : ''}">${esc(r.action)}</span></td><td class="num">${fmtInt(r.failed)}</td><td class="mono">${esc(r.examples.map((e) => (e === null ? 'null' : e)).join(', ') || '—')}</td></tr>`,
    )
    .join('');
  return `<section id="quality"><h2>Quality (silver)</h2><p class="lead">Each table's latest silver build: rows in = rows out + quarantined + duplicates removed. Rules come from exploration and are edited in the tags (<code>autolab tags edit</code>): <em>warn</em> keeps and counts, <em>quarantine</em> moves the row aside, <em>fail</em> stops the build.</p>
<table class="grid"><thead><tr><th>table</th><th class="num">rows in</th><th class="num">rows out</th><th class="num">quarantined</th><th class="num">duplicates</th><th>key</th><th>columns dropped</th></tr></thead><tbody>${rows}</tbody></table>
${rules ? `<h3>Rules</h3><table class="grid"><thead><tr><th>rule</th><th>kind</th><th>action</th><th class="num">rows failing</th><th>examples</th></tr></thead><tbody>${rules}</tbody></table>` : '<p class="empty">No rules.</p>'}</section>`;
}

function renderPii(data: ReportData): string {
  if (data.pii.length === 0) {
    return `<section id="pii"><h2>Personal data</h2><p class="empty">No column looks like personal data.</p></section>`;
  }
  const policy = new Map<string, string>();
  for (const c of data.tags?.tags.columns ?? []) {
    const p = c.confirmed.piiPolicy !== undefined ? c.confirmed.piiPolicy : c.suggestion.piiPolicy.value;
    policy.set(`${c.table}.${c.column}`, `${p ?? 'none'}${c.confirmed.piiPolicy !== undefined ? '' : ' (suggested)'}`);
  }
  const rows = data.pii
    .map(
      (p) =>
        `<tr><td><code>${esc(p.table ?? '')}.${esc(p.column)}</code></td><td><span class="badge warn">${esc(p.kind.replaceAll('_', ' '))}</span></td><td class="num">${fmtNum(p.confidence)}</td><td class="num">${fmtPct(p.validatedShare)}</td><td class="mono">${esc(p.maskedEvidence.slice(0, 3).join(', '))}</td><td>${esc(policy.get(`${p.table}.${p.column}`) ?? '—')}</td></tr>`,
    )
    .join('');
  return `<section id="pii"><h2>Personal data</h2><p class="lead">Columns that look like personal data, with masked evidence. Silver drops, masks or hashes them as their policy says.</p><table class="grid"><thead><tr><th>column</th><th>kind</th><th class="num">confidence</th><th class="num">validated</th><th>evidence</th><th>policy</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function renderDrift(data: ReportData, charts: Charts): string {
  const drift = data.round2?.drift ?? [];
  if (drift.length === 0) return '';
  const parts = drift
    .map((d) => {
      const changed = [
        d.added.length > 0 ? `added: ${d.added.join(', ')}` : '',
        d.removed.length > 0 ? `removed: ${d.removed.join(', ')}` : '',
      ]
        .filter(Boolean)
        .join(' · ');
      return `<h3>${esc(d.table)} <span class="muted">v${d.fromVersion} → v${d.toVersion} · ${fmtInt(d.fromRows)} → ${fmtInt(d.toRows)} rows</span></h3>${changed ? `<p class="muted">${esc(changed)}</p>` : ''}<div class="card">${charts.place(driftChart(d), 'chart wide')}</div>`;
    })
    .join('');
  return `<section id="drift"><h2>Drift between snapshots</h2><p class="lead">Population stability index of each column between a table's two latest snapshots: below 0.1 stable, up to 0.25 moderate, above large.</p>${parts}</section>`;
}

function renderTable(t: ReportTable, index: number, charts: Charts, tags: Map<string, ColumnTag>): string {
  const p = t.profile;
  const heatmap = pickCorrelation(p.correlations);
  const keys =
    p.candidateKeys.length === 0
      ? '<p class="muted">No candidate key.</p>'
      : `<div class="chips">${p.candidateKeys
          .slice(0, 6)
          .map((k) => `<span class="badge ${k.unique ? 'ok' : ''}" title="${esc(k.reasons.join('; '))}">${esc(k.columns.join(' + '))} · ${fmtNum(k.confidence)}</span>`)
          .join('')}</div>`;
  const missing = missingChart(p.columns);
  const heat = heatmap ? correlationHeatmap(heatmap) : null;
  return `<section id="t${index}"><h2>${esc(t.name)}</h2>
<p class="lead">${fmtInt(p.rows)} rows · ${fmtInt(p.columnCount)} columns${t.snapshot ? ` · snapshot v${t.snapshot.version} <span class="mono muted">${esc(t.snapshot.contentHash.slice(0, 12))}</span>` : ''}${
    p.duplicateRows ? ` · <span class="badge warn">${fmtInt(p.duplicateRows)} duplicate rows</span>` : ''
  }</p>
<h3>Candidate keys</h3>${keys}
${missing || heat ? `<div class="two" style="margin-top:16px">${missing ? `<div class="card"><h3 style="margin-top:0">Missing values</h3>${charts.place(missing, 'chart wide')}</div>` : ''}${heat && heatmap ? `<div class="card scroll-x"><h3 style="margin-top:0">Correlations <span class="muted">(${esc(heatmap.method.replaceAll('_', ' '))})</span></h3>${charts.place(heat, 'chart wide')}</div>` : ''}</div>` : ''}
<h3>Columns</h3>
<div class="columns">${p.columns.map((c, j) => renderColumn(c, `t${index}-c${j}`, charts, tags.get(`${t.name}\u0000${c.name}`))).join('\n')}</div>
</section>`;
}

function renderColumn(c: ColumnProfile, id: string, charts: Charts, tag: ColumnTag | undefined): string {
  const n = c.numeric;
  const d = c.datetime;
  const s = c.strings;
  const cells: string[] = [
    stat('missing', `${fmtInt(c.missing)} (${fmtPct(c.missingShare)})`),
    stat('distinct', `${c.distinctApprox ? '≈' : ''}${fmtInt(c.distinct)}`),
  ];
  if (n) {
    cells.push(stat('mean', fmtNum(n.mean)), stat('std', fmtNum(n.std)), stat('min', fmtNum(n.min)), stat('median', fmtNum(n.quantiles.p50)), stat('max', fmtNum(n.max)));
    if (n.zeros > 0) cells.push(stat('zeros', fmtInt(n.zeros)));
    if (n.negatives > 0) cells.push(stat('negatives', fmtInt(n.negatives)));
    if (n.outliers > 0) cells.push(stat('outliers', fmtInt(n.outliers)));
  } else if (d) {
    cells.push(stat('from', fmtTime(d.min)), stat('to', fmtTime(d.max)));
    if (d.format) cells.push(stat('format', d.format));
  }
  if (s && !n) {
    cells.push(stat('length', `${fmtNum(s.minLength)}–${fmtNum(s.maxLength)}`));
    if (s.blank > 0) cells.push(stat('blank', fmtInt(s.blank)));
  }
  const role = tag ? (tag.confirmed.role ?? tag.suggestion.role.value) : null;
  const roleBadge = role && role !== 'feature' ? `<span class="badge ${role === 'target' ? 'accent' : ''}">${esc(role)}${tag?.confirmed.role === undefined ? '?' : ''}</span>` : '';
  const alerts = c.alerts.length === 0 ? '' : `<div class="chips">${c.alerts.map((a) => `<span class="badge ${a.severity === 'warning' ? 'warn' : ''}" title="${esc(a.message)}">${esc(a.kind.replaceAll('_', ' '))}</span>`).join('')}</div>`;
  return `<article class="col-card" id="${id}">
<header><h4>${esc(c.name)}</h4><span class="badge accent">${esc(c.semanticType)}</span>${roleBadge}<span class="physical">${esc(c.physicalType)}</span></header>
<dl class="stats">${cells.join('')}</dl>
${chartOrNote(c, charts)}
${alerts}
</article>`;
}

function chartOrNote(c: ColumnProfile, charts: Charts): string {
  const chart = charts.place(columnChart(c));
  if (chart) return chart;
  if (c.semanticType === 'empty') return '<p class="unique-note">No values.</p>';
  if (c.semanticType === 'constant') return `<p class="unique-note">One value throughout: ${esc(c.topValues[0]?.value ?? '—')}</p>`;
  if (c.unique || c.distinctShare > 0.98) return `<p class="unique-note">Every value is distinct, e.g. ${esc(c.topValues.slice(0, 3).map((v) => v.value ?? 'missing').join(', '))}</p>`;
  return '';
}

function pickCorrelation(matrices: readonly CorrelationMatrix[]): CorrelationMatrix | undefined {
  const usable = matrices.filter((m) => m.columns.length >= 2);
  return usable.find((m) => m.method === 'auto') ?? usable.find((m) => m.method === 'spearman') ?? usable[0];
}

function stat(label: string, value: string): string {
  return `<div><dt>${esc(label)}</dt><dd title="${esc(value)}">${esc(value)}</dd></div>`;
}

function statusBadge(status: string): string {
  const cls = status === 'confirmed' ? 'ok' : status === 'rejected' ? 'bad' : '';
  return `<span class="badge ${cls}">${esc(status)}</span>`;
}

function badgePct(share: number, good: number): string {
  return `<span class="badge ${share >= good ? 'ok' : 'warn'}">${fmtPct(share)}</span>`;
}

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function fmtNum(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return n.toExponential(2);
  return Number(n.toPrecision(4)).toLocaleString('en-US', { maximumFractionDigits: 4 });
}

function fmtPct(share: number): string {
  if (share > 0 && share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(share >= 0.1 || share === 0 ? 1 : 2).replace(/\.0+$/, '')}%`;
}

function fmtTime(iso: string | null): string {
  if (iso === null) return '—';
  return iso.replace(/T00:00:00(\.0+)?(Z)?$/, '').replace('T', ' ').replace(/(\.\d{3})\d*/, '$1');
}

function fmtMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
