import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { trainForest } from '../forest.js';
import { trainGbdt } from '../gbdt.js';
import { trainLinear } from '../linear/index.js';
import type { FeatureTable, Predictor } from '../types.js';
import { exportModelOnnx } from './index.js';

/** Numeric columns (float32 values, some NaN) and a categorical one, with a nonlinear signal. */
function problem(seed: number, n: number): { table: FeatureTable; signal: Float64Array } {
  const rng = new Rng(seed);
  const a = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? Number.NaN : Math.fround(rng.normal())));
  const b = Float64Array.from({ length: n }, () => Math.fround(rng.next() * 4));
  const c = Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? Number.NaN : rng.int(6)));
  const signal = Float64Array.from({ length: n }, (_, i) => (Number.isNaN(a[i]!) ? 0.5 : Math.sin(2 * a[i]!)) + (b[i]! > 2 ? 1 : -0.5) + (c[i] === 1 || c[i] === 4 ? 1.2 : 0) + rng.normal() * 0.3);
  return {
    table: { rows: n, columns: [{ name: 'a', type: 'numeric', values: a }, { name: 'b', type: 'numeric', values: b }, { name: 'c', type: 'categorical', values: c, categories: ['u', 'v', 'w', 'x', 'y', 'z'] }] },
    signal,
  };
}

async function onnxPredict(model: Predictor, table: FeatureTable): Promise<Float32Array> {
  const f = model.featureNames.length;
  const data = new Float32Array(table.rows * f);
  model.featureNames.forEach((name, j) => {
    const values = table.columns.find((c) => c.name === name)!.values;
    for (let i = 0; i < table.rows; i++) data[i * f + j] = values[i]!;
  });
  const session = await ort.InferenceSession.create(exportModelOnnx(model));
  try {
    const result = await session.run({ input: new ort.Tensor('float32', data, [table.rows, f]) });
    return (model.task === 'regression' ? result.variable! : result.probabilities!).data as Float32Array;
  } finally {
    await session.release();
  }
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>, relative = false): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / (relative ? Math.max(1, Math.abs(b[i]!)) : 1));
  return worst;
}

describe('exportModelOnnx on fitted models', () => {
  const { table, signal } = problem(1, 600);
  const { table: fresh } = problem(2, 300);
  const labels = {
    binary: Float64Array.from(signal, (s) => (s > 0.5 ? 1 : 0)),
    multiclass: Float64Array.from(signal, (s) => (s < 0 ? 0 : s < 1 ? 1 : 2)),
    regression: Float64Array.from(signal, (s) => 3 * s + 5),
    poisson: Float64Array.from(signal, (s) => Math.round(Math.exp(s))),
  };

  for (const task of ['binary', 'multiclass', 'regression'] as const) {
    it(`gradient boosting, ${task}: onnxruntime agrees within 1e-5`, async () => {
      const model = trainGbdt(table, labels[task], { objective: task, numRounds: 40, maxLeaves: 15, minDataInLeaf: 5 });
      expect(maxDifference(await onnxPredict(model, fresh), model.predict(fresh), true)).toBeLessThan(1e-5);
    });
    it(`forest, ${task}: onnxruntime agrees within 1e-5`, async () => {
      const model = trainForest(table, labels[task], { task, numTrees: 20, minDataInLeaf: 3 });
      expect(maxDifference(await onnxPredict(model, fresh), model.predict(fresh), true)).toBeLessThan(1e-5);
    });
    it(`linear, ${task}: onnxruntime agrees within 1e-5`, async () => {
      const model = trainLinear(table, labels[task], { task, lambda: 1 });
      expect(maxDifference(await onnxPredict(model, fresh), model.predict(fresh), true)).toBeLessThan(1e-5);
    });
  }

  it('gradient boosting with the Poisson objective exports exp(margin)', async () => {
    const model = trainGbdt(table, labels.poisson, { objective: 'poisson', numRounds: 30, maxLeaves: 7 });
    expect(maxDifference(await onnxPredict(model, fresh), model.predict(fresh), true)).toBeLessThan(1e-5);
  });
});
