import { describe, expect, it } from 'vitest';
import { randomTable, randomTree } from '../explain/test-trees.js';
import { trainForest } from '../forest.js';
import { trainGbdt } from '../gbdt.js';
import { Rng } from '../random.js';
import type { FeatureTable, TreeArrays } from '../types.js';
import { PackedTrees } from './packed-trees.js';
import { compiledSegments, type CompileOptions } from './wasm-compiled-trees.js';

const same = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/**
 * Scores `rows` rows with the generic walk and with the compiled trees (default chunking, then
 * every `options`), outputs starting from a row-dependent value; true when all agree bit for bit.
 */
function agree(trees: readonly TreeArrays[], outputs: number, table: FeatureTable, options: readonly CompileOptions[] = [], threads = 1): void {
  const columns = table.columns.map((c) => c.values);
  const start = (): Float64Array => Float64Array.from({ length: table.rows * outputs }, (_, i) => (i % 7) * 0.1 - 0.3);
  const packed = new PackedTrees(trees, (t) => t % outputs);
  const walked = start();
  packed.accumulate(columns, table.rows, outputs, walked, 1, 'walk');
  const compiled = start();
  if (threads > 1) expect(table.rows * trees.length).toBeGreaterThanOrEqual(4_000_000); // large enough to go parallel
  packed.accumulate(columns, table.rows, outputs, compiled, threads, 'compiled');
  expect(same(compiled, walked)).toBe(true);
  expect(compiled.some((v, i) => v !== start()[i])).toBe(true);
  for (const option of options) {
    // the same batch through a module compiled with other chunk and size limits
    const other = new PackedTrees(trees, (t) => t % outputs);
    other.compile(option);
    const out = start();
    other.accumulate(columns, table.rows, outputs, out, 1, 'compiled');
    expect(same(out, walked), JSON.stringify(option)).toBe(true);
  }
}

describe('compiled trees', () => {
  it('gives the generic walk’s sums bit for bit on random trees: missing values, categorical splits of few and many categories, unseen and fractional codes', () => {
    const rng = new Rng(11);
    // numeric, 5 categories (a constant bitset), 70 categories (bitsets in memory), numeric
    const shape = { featureCount: 4, categories: [0, 5, 70, 0], maxDepth: 7, leafChance: 0.2 };
    const trees = Array.from({ length: 60 }, () => randomTree(rng, shape));
    const table = randomTable(rng, shape, 3001);
    // values the default side decides: negative, fractional, −0, huge, infinite
    const odd = [-1, 0.5, -0, 1e12, 2 ** 32 + 3, Infinity, -Infinity, NaN];
    for (let i = 0; i < odd.length; i++) for (const column of table.columns) (column.values as Float64Array)[i] = odd[i]!;
    agree(trees, 1, table, [{ chunkBytes: 1 }, { chunkBytes: 1e9 }, { maxTreeNodes: 40 }, { maxTreeNodes: 0 }, { branchFree: 1 }, { branchFree: 5 }, { branchFree: 1e9 }, { pairedNodes: 0 }, { pairedNodes: 1e9 }, { pairedNodes: 1e9, chunkBytes: 1 }]);
  });

  it('scores small trees two rows at a time in lanes as the walk does: odd row counts, several outputs, categorical tests of few and many categories, runs of paired trees among others', () => {
    const rng = new Rng(14);
    // 6 categories (compared in lanes); 30 (often too many to compare: such a tree runs row by row)
    const shape = { featureCount: 4, categories: [0, 6, 30, 0], maxDepth: 3, leafChance: 0.3 };
    const small = Array.from({ length: 90 }, () => randomTree(rng, { ...shape, categories: [0, 6, 0, 0] }));
    const other = Array.from({ length: 12 }, () => randomTree(rng, { ...shape, maxDepth: 5, leafChance: 0.1 }));
    const trees = [...small.slice(0, 40), ...other.slice(0, 6), ...small.slice(40, 42), ...other.slice(6), ...small.slice(42)];
    const table = randomTable(rng, shape, 1001);
    const odd = [-1, 0.5, -0, 1e12, 2 ** 32 + 3, Infinity, -Infinity, NaN, 5, 6, 29, 30];
    for (let i = 0; i < odd.length; i++) for (const column of table.columns) (column.values as Float64Array)[i] = odd[i]!;
    for (const outputs of [1, 3]) {
      const kinds = compiledSegments(new PackedTrees(trees, (t) => t % outputs)).map((s) => s.kind);
      expect(kinds).toContain('paired');
      expect(kinds).toContain('rows');
      agree(trees, outputs, table, [{ pairedNodes: 0 }, { pairedNodes: 1e9 }, { chunkBytes: 1 }]);
      for (const rows of [4, 5, 255, 257]) agree(trees, outputs, { rows, columns: table.columns.map((c) => ({ ...c, values: c.values.subarray(0, rows) })) });
    }
  });

  it('adds trees to their outputs (multiclass) and walks deep trees too big to compile in their place in the tree order', () => {
    const rng = new Rng(12);
    const shape = { featureCount: 6, categories: [0, 0, 12, 0, 0, 0], maxDepth: 16, leafChance: 0.3 };
    const trees = Array.from({ length: 45 }, () => randomTree(rng, shape));
    expect(Math.max(...trees.map((t) => t.feature.length))).toBeGreaterThan(200);
    agree(trees, 3, randomTable(rng, shape, 777), [{ maxTreeNodes: 200, chunkBytes: 3000 }, { branchFree: 3 }, { pairedNodes: 0 }, { pairedNodes: 40 }]);
  });

  it('scores a trained booster (categorical splits, missing values) and a deep forest as the walk does, on worker threads too', () => {
    const rng = new Rng(13);
    const rows = 70_000;
    const trained = 3000;
    const a = Float64Array.from({ length: rows }, () => (rng.next() < 0.1 ? NaN : rng.next() * 4 - 2));
    const b = Float64Array.from({ length: rows }, () => rng.next() * 10);
    const c = Float64Array.from({ length: rows }, () => rng.int(40));
    const d = Float64Array.from({ length: rows }, () => (rng.next() < 0.05 ? NaN : rng.int(6)));
    const y = Float64Array.from({ length: rows }, (_, i) => +((Number.isNaN(a[i]!) ? 0.8 : a[i]!) + Math.sin(b[i]!) + (c[i]! % 3 === 0 ? 1.5 : 0) + (d[i] === 2 ? -1 : 0) + rng.next() - 0.5 > 0.3));
    const all: FeatureTable = {
      rows,
      columns: [
        { name: 'a', type: 'numeric', values: a },
        { name: 'b', type: 'numeric', values: b },
        { name: 'c', type: 'categorical', values: c, categories: Array.from({ length: 40 }, (_, k) => `c${k}`) },
        { name: 'd', type: 'categorical', values: d, categories: Array.from({ length: 6 }, (_, k) => `d${k}`) },
      ],
    };
    const table: FeatureTable = { rows: trained, columns: all.columns.map((col) => ({ ...col, values: col.values.subarray(0, trained) })) };
    const booster = trainGbdt(table, y.subarray(0, trained), { objective: 'binary', numRounds: 60, maxLeaves: 31, learningRate: 0.1 });
    expect(booster.trees.some((t) => t.isCategorical.includes(1))).toBe(true);
    const forest = trainForest(table, y.subarray(0, trained), { task: 'binary', numTrees: 60 });
    expect(Math.max(...forest.trees.map((t) => t.feature.length))).toBeGreaterThan(300);
    // unseen categories at prediction
    const test: FeatureTable = { rows, columns: all.columns.map((col) => ({ ...col, values: col.values.map((v, i) => (col.type === 'categorical' && i % 17 === 0 ? v + 40 : v)) })) };
    agree(booster.trees, 1, test, [{ chunkBytes: 2000, branchFree: 2 }, { pairedNodes: 0 }, { pairedNodes: 30 }], 2);
    agree(forest.trees, 1, test, [{ maxTreeNodes: 300 }], 2);
  });
});
