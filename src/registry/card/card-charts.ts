import { vegaLiteSpec, type ChartSpec } from '../../explore/index.js';
import type { ModelCard } from './model-card-types.js';

/** The model card's Vega-Lite charts, in the exploration report's look. */

export function metricIntervalChart(card: ModelCard): ChartSpec | null {
  const values = Object.entries(card.metrics.values).map(([metric, v]) => ({ metric, value: v.value, low: v.low, high: v.high }));
  if (values.length === 0) return null;
  return vegaLiteSpec({
    width: 'container',
    height: Math.max(60, values.length * 28),
    data: { values },
    encoding: { y: { field: 'metric', type: 'nominal', title: null, sort: null } },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'low', type: 'quantitative', title: `value, ${Math.round((card.metrics.evaluation?.level ?? 0.95) * 100)} % bootstrap interval`, scale: { zero: false } }, x2: { field: 'high' } } },
      { mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 'value', type: 'quantitative' }, tooltip: [{ field: 'metric' }, { field: 'value', format: '.4f' }, { field: 'low', format: '.4f' }, { field: 'high', format: '.4f' }] } },
    ],
  });
}

export function confusionChart(confusion: NonNullable<ModelCard['confusion']>): ChartSpec {
  const values = confusion.counts.flatMap((row, i) => row.map((count, j) => ({ actual: confusion.classes[i], predicted: confusion.classes[j], count })));
  const size = Math.max(40, Math.min(90, Math.floor(360 / confusion.classes.length)));
  return vegaLiteSpec({
    width: size * confusion.classes.length,
    height: size * confusion.classes.length,
    data: { values },
    encoding: {
      x: { field: 'predicted', type: 'nominal', sort: confusion.classes, title: 'predicted' },
      y: { field: 'actual', type: 'nominal', sort: confusion.classes, title: 'actual' },
    },
    layer: [
      { mark: { type: 'rect', stroke: '#fff' }, encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues' }, legend: null }, tooltip: [{ field: 'actual' }, { field: 'predicted' }, { field: 'count', format: ',' }] } },
      { mark: { type: 'text', fontSize: 12 }, encoding: { text: { field: 'count', type: 'quantitative', format: ',' } } },
    ],
  });
}

export function calibrationChart(calibration: NonNullable<ModelCard['calibration']>): ChartSpec {
  return vegaLiteSpec({
    width: 'container',
    height: 220,
    layer: [
      { data: { values: [{ p: 0 }, { p: 1 }] }, mark: { type: 'line', color: '#9aa5b1', strokeDash: [4, 4] }, encoding: { x: { field: 'p', type: 'quantitative', title: `predicted ${calibration.of}`, scale: { domain: [0, 1] } }, y: { field: 'p', type: 'quantitative', title: 'observed share', scale: { domain: [0, 1] } } } },
      {
        data: { values: calibration.bins },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'meanPredicted', type: 'quantitative' },
          y: { field: 'observed', type: 'quantitative' },
          tooltip: [{ field: 'meanPredicted', title: 'mean predicted', format: '.3f' }, { field: 'observed', format: '.3f' }, { field: 'rows', format: ',' }],
        },
      },
    ],
  });
}

export function residualChart(residuals: NonNullable<ModelCard['residuals']>): ChartSpec {
  return vegaLiteSpec({
    width: 'container',
    height: 160,
    data: { values: residuals.histogram },
    mark: { type: 'rect', stroke: '#fff', strokeWidth: 0.5 },
    encoding: {
      x: { field: 'lower', type: 'quantitative', title: 'residual (actual − predicted)', scale: { zero: false, nice: false } },
      x2: { field: 'upper' },
      y: { field: 'count', type: 'quantitative', title: 'rows' },
      y2: { datum: 0 },
      tooltip: [{ field: 'lower', format: ',.4~g' }, { field: 'upper', format: ',.4~g' }, { field: 'count', format: ',' }],
    },
  });
}

export function predictedActualChart(residuals: NonNullable<ModelCard['residuals']>): ChartSpec {
  return vegaLiteSpec({
    width: 'container',
    height: 220,
    data: { values: residuals.sample },
    mark: { type: 'point', opacity: 0.5, size: 14 },
    encoding: {
      x: { field: 'actual', type: 'quantitative', scale: { zero: false } },
      y: { field: 'predicted', type: 'quantitative', scale: { zero: false } },
      tooltip: [{ field: 'actual', format: ',.4~g' }, { field: 'predicted', format: ',.4~g' }],
    },
  });
}

export function importanceChart(member: ModelCard['importance']['members'][number]): ChartSpec | null {
  const values = member.byColumn.slice(0, 20);
  if (values.length === 0) return null;
  return vegaLiteSpec({
    width: 'container',
    height: Math.max(40, values.length * 18),
    data: { values },
    mark: { type: 'bar', cornerRadiusEnd: 2 },
    encoding: {
      y: { field: 'column', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 180 } },
      x: { field: 'value', type: 'quantitative', title: `mean |SHAP| (${member.space === 'margin' ? 'margin' : 'model output'})` },
      tooltip: [{ field: 'column' }, { field: 'value', format: '.4f' }],
    },
  });
}

export function permutationChart(permutation: NonNullable<ModelCard['global']>['permutation']): ChartSpec | null {
  const values = permutation.columns.slice(0, 20).map((c) => ({ ...c, low: c.importance - c.std, high: c.importance + c.std }));
  if (values.length === 0) return null;
  const title = `worsening of ${permutation.metric} when shuffled (± std over ${permutation.repeats} repeats)`;
  return vegaLiteSpec({
    width: 'container',
    height: Math.max(40, values.length * 18),
    data: { values },
    encoding: { y: { field: 'column', type: 'nominal', sort: '-x', title: null, axis: { labelLimit: 180 } } },
    layer: [
      { mark: { type: 'bar', cornerRadiusEnd: 2 }, encoding: { x: { field: 'importance', type: 'quantitative', title }, tooltip: [{ field: 'column' }, { field: 'importance', format: '.4f' }, { field: 'std', format: '.4f' }] } },
      { mark: { type: 'rule' }, encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } } },
    ],
  });
}

/** One panel per output (class or value): the mean prediction along the column's grid. */
export function dependenceChart(dependence: NonNullable<ModelCard['global']>['partialDependence'][number]): ChartSpec | null {
  const values = dependence.points.flatMap((p) => p.mean.map((mean, j) => ({ value: p.value, output: dependence.outputs[j], mean })));
  if (values.length === 0) return null;
  const ordered = dependence.kind === 'number' || dependence.kind === 'datetime';
  const x = ordered
    ? { field: 'value', type: dependence.kind === 'datetime' ? 'temporal' : 'quantitative', title: dependence.column, scale: { zero: false } }
    : { field: 'value', type: 'nominal', title: dependence.column, sort: null };
  const y = { field: 'mean', type: 'quantitative', title: dependence.outputs.length > 1 ? 'mean probability' : `mean predicted ${dependence.outputs[0] ?? ''}`, scale: { zero: false } };
  return vegaLiteSpec({
    width: 'container',
    height: 160,
    data: { values },
    mark: ordered ? { type: 'line', point: true } : { type: 'point', filled: true, size: 70 },
    encoding: { x, y, color: { field: 'output', type: 'nominal', title: null }, tooltip: [{ field: 'value' }, { field: 'output' }, { field: 'mean', format: '.4f' }] },
  });
}
