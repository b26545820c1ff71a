import * as vega from 'vega';
import * as vl from 'vega-lite';
import { describe, expect, it } from 'vitest';
import type { ChartSpec } from '../../explore/index.js';
import { calibrationChart, confusionChart, importanceChart, metricIntervalChart, predictedActualChart, residualChart } from './card-charts.js';
import type { ModelCard } from './model-card-types.js';

/** Compiles a spec with Vega-Lite and renders it with Vega (no browser): the SVG's marks of `kind`. */
async function render(spec: ChartSpec | null, kind: string): Promise<number> {
  expect(spec).not.toBeNull();
  const compiled = vl.compile({ ...spec, width: spec!['width'] === 'container' ? 400 : spec!['width'] } as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return (svg.match(new RegExp(`class="mark-${kind} role-mark`, 'g')) ?? []).length > 0 ? (svg.match(/<path|<rect|<line|<circle/g) ?? []).length : 0;
}

const metrics = {
  task: 'binary',
  target: 'churn',
  metric: 'auc',
  score: 0.8,
  evaluation: { on: 'out-of-fold', rows: 100, method: 'percentile bootstrap', resamples: 1000, level: 0.95 },
  values: { auc: { value: 0.8, low: 0.75, high: 0.85 }, logloss: { value: 0.4, low: 0.35, high: 0.46 } },
} as unknown as ModelCard['metrics'];

describe('the model card charts', () => {
  it('compile and render with Vega-Lite and Vega: intervals, confusion matrix, calibration, importance', async () => {
    expect(await render(metricIntervalChart({ metrics } as ModelCard), 'rule')).toBeGreaterThan(0);
    expect(await render(confusionChart({ classes: ['no', 'yes'], counts: [[40, 10], [5, 45]] }), 'rect')).toBeGreaterThanOrEqual(4);
    const bins = [0.05, 0.35, 0.65, 0.95].map((p) => ({ lower: p - 0.05, upper: p + 0.05, rows: 25, meanPredicted: p, observed: p * 0.9 }));
    expect(await render(calibrationChart({ of: 'probability of yes', bins }), 'line')).toBeGreaterThan(0);
    const member = { id: 1, model: 'gbdt', weight: 1, space: 'margin' as const, byColumn: [{ column: 'usage', value: 0.9 }, { column: 'plan', value: 0.2 }] };
    expect(await render(importanceChart(member), 'rect')).toBeGreaterThanOrEqual(2);
    expect(importanceChart({ ...member, byColumn: [] })).toBeNull();
    expect(metricIntervalChart({ metrics: { ...metrics, values: {} } } as ModelCard)).toBeNull();
  });

  it('render residuals and predicted against actual for regression', async () => {
    const residuals = {
      mean: 0,
      std: 1,
      histogram: [-2, -1, 0, 1].map((lower) => ({ lower, upper: lower + 1, count: 10 })),
      sample: [1, 2, 3].map((actual) => ({ actual, predicted: actual + 0.1 })),
    };
    expect(await render(residualChart(residuals), 'rect')).toBeGreaterThanOrEqual(4);
    expect(await render(predictedActualChart(residuals), 'symbol')).toBeGreaterThanOrEqual(3);
  });
});
