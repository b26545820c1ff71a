import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { correlationRatio } from '../correlation-ratio.js';
import { cramersVFromTable } from './correlation.js';
import { chiSquareSurvival, normalisedEntropy, uniformPValue } from '../alerts.js';

const table = (rows: number[][]) => new Map(rows.map((r, a) => [a, new Map(r.map((n, b) => [b, n]))]));

describe('association measures', () => {
  it("Cramér's V is 1 for a perfect association, near 0 for independence, within [0, 1] always", () => {
    expect(cramersVFromTable(table([[50, 0], [0, 50]]))).toBeCloseTo(1, 1);
    expect(cramersVFromTable(table([[25, 25], [25, 25]]))).toBe(0);
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(50), { minLength: 2, maxLength: 4 }), { minLength: 2, maxLength: 4 }), (rows) => {
        const v = cramersVFromTable(table(rows));
        return v === null || (v >= 0 && v <= 1);
      }),
    );
  });

  it('the correlation ratio is 1 when groups explain everything and 0 when means are equal', () => {
    // groups {1,1} and {5,5}: all variance is between groups
    expect(correlationRatio([{ n: 2, sum: 2, sumSq: 2 }, { n: 2, sum: 10, sumSq: 50 }])).toBeCloseTo(1, 9);
    // groups {0,2} and {0,2}: equal means
    expect(correlationRatio([{ n: 2, sum: 2, sumSq: 4 }, { n: 2, sum: 2, sumSq: 4 }])).toBeCloseTo(0, 9);
    // undefined: a constant variable, or one group ({1,3}: variance but nothing to compare)
    expect(correlationRatio([{ n: 3, sum: 3, sumSq: 3 }])).toBeNull();
    expect(correlationRatio([{ n: 2, sum: 4, sumSq: 10 }, { n: 0, sum: 0, sumSq: 0 }])).toBeNull();
  });
});

describe('alert statistics', () => {
  it('entropy and uniformity', () => {
    expect(normalisedEntropy([10, 10, 10])).toBeCloseTo(1, 9);
    expect(normalisedEntropy([1000, 1])).toBeLessThan(0.05);
    expect(uniformPValue([1000, 1001, 999, 1000])).toBeGreaterThan(0.999);
    expect(uniformPValue([10, 1000, 10, 10])).toBeLessThan(0.001);
    // chi-square with 10 df: P(X > 18.307) = 0.05
    expect(chiSquareSurvival(18.307, 10)).toBeCloseTo(0.05, 2);
  });
});
