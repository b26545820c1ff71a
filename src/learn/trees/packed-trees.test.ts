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

  it('scores batches started on the workers and finished later as at once, with other scoring on this thread in between', () => {
    const first = new PackedTrees(model.trees, () => 0);
    const second = new PackedTrees(model.trees.slice(0, 40), () => 0);
    const rows = test.table.rows;
    const alone = [first, second].map((packed) => {
      const out = new Float64Array(rows).fill(0.25);
      packed.accumulate(columns, rows, 1, out, 1);
      return out;
    });
    for (const threads of [1, 2, 3]) {
      const outs = [new Float64Array(rows).fill(0.25), new Float64Array(rows).fill(0.25)];
      const finishFirst = first.accumulateLater(columns, rows, 1, outs[0]!, threads);
      const finishSecond = second.accumulateLater(columns, rows, 1, outs[1]!, threads);
      // this thread scores a third batch (a model of its own) while the workers take the two started ones
      const between = new Float64Array(rows).fill(0.25);
      new PackedTrees(model.trees.slice(0, 40), () => 0).accumulate(columns, rows, 1, between, threads);
      finishSecond();
      finishFirst();
      expect(outs.map((out, i) => Buffer.from(out.buffer).equals(Buffer.from(alone[i]!.buffer)))).toEqual([true, true]);
      expect(Buffer.from(between.buffer).equals(Buffer.from(alone[1]!.buffer))).toBe(true);
    }
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

  /** each row's sums as the unpacked trees give them, tree by tree in tree order, from `start` */
  const reference = (trees: typeof model.trees, outputs: number, cols: readonly Float64Array[], rows: number, start: number): Float64Array => {
    const nf = cols.length;
    const rowMajor = new Float64Array(rows * nf);
    for (let r = 0; r < rows; r++) for (let f = 0; f < nf; f++) rowMajor[r * nf + f] = cols[f]![r]!;
    const out = new Float64Array(rows * outputs).fill(start);
    for (let r = 0; r < rows; r++) trees.forEach((tree, t) => (out[r * outputs + (t % outputs)]! += tree.value[leafOf(tree, rowMajor, r, nf)]!));
    return out;
  };
  const same = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

  it('gives the unpacked sums bit for bit for 0, 1, 4, 5, 256, 257 and 1,003 rows (blocks of 256, groups of four, the rest one by one)', () => {
    const packed = new PackedTrees(model.trees, () => 0);
    for (const rows of [0, 1, 4, 5, 256, 257, 1003]) {
      const cols = columns.map((c) => c.subarray(0, rows));
      const out = new Float64Array(rows).fill(0.25);
      packed.accumulate(cols, rows, 1, out, 1);
      expect(same(out, reference(model.trees, 1, cols, rows, 0.25)), `${rows} rows`).toBe(true);
    }
  });

  it('scores rows that are all missing, and unseen or fractional categories, by the default sides', () => {
    const rows = 9;
    const cols = [new Float64Array(rows).fill(NaN), new Float64Array(rows).fill(NaN), Float64Array.from([NaN, -1, 0.5, 40, 1e12, 3, 39, 2 ** 32 + 3, -0])];
    const out = new Float64Array(rows);
    new PackedTrees(model.trees, () => 0).accumulate(cols, rows, 1, out, 1);
    expect(same(out, reference(model.trees, 1, cols, rows, 0))).toBe(true);
  });

  it('adds each tree to its class for multiclass models without categorical splits, on one thread and on workers', () => {
    const rng = new Rng(5);
    const rows = 40_000;
    const a = Float64Array.from({ length: rows }, () => (rng.next() < 0.05 ? NaN : rng.next() * 6 - 3));
    const b = Float64Array.from({ length: rows }, () => rng.next() * 6 - 3);
    const y = Float64Array.from({ length: rows }, (_, i) => ((Number.isNaN(a[i]!) ? 0 : a[i]!) + b[i]! > 1 ? 2 : b[i]! > 0 ? 1 : 0));
    const three = trainGbdt(
      { rows: 3000, columns: [{ name: 'a', type: 'numeric', values: a.subarray(0, 3000) }, { name: 'b', type: 'numeric', values: b.subarray(0, 3000) }] },
      y.subarray(0, 3000),
      { objective: 'multiclass', numClasses: 3, numRounds: 40, maxLeaves: 15, learningRate: 0.1 },
    );
    expect(three.trees.every((t) => t.catBits.length === 0)).toBe(true);
    const packed = new PackedTrees(three.trees, (t) => t % 3);
    const one = new Float64Array(rows * 3);
    packed.accumulate([a, b], rows, 3, one, 1);
    expect(same(one, reference(three.trees, 3, [a, b], rows, 0))).toBe(true);
    const many = new Float64Array(rows * 3);
    expect(rows * three.trees.length).toBeGreaterThanOrEqual(4_000_000); // large enough to go parallel
    packed.accumulate([a, b], rows, 3, many, 2);
    expect(same(many, one)).toBe(true);
    // the model stays in this thread's wasm memory: a second, smaller batch is scored the same
    const again = new Float64Array(30 * 3);
    packed.accumulate([a.subarray(0, 30), b.subarray(0, 30)], 30, 3, again, 1);
    expect(same(again, one.subarray(0, 90))).toBe(true);
  });
});
