import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeatureTable } from '../types.js';
import { binTable } from './binning.js';
import { growDataOf, layoutHistogram, targetHistogram } from './histogram.js';
import { Rng } from '../random.js';
import { RowLayout } from './row-layout.js';
import { findBestSplit, nodeScore, numericLeftBins, type SplitParams } from './split-finder.js';
import { BIN_SET_WORDS, markColumnBins, markLayoutBins } from './bin-sets.js';

const baseParams: SplitParams = {
  minDataInLeaf: 1,
  minHessianInLeaf: 0,
  lambdaL1: 0,
  lambdaL2: 0,
  minSplitGain: 0,
  maxCatOneHot: 4,
  maxCatThreshold: 64,
  catSmooth: 0,
  catL2: 0,
  randomThresholds: false,
};

interface Problem {
  numeric: number[][];
  categorical: number[];
  target: number[];
  minData: number;
  l2: number;
}

const problem = fc.integer({ min: 4, max: 40 }).chain((n) =>
  fc.record({
    numeric: fc.array(fc.array(fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(Number.NaN)), { minLength: n, maxLength: n }), { minLength: 1, maxLength: 3 }),
    categorical: fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constant(Number.NaN)), { minLength: n, maxLength: n }),
    target: fc.array(fc.integer({ min: -20, max: 20 }), { minLength: n, maxLength: n }),
    minData: fc.integer({ min: 1, max: 5 }),
    l2: fc.constantFrom(0, 1),
  }),
);

function tableOf(pr: Problem, withCategorical: boolean): FeatureTable {
  const n = pr.target.length;
  const columns: FeatureTable['columns'][number][] = pr.numeric.map((values, i) => ({ name: `x${i}`, type: 'numeric' as const, values: Float64Array.from(values) }));
  if (withCategorical) columns.push({ name: 'c', type: 'categorical', values: Float64Array.from(pr.categorical), categories: ['a', 'b', 'c', 'd', 'e', 'f'] });
  return { rows: n, columns };
}

/** Best gain over every allowed partition: thresholds × missing side for numeric, every subset for categorical. */
function bruteForce(codes: (number | null)[][], sums: number[][], hess: number[], params: SplitParams, categoricalCols: Set<number>): number {
  const n = hess.length;
  const m = sums[0]!.length;
  const total = new Float64Array(m);
  let totalH = 0;
  for (let r = 0; r < n; r++) {
    for (let k = 0; k < m; k++) total[k]! += sums[r]![k]!;
    totalH += hess[r]!;
  }
  const parent = nodeScore(total, 0, m, totalH, params.lambdaL1, params.lambdaL2);
  let best = -Infinity;
  const evaluate = (goesLeft: (r: number) => boolean, l2: number, parentScore: number): void => {
    const left = new Float64Array(m);
    const right = new Float64Array(m);
    let lh = 0;
    let lc = 0;
    for (let r = 0; r < n; r++) {
      const side = goesLeft(r) ? left : right;
      for (let k = 0; k < m; k++) side[k]! += sums[r]![k]!;
      if (side === left) {
        lh += hess[r]!;
        lc++;
      }
    }
    const rh = totalH - lh;
    if (lc < params.minDataInLeaf || n - lc < params.minDataInLeaf || lh < params.minHessianInLeaf || rh < params.minHessianInLeaf) return;
    const gain = nodeScore(left, 0, m, lh, params.lambdaL1, l2) + nodeScore(right, 0, m, rh, params.lambdaL1, l2) - parentScore;
    if (gain > params.minSplitGain && gain > best) best = gain;
  };
  codes.forEach((col, f) => {
    if (categoricalCols.has(f)) {
      const present = [...new Set(col.map((c) => (c === null ? -1 : c)))];
      const oneHot = m > 1 || present.length <= params.maxCatOneHot;
      const l2 = oneHot ? params.lambdaL2 : params.lambdaL2 + params.catL2;
      const parentScore = oneHot ? parent : nodeScore(total, 0, m, totalH, params.lambdaL1, l2);
      for (let mask = 1; mask < 1 << present.length; mask++) {
        const set = new Set(present.filter((_, i) => (mask >> i) & 1));
        if (oneHot && set.size !== 1) continue;
        evaluate((r) => set.has(col[r] === null ? -1 : col[r]!), l2, parentScore);
      }
      return;
    }
    for (let t = 0; t < 8; t++) {
      for (const missingLeft of [false, true]) evaluate((r) => (col[r] === null ? missingLeft : col[r]! <= t), params.lambdaL2, parent);
    }
  });
  return best;
}

function codesOf(table: FeatureTable): (number | null)[][] {
  return table.columns.map((c) => Array.from(c.values, (v) => (Number.isNaN(v) ? null : v)));
}

describe('findBestSplit', () => {
  it('finds the brute-force best gain (boosting histogram, one channel, unit hessians)', () => {
    fc.assert(
      fc.property(problem, fc.boolean(), (pr, withCat) => {
        const table = tableOf(pr, withCat);
        const binned = binTable(table);
        const data = growDataOf(binned);
        const n = table.rows;
        const grad = Float64Array.from(pr.target);
        const hess = new Float64Array(n).fill(1);
        const gh = new Float64Array(2 * n);
        for (let i = 0; i < n; i++) {
          gh[2 * i] = grad[i]!;
          gh[2 * i + 1] = hess[i]!;
        }
        const layout = new RowLayout(data, { shared: false, histograms: 1 });
        layout.sourceGh.set(gh);
        const rows = layout.order;
        for (let i = 0; i < n; i++) rows[i] = i;
        layout.load(rows, n);
        const builder = layoutHistogram(layout);
        const hist = builder.acquire!();
        const features = Int32Array.from({ length: data.numFeatures }, (_, i) => i);
        builder.build(hist, rows, 0, n, features);
        const total = { sum: Float64Array.of(grad.reduce((a, b) => a + b, 0)), hess: n, count: n };
        // sorted categorical splits are optimal (Fisher 1958) for squared loss without leaf-size
        // limits or L2, so those are only varied on numeric-only problems
        const params = withCat ? baseParams : { ...baseParams, minDataInLeaf: pr.minData, lambdaL2: pr.l2 };
        const found = findBestSplit(hist, data, features, 1, false, total, params, null);
        const categoricalCols = new Set(withCat ? [table.columns.length - 1] : []);
        const expected = bruteForce(codesOf(table), pr.target.map((g) => [g]), Array.from(hess), params, categoricalCols);
        if (expected === -Infinity) expect(found).toBeNull();
        else expect(found!.gain).toBeCloseTo(expected, 8);
      }),
      { numRuns: 300 },
    );
  });

  it('finds the brute-force best gain with several channels and exact counts (forest histogram)', () => {
    fc.assert(
      fc.property(problem, fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 40, maxLength: 40 }), (pr, weights) => {
        const table = tableOf(pr, true);
        const binned = binTable(table);
        const data = growDataOf(binned);
        const n = table.rows;
        const k = 3;
        const channel = Int32Array.from(pr.target, (t) => Math.abs(t) % k);
        const weight = Float64Array.from({ length: n }, (_, i) => weights[i]!);
        const builder = targetHistogram(data, channel, weight, weight, k);
        const hist = new Float64Array(data.totalBins * (k + 2));
        const rows = Uint32Array.from({ length: n }, (_, i) => i);
        const features = Int32Array.from({ length: data.numFeatures }, (_, i) => i);
        builder.build(hist, rows, 0, n, features);
        const sums = Array.from({ length: n }, (_, r) => Array.from({ length: k }, (_, c) => (c === channel[r] ? weight[r]! : 0)));
        const total = { sum: new Float64Array(k), hess: 0, count: n };
        for (let r = 0; r < n; r++) {
          total.sum[channel[r]!]! += weight[r]!;
          total.hess += weight[r]!;
        }
        const params = { ...baseParams, minDataInLeaf: pr.minData, minHessianInLeaf: 1e-12 };
        const found = findBestSplit(hist, data, features, k, true, total, params, null);
        const expected = bruteForce(codesOf(table), sums, Array.from(weight), params, new Set([table.columns.length - 1]));
        if (expected === -Infinity) expect(found).toBeNull();
        else expect(found!.gain).toBeCloseTo(expected, 8);
      }),
      { numRuns: 200 },
    );
  });

  it('scans only the bins a small node fills and finds the same split as the full scan (forests, best and random thresholds)', () => {
    fc.assert(
      fc.property(problem, fc.constantFrom(1, 3), fc.boolean(), fc.integer({ min: 0, max: 1000 }), (pr, k, random, seed) => {
        const table = tableOf(pr, true);
        const data = growDataOf(binTable(table), { columns: true });
        const n = table.rows;
        // the node: every other row, as a forest's bootstrap or a partition leaves it
        const rows = Uint32Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === seed % 2);
        const channel = Int32Array.from(pr.target, (t) => (k === 1 ? (t > 0 ? 0 : -1) : Math.abs(t) % k));
        const weight = new Float64Array(n).fill(1);
        const builder = targetHistogram(data, channel, weight, weight, k);
        const hist = new Float64Array(data.totalBins * (k + 2));
        const features = Int32Array.from({ length: data.numFeatures }, (_, i) => i);
        builder.build(hist, rows, 0, rows.length, features);
        const total = { sum: new Float64Array(k), hess: rows.length, count: rows.length };
        for (const r of rows) if (channel[r]! >= 0) total.sum[channel[r]!]! += 1;
        const params = { ...baseParams, minDataInLeaf: pr.minData, minHessianInLeaf: 1e-12, randomThresholds: random };
        const full = findBestSplit(hist, data, features, k, true, total, params, random ? new Rng(seed) : null);
        const bins = new Int32Array(data.numFeatures * BIN_SET_WORDS);
        markColumnBins(data.columns, features, rows, 0, rows.length, bins);
        const sparse = findBestSplit(hist, data, features, k, true, total, params, random ? new Rng(seed) : null, bins);
        if (full === null) expect(sparse).toBeNull();
        else {
          expect(sparse).not.toBeNull();
          expect([sparse!.feature, sparse!.thresholdBin, sparse!.defaultLeft, sparse!.isCategorical]).toEqual([full.feature, full.thresholdBin, full.defaultLeft, full.isCategorical]);
          expect(sparse!.gain).toBe(full.gain);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('scans only the bins a boosting node\'s rows (or its built ancestor\'s) fill and finds the same split as the full scan, bit for bit', () => {
    let residues = 0;
    fc.assert(
      fc.property(problem, fc.boolean(), fc.integer({ min: 0, max: 1000 }), fc.constantFrom(0, 0.5), (pr, withCat, seed, l1) => {
        const table = tableOf(pr, withCat);
        const data = growDataOf(binTable(table));
        const n = table.rows;
        const layout = new RowLayout(data, { shared: false, histograms: 1 });
        let s = seed;
        const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
        // softmax-like gradients and hessians, some tiny, as a many-class booster has them
        for (let i = 0; i < n; i++) {
          const p = next() < 0.2 ? 1e-12 : next();
          layout.sourceGh[2 * i] = p - (pr.target[i]! > 0 ? 1 : 0);
          layout.sourceGh[2 * i + 1] = Math.max(p * (1 - p), 1e-16);
        }
        layout.load(Uint32Array.from({ length: n }, (_, i) => i), n);
        // the node: a block of positions, as partitions leave them
        const begin = seed % n;
        const end = begin + 1 + ((seed >> 3) % (n - begin));
        const hist = new Float64Array(data.totalBins * 2);
        const features = Int32Array.from({ length: data.numFeatures }, (_, i) => i);
        layout.buildHistogram(begin, end, features, hist);
        const total = { sum: new Float64Array(1), hess: 0, count: end - begin };
        for (let i = begin; i < end; i++) {
          total.sum[0]! += layout.gh[2 * i]!;
          total.hess += layout.gh[2 * i + 1]!;
        }
        const bins = new Int32Array(data.numFeatures * BIN_SET_WORDS);
        markLayoutBins(layout.codes, layout.stride, data.numFeatures, begin, end, bins);
        const params = { ...baseParams, minDataInLeaf: pr.minData, lambdaL2: pr.l2, lambdaL1: l1, minHessianInLeaf: 1e-3 };
        const full = findBestSplit(hist, data, features, 1, false, total, params, null);
        const sparse = findBestSplit(hist, data, features, 1, false, total, params, null, bins);
        expect(sparse).toEqual(full);
        // the node split: its larger side's histogram by subtraction, zero outside the node's bins
        // but for rounding residues in bins the smaller side emptied, which the node's bins cover
        const goesLeft = Uint8Array.from({ length: 256 }, (_, b) => (b <= (seed >> 5) % 8 ? 1 : 0));
        const mid = layout.partition(layout.order, begin, end, (seed >> 8) % data.numFeatures, goesLeft);
        const smallIsLeft = mid - begin <= end - mid;
        const [sb, se, lb, le] = smallIsLeft ? [begin, mid, mid, end] : [mid, end, begin, mid];
        const small = new Float64Array(data.totalBins * 2);
        layout.buildHistogram(sb, se, features, small);
        layout.subtractHistogram(hist, small);
        const large = { sum: new Float64Array(1), hess: 0, count: le - lb };
        for (let i = lb; i < le; i++) {
          large.sum[0]! += layout.gh[2 * i]!;
          large.hess += layout.gh[2 * i + 1]!;
        }
        expect(findBestSplit(hist, data, features, 1, false, large, params, null, bins)).toEqual(findBestSplit(hist, data, features, 1, false, large, params, null));
        const own = new Int32Array(bins.length);
        markLayoutBins(layout.codes, layout.stride, data.numFeatures, lb, le, own);
        for (let f = 0; f < data.numFeatures; f++) {
          for (let b = 0; b <= data.numBins[f]!; b++) {
            const slot = 2 * (data.binOffset[f]! + b);
            const bit = 1 << (b & 31);
            const at = f * BIN_SET_WORDS + (b >>> 5);
            if ((bins[at]! & bit) === 0) expect([hist[slot], hist[slot + 1]]).toEqual([0, 0]);
            else if ((own[at]! & bit) === 0 && hist[slot + 1] !== 0) residues++;
          }
        }
      }),
      { numRuns: 300 },
    );
    // what the larger side's own rows would miss: its scan must take its built ancestor's bins
    expect(residues).toBeGreaterThan(0);
  });

  it('gives each node its own split though the scan is reused from node to node', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(problem, fc.boolean()), { minLength: 2, maxLength: 5 }), (problems) => {
        const nodes = problems.map(([pr, withCat]) => {
          const table = tableOf(pr, withCat);
          const data = growDataOf(binTable(table));
          const n = table.rows;
          const layout = new RowLayout(data, { shared: false, histograms: 1 });
          for (let i = 0; i < n; i++) {
            layout.sourceGh[2 * i] = pr.target[i]!;
            layout.sourceGh[2 * i + 1] = 1;
          }
          layout.load(Uint32Array.from({ length: n }, (_, i) => i), n);
          const hist = new Float64Array(data.totalBins * 2);
          const features = Int32Array.from({ length: data.numFeatures }, (_, i) => i);
          layout.buildHistogram(0, n, features, hist);
          const total = { sum: Float64Array.of(pr.target.reduce((a, b) => a + b, 0)), hess: n, count: n };
          const params = { ...baseParams, minDataInLeaf: pr.minData, lambdaL2: pr.l2 };
          return () => findBestSplit(hist, data, features, 1, false, total, params, null);
        });
        // each node alone (after a scan of another shape), then all in a row, then backwards
        const alone = nodes.map((scan) => {
          nodes[0]!();
          return scan();
        });
        expect(nodes.map((scan) => scan())).toEqual(alone);
        expect(nodes.map((scan) => scan()).reverse()).toEqual([...nodes].reverse().map((scan) => scan()));
      }),
      { numRuns: 100 },
    );
  });

  it('spells out a numeric split into a reused table of bins', () => {
    const out = new Uint8Array(256).fill(7);
    expect(Array.from(numericLeftBins(5, 4, 0, out).subarray(0, 6))).toEqual([1, 1, 1, 1, 1, 0]);
    expect(Array.from(numericLeftBins(5, 1, 1, out).subarray(0, 6))).toEqual([1, 1, 0, 0, 0, 1]);
  });
});
