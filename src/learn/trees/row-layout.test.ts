import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeatureTable } from '../types.js';
import { binTable } from './binning.js';
import { growDataOf } from './histogram.js';
import { ParallelRows } from './parallel-rows.js';
import { layoutHistogramKernel, makeFullHistogramKernel, RowLayout } from './row-layout.js';

describe('RowLayout', () => {
  it.each(['wasm', 'js'] as const)('keeps every laid-out row aligned with its row id through any sequence of partitions (%s kernels)', (kernels) => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(3, 28, 37),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(255)), { maxLength: 8 }),
        fc.integer(),
        (rows, features, splits, seed) => {
          let s = seed >>> 0;
          const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
          const table: FeatureTable = { rows, columns: Array.from({ length: features }, (_, f) => ({ name: `f${f}`, type: 'numeric' as const, values: Float64Array.from({ length: rows }, () => Math.floor(next() * 300)) })) };
          const data = growDataOf(binTable(table));
          const layout = new RowLayout(data, { shared: false, histograms: 1, kernels });
          const sourceGh = layout.sourceGh;
          for (let i = 0; i < 2 * rows; i++) sourceGh[i] = next();
          const order = layout.order;
          for (let i = 0; i < rows; i++) order[i] = i;
          layout.load(order, rows);
          for (const [a, b, f, t] of splits) {
            const begin = a % rows;
            const end = begin + (b % (rows - begin + 1));
            const goesLeft = Uint8Array.from({ length: 256 }, (_, bin) => (bin <= t ? 1 : 0));
            const feature = f % features;
            const mid = layout.partition(order, begin, end, feature, goesLeft);
            for (let i = begin; i < end; i++) expect(goesLeft[data.codes[order[i]! * features + feature]!]).toBe(i < mid ? 1 : 0);
          }
          expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: rows }, (_, i) => i));
          for (let i = 0; i < rows; i++) {
            const r = order[i]!;
            for (let f = 0; f < features; f++) expect(layout.codes[i * layout.stride + f]).toBe(data.codes[r * features + f]);
            expect(layout.gh[2 * i]).toBe(sourceGh[2 * r]);
            expect(layout.gh[2 * i + 1]).toBe(sourceGh[2 * r + 1]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('builds the same histogram bit for bit with the generated all-features kernel and the WebAssembly one as with the generic one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 64 }), fc.integer(), (rows, features, seed) => {
        let s = seed >>> 0;
        const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        const table: FeatureTable = { rows, columns: Array.from({ length: features }, (_, f) => ({ name: `f${f}`, type: 'numeric' as const, values: Float64Array.from({ length: rows }, () => (next() < 0.1 ? NaN : Math.floor(next() * (f * 20 + 3)))) })) };
        const data = growDataOf(binTable(table));
        const layout = new RowLayout(data, { shared: false, histograms: 1 });
        for (let i = 0; i < 2 * rows; i++) layout.sourceGh[i] = next() - 0.5;
        layout.load(Uint32Array.from({ length: rows }, (_, i) => i), rows);
        const all = Int32Array.from({ length: features }, (_, f) => f);
        const generic = new Float64Array(data.totalBins * 2);
        layoutHistogramKernel(layout.codes, layout.stride, data.slotShift, layout.gh, 0, rows, all, 0, features, 1, generic);
        const fast = new Float64Array(data.totalBins * 2);
        makeFullHistogramKernel(features, layout.stride, data.slotShift)!(layout.codes32, layout.gh, 0, rows, fast);
        expect(Array.from(fast)).toEqual(Array.from(generic));
        const wasm = layout.acquireHistogram();
        expect(layout.kernels?.histogram).toBeTypeOf('function');
        layout.buildHistogram(0, rows, all, wasm);
        expect(Array.from(wasm)).toEqual(Array.from(generic));
      }),
      { numRuns: 60 },
    );
  });

  it.each(['wasm', 'js'] as const)('subtracts histograms slot by slot, bit for bit, over the features\' bins only, and hands out zeroed ones (%s kernels)', (kernels) => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 200 }), fc.integer({ min: 1, max: 40 }), fc.integer(), (rows, features, seed) => {
        let s = seed >>> 0;
        const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        // features of very different widths: spans of one slot pair up to 256, some adjacent
        const table: FeatureTable = { rows, columns: Array.from({ length: features }, (_, f) => ({ name: `f${f}`, type: 'numeric' as const, values: Float64Array.from({ length: rows }, () => (next() < 0.1 ? NaN : Math.floor(next() * (f % 3 === 0 ? 300 : f + 1)))) })) };
        const data = growDataOf(binTable(table));
        const layout = new RowLayout(data, { shared: false, histograms: 2, kernels });
        for (let i = 0; i < 2 * rows; i++) layout.sourceGh[i] = next() - 0.3;
        layout.load(Uint32Array.from({ length: rows }, (_, i) => i), rows);
        const all = Int32Array.from({ length: features }, (_, f) => f);
        const parent = layout.acquireHistogram();
        const small = layout.acquireHistogram();
        layout.buildHistogram(0, rows, all, parent);
        layout.buildHistogram(0, rows >> 1, all, small);
        const expected = Float64Array.from(parent, (v, i) => v - small[i]!);
        layout.subtractHistogram(parent, small);
        expect(Array.from(parent)).toEqual(Array.from(expected));
        // slots outside every feature's bins stay untouched (zero)
        for (let f = 0; f < features; f++) {
          for (let b = data.numBins[f]! + 1; b < 1 << data.slotShift; b++) expect(parent[2 * (data.binOffset[f]! + b)]).toBe(0);
        }
        layout.releaseHistogram(parent);
        layout.releaseHistogram(small);
        expect(layout.acquireHistogram().every((v) => v === 0)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it.each([
    [2, 200_000, 'wasm'],
    [3, 70_000, 'wasm'],
    [2, 200_000, 'js'],
  ] as const)('keeps rows aligned when big nodes are partitioned and gathered on %i threads (%i rows, %s kernels)', (threads, rows, kernels) => {
    const features = 5;
    let s = 12345;
    const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    const table: FeatureTable = { rows, columns: Array.from({ length: features }, (_, f) => ({ name: `f${f}`, type: 'numeric' as const, values: Float64Array.from({ length: rows }, () => Math.floor(next() * 200)) })) };
    const data = growDataOf(binTable(table));
    const layout = new RowLayout(data, { shared: true, histograms: 4, threads, kernels });
    const sourceGh = layout.sourceGh;
    for (let i = 0; i < 2 * rows; i++) sourceGh[i] = next();
    const scores = new Float64Array(new SharedArrayBuffer(8 * rows));
    const y = new Float64Array(new SharedArrayBuffer(8 * rows));
    const parallel = new ParallelRows(data, layout, { threads, maxLeaves: 4, scores, gradients: { objective: 'regression', y, w: null, logSumExp: null, numClasses: 1, huberDelta: 1 } });
    let wrong = 0;
    try {
      const order = layout.order;
      for (let i = 0; i < rows; i++) order[i] = i;
      layout.load(order, rows);
      // a lopsided split, a balanced one (its parts are joined by a big swap), nested ones, and one that sends every row one way
      const splits: [number, number, number, number][] = [[0, rows, 0, 20], [0, rows, 1, 100], [0, 40_000, 2, 150], [10_000, 60_000, 3, 199], [0, rows, 4, 255]];
      for (const [begin, end, feature, t] of splits) {
        const goesLeft = Uint8Array.from({ length: 256 }, (_, bin) => (bin <= t ? 1 : 0));
        const mid = layout.partition(order, begin, end, feature, goesLeft);
        for (let i = begin; i < end; i++) if (goesLeft[data.codes[order[i]! * features + feature]!] !== (i < mid ? 1 : 0)) wrong++;
      }
      for (let i = 0; i < 2 * rows; i++) sourceGh[i] = next();
      layout.gatherGradients(order, rows);
      expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: rows }, (_, i) => i));
      for (let i = 0; i < rows; i++) {
        const r = order[i]!;
        for (let f = 0; f < features; f++) if (layout.codes[i * layout.stride + f] !== data.codes[r * features + f]) wrong++;
        if (layout.gh[2 * i] !== sourceGh[2 * r] || layout.gh[2 * i + 1] !== sourceGh[2 * r + 1]) wrong++;
      }
      // leaf values reach every row of their leaf
      parallel.addLeafValues(0, { leafBegin: Int32Array.of(0, 30_000), leafEnd: Int32Array.of(30_000, rows) }, Float64Array.of(1, 2), rows);
      for (let i = 0; i < rows; i++) if (scores[order[i]!] !== (i < 30_000 ? 1 : 2)) wrong++;
    } finally {
      parallel.close();
    }
    expect(wrong).toBe(0);
  });
});
