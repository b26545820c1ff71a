/**
 * Vega-Lite specs for the report: plain JSON with the data inline, so that the same spec renders
 * in the HTML report and in the web app. One function per kind of chart.
 */
import type { ColumnProfile, CorrelationMatrix, Relationship } from '../profile-types.js';
import type { FeatureAssociation, LeakageSuspect, TableDrift, TargetSummary } from '../round2/index.js';

export type ChartSpec = Record<string, unknown>;

const ACCENT = '#3b6fd8';
const WARN = '#d9822b';
const MUTED = '#9aa5b1';

const CONFIG = {
  font: 'Inter, ui-sans-serif, system-ui, -apple-system, "Segoe UI", sans-serif',
  view: { stroke: null },
  background: null,
  axis: {
    labelColor: '#52606d',
    titleColor: '#52606d',
    titleFontWeight: 500,
    gridColor: '#eef1f4',
    domainColor: '#cbd2d9',
    tickColor: '#cbd2d9',
    labelFontSize: 11,
    titleFontSize: 11,
  },
  legend: { labelColor: '#52606d', titleColor: '#52606d', labelFontSize: 11, titleFontSize: 11 },
  bar: { color: ACCENT },
};

/** A Vega-Lite spec in the reports' look (fonts, axes, colours). */
export function chartSpec(body: Record<string, unknown>): ChartSpec {
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...body };
}

/** The distribution of a numeric or datetime column: its histogram, or else its top values. */
export function columnChart(column: ColumnProfile): ChartSpec | null {
  if (column.semanticType === 'empty' || column.semanticType === 'constant') return null;
  const numericBins = column.numeric?.histogram ?? [];
  const dateBins = column.datetime?.histogram ?? [];
  if (column.semanticType === 'datetime' && dateBins.length > 0) return histogram(dateBins, true, column.name);
  if (column.semanticType === 'numeric' && numericBins.length > 0) return histogram(numericBins, false, column.name);
  // every value once: a bar chart of counts of 1 says nothing
  const allUnique = column.unique || column.distinctShare > 0.98;
  if (allUnique && numericBins.length > 0) return histogram(numericBins, false, column.name);
  if (!allUnique && column.topValues.length > 0) return topValues(column);
  return null;
}

function histogram(bins: readonly { lower: number; upper: number; count: number }[], temporal: boolean, title: string): ChartSpec {
  const type = temporal ? 'temporal' : 'quantitative';
  return chartSpec({
    width: 'container',
    height: 150,
    data: { values: bins.map((b) => ({ lower: b.lower, upper: b.upper, count: b.count })) },
    // pre-binned data: a rect per bin from 0 to its count (a bar with x2 would turn horizontal)
    mark: { type: 'rect', color: ACCENT, stroke: '#fff', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'lower', type, title, axis: { labelOverlap: true, tickCount: 6 }, ...(temporal ? {} : { scale: { zero: false, nice: false } }) },
      x2: { field: 'upper' },
      y: { field: 'count', type: 'quantitative', title: 'rows', axis: { tickCount: 4 }, scale: { zero: true } },
      y2: { datum: 0 },
      tooltip: [
        { field: 'lower', type, title: 'from', ...(temporal ? { format: '%Y-%m-%d %H:%M' } : { format: ',.4~g' }) },
        { field: 'upper', type, title: 'to', ...(temporal ? { format: '%Y-%m-%d %H:%M' } : { format: ',.4~g' }) },
        { field: 'count', type: 'quantitative', title: 'rows', format: ',' },
      ],
    },
  });
}

function topValues(column: ColumnProfile): ChartSpec {
  const rows = column.count > 0 ? column.count : 1;
  const values = column.topValues.map((v, i) => ({
    value: v.value === null ? '(missing)' : truncate(v.value, 40),
    count: v.count,
    share: v.count / rows,
    order: i,
  }));
  return chartSpec({
    width: 'container',
    height: Math.max(40, values.length * 18),
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 2, color: ACCENT },
    encoding: {
      y: { field: 'value', type: 'nominal', sort: { field: 'order' }, title: null, axis: { labelLimit: 180 } },
      x: { field: 'count', type: 'quantitative', title: 'rows', axis: { tickCount: 4 } },
      tooltip: [
        { field: 'value', type: 'nominal' },
        { field: 'count', type: 'quantitative', format: ',' },
        { field: 'share', type: 'quantitative', format: '.1%' },
      ],
    },
  });
}

/** A square heatmap of one correlation matrix; blue negative, orange positive. */
export function correlationHeatmap(matrix: CorrelationMatrix): ChartSpec | null {
  const n = matrix.columns.length;
  if (n < 2) return null;
  const values: { a: string; b: string; value: number | null }[] = [];
  matrix.columns.forEach((a, i) => matrix.columns.forEach((b, j) => values.push({ a, b, value: matrix.values[i]?.[j] ?? null })));
  const cell = Math.max(14, Math.min(36, Math.floor(520 / n)));
  const signed = matrix.method === 'pearson' || matrix.method === 'spearman';
  const layers: unknown[] = [
    {
      mark: { type: 'rect', stroke: '#fff', strokeWidth: 1 },
      encoding: {
        color: {
          field: 'value',
          type: 'quantitative',
          title: matrix.method,
          scale: signed ? { scheme: 'blueorange', domain: [-1, 1] } : { scheme: 'oranges', domain: [0, 1] },
        },
        tooltip: [
          { field: 'a', type: 'nominal', title: 'column' },
          { field: 'b', type: 'nominal', title: 'with' },
          { field: 'value', type: 'quantitative', format: '.3f' },
        ],
      },
    },
  ];
  if (n <= 14) {
    layers.push({
      mark: { type: 'text', fontSize: 10 },
      encoding: {
        text: { field: 'value', type: 'quantitative', format: '.2f' },
        color: { condition: { test: 'abs(datum.value) > 0.6', value: '#fff' }, value: '#1f2933' },
      },
    });
  }
  return chartSpec({
    width: cell * n,
    height: cell * n,
    data: { values: values.filter((v) => v.value !== null) },
    encoding: {
      x: { field: 'a', type: 'nominal', sort: matrix.columns, title: null, axis: { labelAngle: -40, labelLimit: 120 } },
      y: { field: 'b', type: 'nominal', sort: matrix.columns, title: null, axis: { labelLimit: 120 } },
    },
    layer: layers,
  });
}

/**
 * Tables on a circle, candidate relationships as lines between them (solid when confirmed,
 * dashed when only suggested, hidden when rejected). Vega-Lite has no graph layout; a circle
 * keeps any number of tables readable.
 */
export function relationshipGraph(
  tables: readonly { name: string; rows: number }[],
  relationships: readonly (Relationship & { status?: string })[],
): ChartSpec | null {
  if (tables.length === 0) return null;
  const radius = 1;
  const nodes = tables.map((t, i) => {
    const angle = (2 * Math.PI * i) / tables.length - Math.PI / 2;
    const single = tables.length === 1;
    return { table: t.name, rows: t.rows, x: single ? 0 : radius * Math.cos(angle), y: single ? 0 : radius * Math.sin(angle) };
  });
  const at = new Map(nodes.map((n) => [n.table, n]));
  const edges = relationships
    .filter((r) => r.status !== 'rejected')
    .map((r) => {
      const a = at.get(r.from.table);
      const b = at.get(r.to.table);
      return a && b
        ? {
            x: a.x,
            y: a.y,
            x2: b.x,
            y2: b.y,
            label: `${r.from.table}.${r.from.column} → ${r.to.table}.${r.to.column}`,
            score: r.score,
            cardinality: r.cardinality,
            status: r.status ?? 'suggested',
          }
        : null;
    })
    .filter((e) => e !== null);
  const scale = { domain: [-1.5, 1.5] };
  return chartSpec({
    width: 'container',
    height: Math.min(420, 160 + 40 * tables.length),
    layer: [
      {
        data: { values: edges },
        mark: { type: 'rule', strokeWidth: 2, opacity: 0.8 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale, axis: null },
          y: { field: 'y', type: 'quantitative', scale, axis: null },
          x2: { field: 'x2' },
          y2: { field: 'y2' },
          color: { field: 'status', type: 'nominal', scale: { domain: ['confirmed', 'suggested'], range: [ACCENT, MUTED] }, title: 'relationship' },
          strokeDash: { field: 'status', type: 'nominal', scale: { domain: ['confirmed', 'suggested'], range: [[1, 0], [5, 4]] }, legend: null },
          tooltip: [
            { field: 'label', type: 'nominal', title: 'relationship' },
            { field: 'cardinality', type: 'nominal' },
            { field: 'score', type: 'quantitative', format: '.2f' },
            { field: 'status', type: 'nominal' },
          ],
        },
      },
      {
        data: { values: nodes },
        mark: { type: 'circle', opacity: 1, stroke: '#fff', strokeWidth: 2 },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale, axis: null },
          y: { field: 'y', type: 'quantitative', scale, axis: null },
          size: { field: 'rows', type: 'quantitative', scale: { range: [300, 1600] }, legend: null },
          color: { value: '#1f2933' },
          tooltip: [
            { field: 'table', type: 'nominal' },
            { field: 'rows', type: 'quantitative', format: ',' },
          ],
        },
      },
      {
        data: { values: nodes },
        mark: { type: 'text', dy: -24, fontSize: 12, fontWeight: 600, color: '#1f2933' },
        encoding: {
          x: { field: 'x', type: 'quantitative', scale, axis: null },
          y: { field: 'y', type: 'quantitative', scale, axis: null },
          text: { field: 'table', type: 'nominal' },
        },
      },
    ],
  });
}

export function classBalanceChart(target: TargetSummary): ChartSpec | null {
  if (!target.classes || target.classes.length === 0) return null;
  const values = target.classes.slice(0, 30).map((c, i) => ({ value: truncate(c.value, 40), count: c.count, share: c.share, order: i }));
  return chartSpec({
    width: 'container',
    height: Math.max(40, values.length * 22),
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 2, color: ACCENT },
    encoding: {
      y: { field: 'value', type: 'nominal', sort: { field: 'order' }, title: target.column },
      x: { field: 'count', type: 'quantitative', title: 'rows' },
      tooltip: [
        { field: 'value', type: 'nominal', title: 'class' },
        { field: 'count', type: 'quantitative', format: ',' },
        { field: 'share', type: 'quantitative', format: '.1%' },
      ],
    },
  });
}

export function associationChart(associations: readonly FeatureAssociation[], leakage: readonly LeakageSuspect[]): ChartSpec | null {
  if (associations.length === 0) return null;
  const suspects = new Set(leakage.map((l) => l.column));
  const values = associations.slice(0, 30).map((a, i) => ({
    column: a.column,
    strength: a.strength,
    mi: a.normalizedMI,
    auc: a.auc,
    eta: a.correlationRatio,
    r: a.pearson,
    flag: suspects.has(a.column) ? 'leakage suspect' : 'feature',
    order: i,
  }));
  return chartSpec({
    width: 'container',
    height: Math.max(40, values.length * 20),
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      y: { field: 'column', type: 'nominal', sort: { field: 'order' }, title: null, axis: { labelLimit: 200 } },
      x: { field: 'strength', type: 'quantitative', title: 'association with the target (0–1)', scale: { domain: [0, 1] } },
      color: { field: 'flag', type: 'nominal', scale: { domain: ['feature', 'leakage suspect'], range: [ACCENT, WARN] }, title: null },
      tooltip: [
        { field: 'column', type: 'nominal' },
        { field: 'strength', type: 'quantitative', format: '.3f' },
        { field: 'mi', type: 'quantitative', title: 'normalised MI', format: '.3f' },
        { field: 'auc', type: 'quantitative', title: 'AUC', format: '.3f' },
        { field: 'eta', type: 'quantitative', title: 'η', format: '.3f' },
        { field: 'r', type: 'quantitative', title: 'Pearson r', format: '.3f' },
      ],
    },
  });
}

export function driftChart(drift: TableDrift): ChartSpec | null {
  if (drift.columns.length === 0) return null;
  const values = drift.columns.slice(0, 40).map((c, i) => ({ column: c.column, psi: c.psi, level: c.level, order: i }));
  return chartSpec({
    width: 'container',
    height: Math.max(40, values.length * 20),
    data: { values },
    layer: [
      {
        mark: { type: 'bar', cornerRadiusEnd: 2 },
        encoding: {
          y: { field: 'column', type: 'nominal', sort: { field: 'order' }, title: null, axis: { labelLimit: 200 } },
          x: { field: 'psi', type: 'quantitative', title: 'PSI' },
          color: {
            field: 'level',
            type: 'nominal',
            scale: { domain: ['stable', 'moderate', 'large'], range: ['#7bc47f', '#f0b429', '#d64545'] },
            title: null,
          },
          tooltip: [
            { field: 'column', type: 'nominal' },
            { field: 'psi', type: 'quantitative', format: '.3f' },
            { field: 'level', type: 'nominal' },
          ],
        },
      },
    ],
  });
}

export function missingChart(columns: readonly ColumnProfile[]): ChartSpec | null {
  const values = columns
    .filter((c) => c.missing > 0)
    .sort((a, b) => b.missingShare - a.missingShare)
    .slice(0, 40)
    .map((c, i) => ({ column: c.name, share: c.missingShare, missing: c.missing, order: i }));
  if (values.length === 0) return null;
  return chartSpec({
    width: 'container',
    height: Math.max(40, values.length * 20),
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 2, color: MUTED },
    encoding: {
      y: { field: 'column', type: 'nominal', sort: { field: 'order' }, title: null, axis: { labelLimit: 200 } },
      x: { field: 'share', type: 'quantitative', title: 'missing', axis: { format: '%' }, scale: { domain: [0, 1] } },
      tooltip: [
        { field: 'column', type: 'nominal' },
        { field: 'missing', type: 'quantitative', format: ',' },
        { field: 'share', type: 'quantitative', format: '.1%' },
      ],
    },
  });
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
