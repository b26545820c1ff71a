import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../random.js';
import type { ForestModel} from '../forest.js';
import { trainForest } from '../forest.js';
import type { GbdtModel} from '../gbdt.js';
import { trainGbdt } from '../gbdt.js';
import type { FeatureTable, Predictor, TreeArrays } from '../types.js';
import { modelShap, permutationImportance, treeImportance, treeShap } from './index.js';
import { referenceTreeShap } from './reference-tree-shap.js';
import { randomTable, randomTree, type RandomTreeShape } from './test-trees.js';
import { featureColumns, goesLeft, treeDepth, treeOutput } from './tree-walk.js';

/** E[tree | features in `known` fixed to the row], features outside integrated out by cover. */
function conditionalExpectation(tree: TreeArrays, columns: readonly Float64Array[], row: number, known: number): number {
  const walk = (node: number): number => {
    const left = tree.left[node]!;
    if (left < 0) return tree.value[node]!;
    const right = tree.right[node]!;
    const f = tree.feature[node]!;
    if ((known >> f) & 1) return walk(goesLeft(tree, node, columns[f]![row]!) ? left : right);
    return (tree.cover[left]! * walk(left) + tree.cover[right]! * walk(right)) / tree.cover[node]!;
  };
  return walk(0);
}

function factorial(n: number): number {
  let r = 1;
  for (let i = 2; i <= n; i++) r *= i;
  return r;
}

/** Shapley values by enumerating every coalition. */
function bruteForceShap(trees: readonly TreeArrays[], featureCount: number, table: FeatureTable, row: number): Float64Array {
  const columns = featureColumns(table, featureCount);
  const v = (known: number): number => trees.reduce((sum, tree) => sum + conditionalExpectation(tree, columns, row, known), 0);
  const phi = new Float64Array(featureCount);
  const m = featureCount;
  for (let i = 0; i < m; i++) {
    for (let set = 0; set < 1 << m; set++) {
      if ((set >> i) & 1) continue;
      let size = 0;
      for (let j = 0; j < m; j++) size += (set >> j) & 1;
      const weight = (factorial(size) * factorial(m - size - 1)) / factorial(m);
      phi[i] = phi[i]! + weight * (v(set | (1 << i)) - v(set));
    }
  }
  return phi;
}

/** treeShap equals the classic algorithm (the values it replaced) within 1e-9 relative to max(1, |value|). */
function expectClassic(trees: readonly TreeArrays[], featureCount: number, table: FeatureTable, lookup: { featureNames?: readonly string[] } = {}): void {
  const ours = treeShap(trees, featureCount, table, lookup);
  const classic = referenceTreeShap(trees, featureCount, table, lookup);
  expect(Math.abs(ours.expectedValue - classic.expectedValue)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(classic.expectedValue)));
  for (let i = 0; i < classic.values.length; i++) {
    const want = classic.values[i]!;
    if (!(Math.abs(ours.values[i]! - want) <= 1e-9 * Math.max(1, Math.abs(want)))) throw new Error(`value ${i}: ${ours.values[i]} vs classic ${want}`);
  }
}

const shape: RandomTreeShape = { featureCount: 5, categories: [0, 0, 3, 0, 40], maxDepth: 6, leafChance: 0.25 };

describe('treeShap', () => {
  it('equals brute-force Shapley values on small random trees (repeated features, NaN, categories), as the classic algorithm does', () => {
    for (let seed = 0; seed < 40; seed++) {
      const rng = new Rng(seed);
      const trees = Array.from({ length: 1 + (seed % 3) }, () => randomTree(rng, shape));
      const table = randomTable(rng, shape, 12);
      for (const [name, shap] of [['treeShap', treeShap], ['referenceTreeShap', referenceTreeShap]] as const) {
        const { values } = shap(trees, shape.featureCount, table);
        for (let row = 0; row < table.rows; row++) {
          const expected = bruteForceShap(trees, shape.featureCount, table, row);
          for (let f = 0; f < shape.featureCount; f++) {
            const got = values[row * shape.featureCount + f]!;
            if (Math.abs(got - expected[f]!) > 1e-9) throw new Error(`${name} seed ${seed} row ${row} feature ${f}: ${got} vs brute force ${expected[f]}`);
          }
        }
      }
    }
  });

  it('equals the classic algorithm within 1e-9 (relative) on deep random trees: features split again and again, NaN, categories', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 20 }), (seed, treeCount, maxDepth) => {
        const rng = new Rng(seed);
        const deepShape: RandomTreeShape = { featureCount: 9, categories: [0, 4, 0, 0, 70, 0, 0, 3, 0], maxDepth, leafChance: 0.3 };
        const trees = Array.from({ length: treeCount }, () => randomTree(rng, deepShape));
        const table = randomTable(rng, deepShape, 8);
        expectClassic(trees, 9, table);
      }),
      { numRuns: 150 },
    );
  });

  it('equals the classic algorithm on long paths through many features (paths deeper than 25 levels)', () => {
    const wide: RandomTreeShape = { featureCount: 40, categories: Array.from({ length: 40 }, (_, f) => (f % 7 === 3 ? 5 : 0)), maxDepth: 40, leafChance: 0.45 };
    let longest = 0;
    for (let seed = 0; seed < 40; seed++) {
      const rng = new Rng(2000 + seed);
      const trees = Array.from({ length: 2 }, () => randomTree(rng, wide));
      longest = Math.max(longest, ...trees.map(treeDepth));
      expectClassic(trees, wide.featureCount, randomTable(rng, wide, 6));
    }
    expect(longest).toBeGreaterThan(25);
  });

  it('skips a branch no row reaches, as the classic algorithm does (zero-cover children)', () => {
    for (let seed = 0; seed < 30; seed++) {
      const rng = new Rng(1000 + seed);
      const tree = randomTree(rng, { ...shape, maxDepth: 8 });
      // empty some leaves: their cover, and so the share of the branch leading to them, is 0
      const cover = tree.cover as Float64Array;
      for (let n = 0; n < cover.length; n++) if (tree.left[n]! < 0 && rng.next() < 0.3) cover[n] = 0;
      const table = randomTable(rng, shape, 10);
      expectClassic([tree], shape.featureCount, table);
    }
  });

  it('is additive: SHAP values plus the expected value give the trees’ output', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 10 }), (seed, treeCount, maxDepth) => {
        const rng = new Rng(seed);
        const deepShape: RandomTreeShape = { featureCount: 7, categories: [0, 4, 0, 0, 70, 0, 0], maxDepth, leafChance: 0.2 };
        const trees = Array.from({ length: treeCount }, () => randomTree(rng, deepShape));
        const table = randomTable(rng, deepShape, 20);
        const columns = featureColumns(table, 7);
        const { values, expectedValue } = treeShap(trees, 7, table);
        for (let row = 0; row < table.rows; row++) {
          let sum = expectedValue;
          for (let f = 0; f < 7; f++) sum += values[row * 7 + f]!;
          const output = trees.reduce((s, tree) => s + treeOutput(tree, columns, row), 0);
          expect(Math.abs(sum - output)).toBeLessThan(1e-9);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('gives a single split its whole effect, relative to the cover-weighted mean', () => {
    // root: x0 <= 0 → left leaf 1 (cover 3), else right leaf 5 (cover 1); expected value 2
    const tree: TreeArrays = {
      feature: Int32Array.of(0, -1, -1),
      threshold: Float64Array.of(0, 0, 0),
      left: Int32Array.of(1, -1, -1),
      right: Int32Array.of(2, -1, -1),
      defaultLeft: Uint8Array.of(0, 0, 0),
      isCategorical: Uint8Array.of(0, 0, 0),
      catOffset: new Int32Array(3),
      catWords: new Int32Array(3),
      catBits: new Uint32Array(0),
      value: Float64Array.of(2, 1, 5),
      cover: Float64Array.of(4, 3, 1),
      gain: Float64Array.of(7, 0, 0),
    };
    const table: FeatureTable = { rows: 3, columns: [{ name: 'a', type: 'numeric', values: Float64Array.of(-1, 1, Number.NaN) }, { name: 'b', type: 'numeric', values: Float64Array.of(0, 0, 0) }] };
    const { values, expectedValue } = treeShap([tree], 2, table);
    expect(expectedValue).toBe(2);
    expect(Array.from(values)).toEqual([-1, 0, 3, 0, 3, 0]);
    // by name, with the columns in another order
    const swapped: FeatureTable = { rows: 3, columns: [table.columns[1]!, table.columns[0]!] };
    expect(Array.from(treeShap([tree], 2, swapped, { featureNames: ['a', 'b'] }).values)).toEqual([-1, 0, 3, 0, 3, 0]);
    expect(() => treeShap([tree], 2, swapped, { featureNames: ['a', 'c'] })).toThrow(/'c' is missing/);
    expect(Array.from(treeImportance([tree, tree], 2, 'gain'))).toEqual([14, 0]);
    expect(Array.from(treeImportance([tree, tree], 2, 'split'))).toEqual([2, 0]);
  });
});

describe('treeShap on a fitted gradient-boosted model', () => {
  it('explains each class margin: SHAP + expected value + base score = predictRaw', () => {
    const rng = new Rng(21);
    const n = 300;
    const a = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? Number.NaN : rng.normal()));
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const c = Float64Array.from({ length: n }, () => rng.int(5));
    const y = Float64Array.from({ length: n }, (_, i) => ((Number.isNaN(a[i]!) ? 0 : a[i]!) + (c[i] === 2 ? 1 : 0) > 0.3 ? (b[i]! > 0 ? 2 : 1) : 0));
    const table: FeatureTable = { rows: n, columns: [{ name: 'c', type: 'categorical', values: c, categories: ['p', 'q', 'r', 's', 't'] }, { name: 'a', type: 'numeric', values: a }, { name: 'b', type: 'numeric', values: b }] };
    const model = trainGbdt(table, y, { objective: 'multiclass', numRounds: 20, maxLeaves: 8 });
    const raw = model.predictRaw(table);
    const f = model.featureNames.length;
    for (let k = 0; k < 3; k++) {
      const trees = model.trees.filter((_, t) => t % 3 === k);
      const { values, expectedValue } = treeShap(trees, f, table, { featureNames: model.featureNames });
      for (let row = 0; row < n; row++) {
        let sum = expectedValue + model.baseScore[k]!;
        for (let j = 0; j < f; j++) sum += values[row * f + j]!;
        expect(Math.abs(sum - raw[row * 3 + k]!)).toBeLessThan(1e-9);
      }
    }
  });
});

describe('treeShap on fitted models equals the classic algorithm', () => {
  // a credit-like table: numeric columns with missing values, a categorical one with many levels, a few rare codes
  const rng = new Rng(5);
  const n = 600;
  const income = Float64Array.from({ length: n }, () => (rng.next() < 0.08 ? Number.NaN : Math.round(rng.next() * 300)));
  const debt = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 40 + 100));
  const age = Float64Array.from({ length: n }, () => 18 + rng.int(60));
  const job = Float64Array.from({ length: n }, () => (rng.next() < 0.05 ? Number.NaN : rng.int(12)));
  const home = Float64Array.from({ length: n }, () => rng.int(4));
  const table: FeatureTable = {
    rows: n,
    columns: [
      { name: 'income', type: 'numeric', values: income },
      { name: 'debt', type: 'numeric', values: debt },
      { name: 'age', type: 'numeric', values: age },
      { name: 'job', type: 'categorical', values: job, categories: Array.from({ length: 12 }, (_, i) => `j${i}`) },
      { name: 'home', type: 'categorical', values: home, categories: ['own', 'rent', 'parents', 'other'] },
    ],
  };
  const y = Float64Array.from({ length: n }, (_, i) => ((Number.isNaN(income[i]!) ? 100 : income[i]!) - debt[i]! + (job[i]! % 3 === 0 ? 40 : 0) + age[i]! / 2 + rng.normal() * 30 > 60 ? 1 : 0));
  const check = (model: GbdtModel | ForestModel, outputs: number): void => {
    for (let k = 0; k < outputs; k++) expectClassic(model.trees.filter((_, t) => t % outputs === k), model.featureNames.length, table, { featureNames: model.featureNames });
  };

  it('boosting, binary and multiclass, with learned missing directions and categorical splits', () => {
    check(trainGbdt(table, y, { objective: 'binary', numRounds: 30, maxLeaves: 31, minDataInLeaf: 5 }), 1);
    const y3 = Float64Array.from(y, (v, i) => (v === 1 ? 1 + (age[i]! > 50 ? 1 : 0) : 0));
    check(trainGbdt(table, y3, { objective: 'multiclass', numRounds: 10, maxLeaves: 15 }), 3);
  });

  it('deep random-forest and extra-trees trees (one row per leaf)', () => {
    const forest = trainForest(table, y, { task: 'binary', numTrees: 6, minDataInLeaf: 1 });
    const extra = trainForest(table, y, { task: 'binary', numTrees: 6, minDataInLeaf: 1, extraTrees: true });
    expect(Math.max(...forest.trees.map(treeDepth))).toBeGreaterThan(10);
    expect(Math.max(...extra.trees.map(treeDepth))).toBeGreaterThan(10);
    check(forest, forest.outputs);
    check(extra, extra.outputs);
  });
});

describe('modelShap', () => {
  const rng = new Rng(33);
  const n = 200;
  const a = Float64Array.from({ length: n }, () => rng.normal());
  const b = Float64Array.from({ length: n }, () => (rng.next() < 0.1 ? Number.NaN : rng.normal()));
  const table: FeatureTable = { rows: n, columns: [{ name: 'a', type: 'numeric', values: a }, { name: 'b', type: 'numeric', values: b }] };
  const y = Float64Array.from({ length: n }, (_, i) => (a[i]! + (Number.isNaN(b[i]!) ? 1 : b[i]!) > 0 ? 1 : 0));

  it('adds up to a forest’s probability of class 1', () => {
    const forest = trainForest(table, y, { task: 'binary', numTrees: 15, minDataInLeaf: 3 });
    const { values, expectedValues } = modelShap(forest, table);
    const p = forest.predict(table);
    for (let row = 0; row < n; row++) expect(Math.abs(expectedValues[0]! + values[0]![2 * row]! + values[0]![2 * row + 1]! - p[2 * row + 1]!)).toBeLessThan(1e-9);
  });

  it('adds up to a boosted model’s margin, and refuses models without trees', () => {
    const gbdt = trainGbdt(table, y, { objective: 'binary', numRounds: 15, maxLeaves: 6 });
    const { values, expectedValues } = modelShap(gbdt, table);
    const raw = gbdt.predictRaw(table);
    for (let row = 0; row < n; row++) expect(Math.abs(expectedValues[0]! + values[0]![2 * row]! + values[0]![2 * row + 1]! - raw[row]!)).toBeLessThan(1e-9);
    const notTrees: Predictor = { task: 'binary', numClasses: 2, featureNames: [], predict: () => new Float64Array(0), toJSON: () => ({ kind: 'other' }) };
    expect(() => modelShap(notTrees, table)).toThrow(/not models of kind 'other'/);
  });
});

describe('permutationImportance', () => {
  it('ranks the feature the model uses above the one it ignores, reproducibly for a seed', () => {
    const rng = new Rng(9);
    const n = 200;
    const a = Float64Array.from({ length: n }, () => rng.normal());
    const b = Float64Array.from({ length: n }, () => rng.normal());
    const table: FeatureTable = { rows: n, columns: [{ name: 'b', type: 'numeric', values: b }, { name: 'a', type: 'numeric', values: a }] };
    const model: Predictor = {
      task: 'regression',
      numClasses: 1,
      featureNames: ['a', 'b'],
      predict: (t) => Float64Array.from(t.columns.find((c) => c.name === 'a')!.values),
      toJSON: () => ({ kind: 'test' }),
    };
    const mse = (y: Float64Array, p: Float64Array): number => y.reduce((s, v, i) => s + (v - p[i]!) ** 2, 0) / y.length;
    const result = permutationImportance(model, table, a, mse, { repeats: 3, seed: 1, greaterIsBetter: false });
    expect(result.baseline).toBe(0);
    expect(result.importances[0]).toBeGreaterThan(1);
    expect(result.importances[1]).toBe(0);
    expect(result.std[1]).toBe(0);
    const again = permutationImportance(model, table, a, mse, { repeats: 3, seed: 1, greaterIsBetter: false });
    expect(again.importances).toEqual(result.importances);
  });
});
