import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import { randomTable, randomTree, type RandomTreeShape } from '../explain/test-trees.js';
import { featureColumns, treeOutput } from '../explain/tree-walk.js';
import { trainLinear } from '../linear/index.js';
import type { FeatureTable, Task, TreeArrays } from '../types.js';
import { exportLinearOnnx, exportTreesOnnx, float32AtOrBelow } from './index.js';

/** The table as the float32 row-major matrix of the ONNX input contract. */
function inputTensor(table: FeatureTable): ort.Tensor {
  const f = table.columns.length;
  const data = new Float32Array(table.rows * f);
  table.columns.forEach((column, j) => {
    for (let i = 0; i < table.rows; i++) data[i * f + j] = column.values[i]!;
  });
  return new ort.Tensor('float32', data, [table.rows, f]);
}

async function runOnnx(bytes: Uint8Array, table: FeatureTable): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await session.run({ input: inputTensor(table) })) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

/** TypeScript reference: summed margins per output, then the link of the task. */
function predictEnsemble(trees: readonly (readonly TreeArrays[])[], baseScore: readonly number[], task: Task, table: FeatureTable, featureCount: number): Float64Array {
  const columns = featureColumns(table, featureCount);
  const k = trees.length;
  const out = new Float64Array(table.rows * (task === 'binary' ? 2 : k));
  for (let row = 0; row < table.rows; row++) {
    const margins = trees.map((list, c) => list.reduce((s, tree) => s + treeOutput(tree, columns, row), baseScore[c]!));
    if (task === 'regression') out[row] = margins[0]!;
    else if (task === 'binary') {
      const p = 1 / (1 + Math.exp(-margins[0]!));
      out[2 * row] = 1 - p;
      out[2 * row + 1] = p;
    } else {
      const max = Math.max(...margins);
      const e = margins.map((m) => Math.exp(m - max));
      const sum = e.reduce((a, b) => a + b, 0);
      e.forEach((v, c) => (out[row * k + c] = v / sum));
    }
  }
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  expect(worst).toBeLessThan(tolerance);
}

const shape: RandomTreeShape = { featureCount: 6, categories: [0, 0, 5, 0, 37, 0], maxDepth: 5, leafChance: 0.2 };
const names = ['f0', 'f1', 'f2', 'f3', 'f4', 'f5'];

describe('exportTreesOnnx', () => {
  for (const task of ['regression', 'binary', 'multiclass'] as const) {
    it(`agrees with TypeScript prediction within 1e-5 for ${task} (NaN, unseen categories, values on thresholds)`, async () => {
      for (let seed = 0; seed < 4; seed++) {
        const rng = new Rng(100 + seed);
        const outputs = task === 'multiclass' ? 4 : 1;
        const trees = Array.from({ length: outputs }, () => Array.from({ length: 12 }, () => randomTree(rng, shape)));
        const baseScore = Array.from({ length: outputs }, () => rng.normal() * 0.5);
        const table = randomTable(rng, shape, 300);
        const bytes = exportTreesOnnx({ trees, baseScore, task, numClasses: task === 'multiclass' ? 4 : task === 'binary' ? 2 : 1, featureNames: names });
        const result = await runOnnx(bytes, table);
        const expected = predictEnsemble(trees, baseScore, task, table, shape.featureCount);
        if (task === 'regression') {
          expect(result.variable!.dims).toEqual([300, 1]);
          expectClose(result.variable!.data as Float32Array, expected, 1e-5);
        } else {
          const k = task === 'binary' ? 2 : 4;
          expect(result.probabilities!.dims).toEqual([300, k]);
          expectClose(result.probabilities!.data as Float32Array, expected, 1e-5);
          const labels = Array.from(result.label!.data as BigInt64Array, Number);
          for (let row = 0; row < 300; row++) {
            const p = expected.subarray(row * k, row * k + k);
            const best = p.indexOf(Math.max(...p));
            // labels may differ only on a near tie
            if (labels[row] !== best) expect(Math.abs(p[labels[row]!]! - p[best]!)).toBeLessThan(1e-5);
          }
        }
      }
    });
  }

  it('rejects an ensemble that does not match its task', () => {
    const tree = randomTree(new Rng(1), shape);
    expect(() => exportTreesOnnx({ trees: [[tree]], baseScore: [0], task: 'multiclass', numClasses: 3, featureNames: names })).toThrow(/3 tree list/);
    expect(() => exportTreesOnnx({ trees: [[tree]], baseScore: [0], task: 'regression', numClasses: 1, featureNames: ['a'] })).toThrow(/feature names/);
  });

  it('rounds thresholds down to float32', () => {
    for (const x of [0.1, -0.1, 1 / 3, -1 / 3, 1e-300, -1e-300, 2.5, 0]) {
      const f = float32AtOrBelow(x);
      expect(f).toBe(Math.fround(f));
      expect(f).toBeLessThanOrEqual(x);
      // and it is the largest such float32: the next one up exceeds x
      const next = new Float32Array([f]);
      const bits = new Int32Array(next.buffer);
      bits[0] = f > 0 || Object.is(f, 0) ? bits[0]! + 1 : f === 0 ? 1 : bits[0]! - 1;
      expect(next[0]!).toBeGreaterThan(x);
    }
  });
});

describe('exportLinearOnnx', () => {
  function linearProblem(seed: number, n: number): { table: FeatureTable; signal: Float64Array } {
    const rng = new Rng(seed);
    const x1 = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? Number.NaN : Math.fround(rng.normal() * 5 + 20)));
    const x2 = Float64Array.from({ length: n }, () => Math.fround(rng.normal()));
    const c = Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? Number.NaN : rng.int(5)));
    const signal = Float64Array.from({ length: n }, (_, i) => (Number.isNaN(x1[i]!) ? 1 : (x1[i]! - 20) / 5) - x2[i]! + (Number.isNaN(c[i]!) ? 0 : [0, 1, -1, 2, 0][c[i]!]!) + rng.normal() * 0.3);
    return { table: { rows: n, columns: [{ name: 'x1', type: 'numeric', values: x1 }, { name: 'c', type: 'categorical', values: c, categories: ['a', 'b', 'c', 'd', 'e'] }, { name: 'x2', type: 'numeric', values: x2 }] }, signal };
  }

  for (const task of ['regression', 'binary', 'multiclass'] as const) {
    it(`agrees with TypeScript prediction within 1e-5 for ${task}`, async () => {
      const { table, signal } = linearProblem(11, 400);
      const y = Float64Array.from(signal, (s) => (task === 'regression' ? s * 3 + 10 : task === 'binary' ? (s > 0 ? 1 : 0) : s < -1 ? 0 : s < 1 ? 1 : 2));
      const model = trainLinear(table, y, { task, lambda: 0.5 });
      // fresh rows, with missing values, ±Infinity and unseen category codes
      const { table: fresh } = linearProblem(12, 200);
      const x1 = fresh.columns[0]!.values;
      x1[0] = Infinity;
      x1[1] = -Infinity;
      fresh.columns[1]!.values[2] = 7;
      // far outside the training range: clamped to it, in the graph as in TypeScript
      x1[3] = 1e6;
      fresh.columns[2]!.values[4] = -1e6;
      const result = await runOnnx(exportLinearOnnx(model), fresh);
      const expected = model.predict(fresh);
      // regression outputs are around 10 here: float32 output carries 1e-6 of rounding, so 1e-5 relative
      if (task === 'regression') expectClose(result.variable!.data as Float32Array, expected, 1e-5 * 20);
      else {
        expectClose(result.probabilities!.data as Float32Array, expected, 1e-5);
        expect(result.label!.dims).toEqual([200]);
      }
    });
  }
});
