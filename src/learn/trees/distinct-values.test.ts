import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fewDistinctValues } from './distinct-values.js';

// a small pool, so that columns often have few distinct values; −0 beside +0, NaN and infinities
const pooled = fc.constantFrom(0, -0, 1, -1, 2.5, 1e300, Number.NaN, Infinity, -Infinity, 0.1 + 0.2, 0.3);

/** The reference: sort, then count runs of equal values (as binning did before counting). */
function bySorting(values: number[]): { values: number[]; counts: number[] } {
  const sorted = Float64Array.from(values.filter((v) => !Number.isNaN(v))).sort();
  const out = { values: [] as number[], counts: [] as number[] };
  for (const v of sorted) {
    if (out.values.length > 0 && out.values[out.values.length - 1] === v) out.counts[out.counts.length - 1]!++;
    else {
      out.values.push(v);
      out.counts.push(1);
    }
  }
  return out;
}

describe('fewDistinctValues', () => {
  it('counts what sorting counts when there are at most `limit` values, and gives up past it', () => {
    fc.assert(
      fc.property(fc.array(pooled, { maxLength: 200 }), fc.integer({ min: 1, max: 12 }), (values, limit) => {
        const expected = bySorting(values);
        const got = fewDistinctValues(Float64Array.from(values), limit);
        if (expected.values.length > limit) {
          expect(got).toBeUndefined();
          return;
        }
        expect(got).toBeDefined();
        // Object.is: −0 must come out as −0 wherever sorting put it first
        expect(Array.from(got!.values).map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(expected.values.map((v) => (Object.is(v, -0) ? '-0' : String(v))));
        expect(Array.from(got!.counts)).toEqual(expected.counts);
      }),
      // +0 then −0 in a row (the slot matched last), and apart
      { examples: [[[0, -0], 2], [[0, 1, -0], 2], [[-0, 0, 1], 3]] },
    );
  });

  it('counts a sparse indicator column', () => {
    const column = new Float64Array(1000);
    for (let i = 0; i < 1000; i += 7) column[i] = 1;
    column[500] = Number.NaN;
    const got = fewDistinctValues(column, 2)!;
    expect(Array.from(got.values)).toEqual([0, 1]);
    expect(Array.from(got.counts)).toEqual([999 - 143, 143]);
  });
});
