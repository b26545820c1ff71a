import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../common/errors.js';
import type { FeatureTable } from '../types.js';
import { applyBins, binOf, binTable, selectBinnedRows } from './binning.js';

const numericTable = (values: number[]): FeatureTable => ({ rows: values.length, columns: [{ name: 'x', type: 'numeric', values: Float64Array.from(values) }] });
const value = fc.oneof(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.integer({ min: -5, max: 5 }), fc.constant(Number.NaN), fc.constant(Infinity), fc.constant(-Infinity));

describe('binTable', () => {
  it('is monotone, keeps at most maxBins value bins and puts only NaN in the missing bin', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 400 }), fc.integer({ min: 2, max: 255 }), (values, maxBins) => {
        const binned = binTable(numericTable(values), { maxBins });
        const feature = binned.mapper.features[0]!;
        expect(feature.numBins).toBeLessThanOrEqual(maxBins);
        const order = values.map((v, i) => [v, binned.codes[i]!] as const).filter(([v]) => !Number.isNaN(v)).sort((a, b) => a[0] - b[0]);
        for (let i = 1; i < order.length; i++) expect(order[i]![1]).toBeGreaterThanOrEqual(order[i - 1]![1]);
        values.forEach((v, i) => expect(binned.codes[i] === feature.numBins).toBe(Number.isNaN(v)));
      }),
    );
  });

  it('bin <= t exactly when x <= edges[t], so trees can keep raw thresholds', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), fc.array(value, { maxLength: 50 }), fc.integer({ min: 2, max: 40 }), (train, fresh, maxBins) => {
        const { mapper } = binTable(numericTable(train), { maxBins });
        const feature = mapper.features[0]!;
        for (const x of [...train, ...fresh]) {
          if (Number.isNaN(x)) continue;
          const b = binOf(feature, x);
          for (let t = 0; t < feature.numBins; t++) expect(b <= t).toBe(x <= feature.edges[t]!);
        }
        // a whole column (binned without branches) gets the bins one value at a time gets
        const all = [...train, ...fresh];
        const codes = applyBins(mapper, numericTable(all)).codes;
        all.forEach((x, i) => expect(codes[i]).toBe(binOf(feature, x)));
      }),
    );
  });

  it('reuses its edges on new data: applyBins gives the codes binTable gave', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 300 }), (values) => {
        const binned = binTable(numericTable(values), { maxBins: 16 });
        const again = applyBins(binned.mapper, numericTable(values));
        expect(Array.from(again.codes)).toEqual(Array.from(binned.codes));
      }),
    );
  });

  it('selects rows of a binned table as binning those rows with the same edges would', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 100 }), fc.array(fc.nat(), { minLength: 1, maxLength: 30 }), (values, picks) => {
        const binned = binTable(numericTable(values), { maxBins: 8 });
        const rows = picks.map((p) => p % values.length);
        const subset = selectBinnedRows(binned, rows);
        expect(Array.from(subset.codes)).toEqual(Array.from(applyBins(binned.mapper, numericTable(rows.map((r) => values[r]!))).codes.subarray(0, rows.length)));
      }),
    );
  });

  it('gives each of a few distinct values its own bin, edges halfway between neighbours, whatever their order', () => {
    const few = fc.constantFrom(0, -0, 1, -1, 3, 0.5, 1e6, Number.NaN, Infinity, -Infinity);
    fc.assert(
      fc.property(fc.array(few, { minLength: 1, maxLength: 300 }), fc.integer({ min: 2, max: 255 }), (values, maxBins) => {
        // the distinct values in sorted order, the first of equal ones kept (−0 before +0)
        const distinct: number[] = [];
        for (const v of Float64Array.from(values.filter((x) => !Number.isNaN(x))).sort()) if (distinct.length === 0 || distinct[distinct.length - 1] !== v) distinct.push(v);
        if (distinct.length > maxBins) return;
        const edges = distinct.slice(1).map((b, i) => {
          const a = distinct[i]!;
          const mid = a / 2 + b / 2;
          return mid >= a && mid < b ? mid : a;
        });
        if (edges[edges.length - 1] !== Infinity) edges.push(Infinity);
        expect(Array.from(binTable(numericTable(values), { maxBins }).mapper.features[0]!.edges)).toEqual(edges);
      }),
      // −0 below +Infinity: the edge is −0, as sorting put it
      { examples: [[[Infinity, -0, 0], 2]] },
    );
  });

  it('spreads many distinct values over about equal bins', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => Math.sin(i) * 1000);
    const binned = binTable(numericTable(values), { maxBins: 10 });
    const counts = new Array<number>(11).fill(0);
    for (const c of binned.codes) counts[c]!++;
    expect(binned.mapper.features[0]!.numBins).toBe(10);
    for (let b = 0; b < 10; b++) expect(Math.abs(counts[b]! - 1000)).toBeLessThan(150);
  });

  it('bins categorical codes directly; unseen and out-of-range codes are missing', () => {
    const table: FeatureTable = { rows: 5, columns: [{ name: 'c', type: 'categorical', values: Float64Array.of(0, 2, 1, Number.NaN, 2), categories: ['a', 'b', 'c'] }] };
    const binned = binTable(table, { maxBins: 255 });
    expect(Array.from(binned.codes)).toEqual([0, 2, 1, 3, 2]);
    const fresh = applyBins(binned.mapper, { rows: 4, columns: [{ name: 'c', type: 'categorical', values: Float64Array.of(7, -1, 1.5, 1) }] });
    expect(Array.from(fresh.codes)).toEqual([3, 3, 3, 1]);
  });

  it('handles constant and all-missing columns', () => {
    const binned = binTable({ rows: 3, columns: [{ name: 'k', type: 'numeric', values: Float64Array.of(4, 4, 4) }, { name: 'm', type: 'numeric', values: Float64Array.of(NaN, NaN, NaN) }] });
    expect(binned.mapper.features.map((f) => f.numBins)).toEqual([1, 1]);
    expect(Array.from(binned.codes)).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('rejects empty data and names a missing column', () => {
    expect(() => binTable({ rows: 0, columns: [{ name: 'x', type: 'numeric', values: new Float64Array(0) }] })).toThrow(InputError);
    const binned = binTable(numericTable([1, 2, 3]));
    expect(() => applyBins(binned.mapper, { rows: 1, columns: [{ name: 'y', type: 'numeric', values: Float64Array.of(1) }] })).toThrow(/column 'x' is missing/);
  });
});
