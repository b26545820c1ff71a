import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sortFloat64 } from './radix-sort.js';

const double = fc.oneof(
  fc.double({ noNaN: true }),
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(0, -0, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE, Number.MAX_VALUE, -Number.MAX_VALUE),
);

/** Object.is tells −0 from +0, which toEqual on numbers does not. */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  return a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
}

describe('sortFloat64', () => {
  it('orders doubles as the built-in sort does, −0 before +0, infinities and subnormals included', () => {
    fc.assert(
      fc.property(fc.array(double, { maxLength: 600 }), (list) => {
        const expected = Float64Array.from(list).sort();
        expect(sameBits(sortFloat64(Float64Array.from(list), 2), expected)).toBe(true);
      }),
    );
  });

  it('sorts a large sample with many repeats as the built-in sort does', () => {
    const values = Float64Array.from({ length: 200_000 }, (_, i) => (i % 7 === 0 ? Math.round(Math.cos(i) * 10) : Math.tan(i)));
    expect(sameBits(sortFloat64(Float64Array.from(values)), Float64Array.from(values).sort())).toBe(true);
  });

  it('sorts a view in place without touching the rest of its buffer', () => {
    const all = Float64Array.from({ length: 1000 }, (_, i) => Math.sin(i) * 1000);
    const before = Float64Array.from(all);
    sortFloat64(all.subarray(100, 900), 2);
    expect(sameBits(all.subarray(0, 100), before.subarray(0, 100))).toBe(true);
    expect(sameBits(all.subarray(900), before.subarray(900))).toBe(true);
    expect(sameBits(all.subarray(100, 900), before.subarray(100, 900).sort())).toBe(true);
  });
});
