import { describe, expect, it } from 'vitest';
import { trainGbdt } from '../gbdt.js';
import type { FeatureTable } from '../types.js';
import { PackedTrees } from './packed-trees.js';
import { Rng } from '../random.js';
import { leafOf } from './tree-arrays.js';

/** Numeric features with missing values, a categorical one of 40 categories, and unseen codes at prediction. */
function table(rows: number, seed: number, unseen: boolean): { table: FeatureTable; y: Float64Array } {
  const rng = new Rng(seed);
  const a = new Float64Array(rows);
  const b = new Float64Array(rows);
  const c = new Float64Array(rows);
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    a[i] = rng.next() < 0.1 ? NaN : rng.next() * 4 - 2;
    b[i] = rng.next() * 10;
    c[i] = unseen && rng.next() < 0.05 ? 40 + rng.int(5) : rng.int(40);
    const effect = c[i]! % 3 === 0 ? 1.5 : c[i]! % 5 === 0 ? -1 : 0;
    y[i] = +((Number.isNaN(a[i]) ? 0.8 : a[i]!) + Math.sin(b[i]!) + effect + rng.next() - 0.5 > 0.3);
  }
  return {
    table: {
      rows,
      columns: [
        { name: 'a', type: 'numeric', values: a },
        { name: 'b', type: 'numeric', values: b },
        { name: 'c', type: 'categorical', values: c, categories: Array.from({ length: 40 }, (_, k) => `k${k}`) },
      ],
    },
    y,
  };
}

describe('PackedTrees', () => {
  const train = table(4000, 1, false);
  const model = trainGbdt(train.table, train.y, { objective: 'binary', numRounds: 120, maxLeaves: 15, learningRate: 0.1 });
  const test = table(40_000, 2, true);
  const columns = test.table.columns.map((c) => c.values);

  it('walks every tree as the unpacked trees do, categorical splits, missing and unseen values included', () => {
    expect(model.trees.some((t) => t.isCategorical.includes(1))).toBe(true);
    const packed = new PackedTrees(model.trees, () => 0);
    const out = new Float64Array(test.table.rows);
    packed.accumulate(columns, test.table.rows, 1, out, 1);
    const nf = columns.length;
    const rowMajor = new Float64Array(test.table.rows * nf);
    for (let r = 0; r < test.table.rows; r++) for (let f = 0; f < nf; f++) rowMajor[r * nf + f] = columns[f]![r]!;
    for (let r = 0; r < test.table.rows; r += 7) {
      let expected = 0;
      for (const tree of model.trees) expected += tree.value[leafOf(tree, rowMajor, r, nf)]!;
      expect(out[r]).toBe(expected);
    }
  });

  it('gives bit-identical sums on one thread and on worker threads', () => {
    const packed = new PackedTrees(model.trees, () => 0);
    expect(test.table.rows * model.trees.length).toBeGreaterThanOrEqual(4_000_000); // large enough to go parallel
    const one = new Float64Array(test.table.rows).fill(0.25);
    const three = new Float64Array(test.table.rows).fill(0.25);
    packed.accumulate(columns, test.table.rows, 1, one, 1);
    packed.accumulate(columns, test.table.rows, 1, three, 3);
    expect(Buffer.from(three.buffer).equals(Buffer.from(one.buffer))).toBe(true);
    expect(one.some((v) => v !== 0.25)).toBe(true);
  });

  it('walks trees four at a time for one to three rows, with the sums of the batch walk, bit for bit', () => {
    // 123 trees over 3 outputs: lanes of four trees cross outputs, and three trees are left over
    const packed = new PackedTrees(model.trees.slice(0, 123), (t) => t % 3);
    const rows = 600;
    const batch = new Float64Array(rows * 3);
    packed.accumulate(columns, rows, 3, batch, 1);
    for (let start = 0; start < rows; start += 3) {
      const few = Math.min(1 + ((start / 3) % 3), rows - start);
      const slice = columns.map((c) => c.subarray(start, start + few));
      const out = new Float64Array(few * 3);
      packed.accumulate(slice, few, 3, out, 1);
      expect(Buffer.from(out.buffer).equals(Buffer.from(batch.buffer, start * 3 * 8, few * 3 * 8))).toBe(true);
    }
  });
});
