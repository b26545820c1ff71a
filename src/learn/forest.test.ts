import { describe, expect, it } from 'vitest';
import { InputError } from '../common/errors.js';
import { trainForest } from './forest.js';
import { loadModel } from './load-model.js';
import { positiveColumn, rocAuc } from './metrics/index.js';
import { makeFriedman, makeHiggsLike, makeLetterLike } from './synthetic.js';

describe('trainForest', () => {
  it.each([false, true])('classifies a binary problem (extraTrees: %s)', (extraTrees) => {
    const train = makeHiggsLike(3000, 1, 10);
    const test = makeHiggsLike(2000, 2, 10);
    const model = trainForest(train.table, train.y, { task: 'binary', numTrees: 30, extraTrees, minDataInLeaf: 3, seed: 1 });
    const p = model.predict(test.table);
    expect(p[0]! + p[1]!).toBeCloseTo(1, 12);
    expect(rocAuc(test.y, positiveColumn(p))).toBeGreaterThan(0.75);
  });

  it('gives class frequencies for a multiclass problem', () => {
    const train = makeLetterLike(2000, 3, 5);
    const test = makeLetterLike(1000, 4, 5);
    const model = trainForest(train.table, train.y, { task: 'multiclass', numTrees: 20, seed: 2 });
    expect(model.trees.length).toBe(100);
    const p = model.predict(test.table);
    let correct = 0;
    for (let i = 0; i < test.table.rows; i++) {
      let sum = 0;
      let best = 0;
      for (let k = 0; k < 5; k++) {
        sum += p[i * 5 + k]!;
        if (p[i * 5 + k]! > p[i * 5 + best]!) best = k;
      }
      expect(sum).toBeCloseTo(1, 10);
      if (best === test.y[i]) correct++;
    }
    expect(correct / test.table.rows).toBeGreaterThan(0.8);
  });

  it('stores a multiclass estimator\'s structure once for every class, and stops adding estimators at maxNodes', () => {
    const train = makeLetterLike(2000, 3, 5);
    const whole = trainForest(train.table, train.y, { task: 'multiclass', numTrees: 20, seed: 2 });
    // the five trees of an estimator share every array but their leaf values
    const [a, b] = [whole.trees[5]!, whole.trees[6]!];
    expect(b.left).toBe(a.left);
    expect(b.threshold).toBe(a.threshold);
    expect(b.value).not.toBe(a.value);
    const estimatorNodes = whole.trees.filter((_, i) => i % 5 === 0).map((t) => t.left.length * 5);
    // room for about three estimators of every class: it stops before the average estimator would pass the budget
    const budget = estimatorNodes.slice(0, 3).reduce((x, y) => x + y, 0) + 10;
    const cut = trainForest(train.table, train.y, { task: 'multiclass', numTrees: 20, seed: 2 }, { maxNodes: budget });
    const kept = cut.trees.length / 5;
    expect(kept).toBeGreaterThanOrEqual(2);
    expect(kept).toBeLessThanOrEqual(3);
    expect(cut.trees.reduce((n, t) => n + t.left.length, 0)).toBeLessThanOrEqual(budget);
    // the estimators it keeps are the whole forest's first ones
    cut.trees.forEach((t, i) => expect(t.value).toEqual(whole.trees[i]!.value));
    // the first estimator is kept whatever the budget
    expect(trainForest(train.table, train.y, { task: 'multiclass', numTrees: 20, seed: 2 }, { maxNodes: 1 }).trees).toHaveLength(5);
  });

  it('fits a regression, and depth / leaf size limits hold', () => {
    const train = makeFriedman(2000, 5);
    const test = makeFriedman(1000, 6);
    const model = trainForest(train.table, train.y, { task: 'regression', numTrees: 20, extraTrees: true, maxDepth: 6, minDataInLeaf: 5, seed: 3 });
    const pred = model.predict(test.table);
    let se = 0;
    let sv = 0;
    const mean = test.y.reduce((a, b) => a + b, 0) / test.y.length;
    for (let i = 0; i < pred.length; i++) {
      se += (pred[i]! - test.y[i]!) ** 2;
      sv += (test.y[i]! - mean) ** 2;
    }
    expect(1 - se / sv).toBeGreaterThan(0.7);
    for (const tree of model.trees) {
      const depth = (node: number): number => (tree.left[node]! < 0 ? 0 : 1 + Math.max(depth(tree.left[node]!), depth(tree.right[node]!)));
      expect(depth(0)).toBeLessThanOrEqual(6);
    }
  });

  it('is deterministic for a seed and round-trips bit-identically', () => {
    const train = makeHiggsLike(1000, 7, 8);
    const a = trainForest(train.table, train.y, { task: 'binary', numTrees: 8, seed: 9 });
    const b = trainForest(train.table, train.y, { task: 'binary', numTrees: 8, seed: 9 });
    const pa = a.predict(train.table);
    expect(Array.from(b.predict(train.table))).toEqual(Array.from(pa));
    const restored = loadModel(JSON.parse(JSON.stringify(a.toJSON())) as { kind: string });
    expect(Buffer.from(restored.predict(train.table).buffer).equals(Buffer.from(pa.buffer))).toBe(true);
  });

  it('rejects one class and unknown model kinds', () => {
    const train = makeHiggsLike(50, 7, 6);
    expect(() => trainForest(train.table, new Float64Array(50), { task: 'binary' })).toThrow(InputError);
    expect(() => loadModel({ kind: 'nope' })).toThrow(/unknown/);
  });
});
