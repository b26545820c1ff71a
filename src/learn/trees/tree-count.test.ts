import { describe, expect, it } from 'vitest';
import { trainForest } from '../forest.js';
import { trainGbdt } from '../gbdt.js';
import { loadModel } from '../load-model.js';
import type { FeatureTable, TreeArrays } from '../types.js';
import { expectedPathLength } from './tree-arrays.js';

// x = 0..9; y jumps after x = 3: one split, 4 rows left and 6 right
const table: FeatureTable = { rows: 10, columns: [{ name: 'x', type: 'numeric', values: Float64Array.from({ length: 10 }, (_, i) => i) }] };
const y = Float64Array.from({ length: 10 }, (_, i) => (i < 4 ? 0 : 10));

function childrenAddUp(tree: TreeArrays): void {
  for (let node = 0; node < tree.feature.length; node++) {
    const l = tree.left[node]!;
    if (l >= 0) expect(tree.count![l]! + tree.count![tree.right[node]!]!).toBe(tree.count![node]!);
  }
}

describe('training rows per tree node (for the low-observation humility rule)', () => {
  it('a boosted tree keeps the rows that reached each node, through its JSON', () => {
    const model = trainGbdt(table, y, { objective: 'regression', numRounds: 1, maxLeaves: 2, minDataInLeaf: 1, learningRate: 1 });
    const tree = model.trees[0]!;
    expect(tree.left[0]).toBeGreaterThan(0);
    expect(tree.count![0]).toBe(10);
    expect(tree.count![tree.left[0]!]).toBe(4);
    expect(tree.count![tree.right[0]!]).toBe(6);
    const loaded = loadModel(JSON.parse(JSON.stringify(model.toJSON()))) as typeof model;
    expect(Array.from(loaded.trees[0]!.count!)).toEqual(Array.from(tree.count!));
  });

  it('a model saved before counts were kept loads without them', () => {
    const json = trainGbdt(table, y, { objective: 'regression', numRounds: 2, maxLeaves: 2, minDataInLeaf: 1 }).toJSON() as unknown as { trees: Record<string, unknown>[] };
    for (const tree of json.trees) delete tree['count'];
    const loaded = loadModel(json as never) as ReturnType<typeof trainGbdt>;
    expect(loaded.trees.every((t) => t.count === undefined)).toBe(true);
    expect(Array.from(loaded.predict(table))).toEqual(Array.from(trainGbdt(table, y, { objective: 'regression', numRounds: 2, maxLeaves: 2, minDataInLeaf: 1 }).predict(table)));
  });

  it("a forest's tree counts its distinct in-bag rows, split among the children", () => {
    const forest = trainForest(table, y, { task: 'regression', numTrees: 5, minDataInLeaf: 1, seed: 3 });
    for (const tree of forest.trees) {
      expect(tree.count![0]).toBeGreaterThan(0);
      expect(tree.count![0]).toBeLessThanOrEqual(10);
      childrenAddUp(tree);
    }
  });
});

describe('expectedPathLength (what a row costs to walk through a tree)', () => {
  it('averages the depth of the leaf reached over the training rows, or over the leaves without counts', () => {
    // the root splits 4 rows (a leaf at depth 2) from 6, split again into 3 + 3 (depth 3)
    const model = trainGbdt(table, Float64Array.from({ length: 10 }, (_, i) => (i < 4 ? 0 : i < 7 ? 100 : 110)), { objective: 'regression', numRounds: 1, maxLeaves: 3, minDataInLeaf: 1, learningRate: 1 });
    const tree = model.trees[0]!;
    const leaves = tree.left.filter((l) => l < 0).length;
    expect(leaves).toBe(3);
    expect(expectedPathLength(tree)).toBeCloseTo((4 * 2 + 6 * 3) / 10, 12);
    const { count: _, ...withoutCounts } = tree;
    expect(expectedPathLength(withoutCounts)).toBeCloseTo((2 + 3 + 3) / 3, 12);
  });
});
