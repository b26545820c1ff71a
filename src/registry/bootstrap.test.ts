import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../automl/index.js';
import { bootstrapDraws, metricInterval, pairedDifference, resamplesFor } from './bootstrap.js';

/** A binary problem: truths and the probabilities of a model that sees them through `noise`. */
function problem(rows: number, noise: number, seed: number): { y: Float64Array; p: Float64Array } {
  const y = new Float64Array(rows);
  const p = new Float64Array(rows * 2);
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  for (let i = 0; i < rows; i++) {
    y[i] = next() < 0.4 ? 1 : 0;
    const q = Math.min(0.99, Math.max(0.01, y[i]! * (1 - noise) + next() * noise));
    p[2 * i] = 1 - q;
    p[2 * i + 1] = q;
  }
  return { y, p };
}

describe('bootstrap intervals', () => {
  it('are the same for the same seed, bracket the value, and narrow with more rows', () => {
    const small = problem(100, 0.8, 1);
    const large = problem(2000, 0.8, 1);
    const a = metricInterval(METRICS.auc, small.y, small.p, 2, bootstrapDraws(100, { seed: 3 }));
    expect(metricInterval(METRICS.auc, small.y, small.p, 2, bootstrapDraws(100, { seed: 3 }))).toEqual(a);
    expect(a.low).toBeLessThan(a.value);
    expect(a.high).toBeGreaterThan(a.value);
    const b = metricInterval(METRICS.auc, large.y, large.p, 2, bootstrapDraws(2000, { seed: 3 }));
    expect(b.high - b.low).toBeLessThan((a.high - a.low) / 2);
  });

  it('take fewer resamples on large tables, never under 200', () => {
    expect([400, 20_000, 40_000, 100_000, 5_000_000].map(resamplesFor)).toEqual([1000, 1000, 500, 200, 200]);
    const draws = bootstrapDraws(50, { resamples: 3, seed: 9 });
    expect(draws.count).toBe(3);
    expect(Array.from(draws.draw(2))).toEqual(Array.from(bootstrapDraws(50, { seed: 9 }).draw(2)));
    expect(Array.from(draws.draw(0))).not.toEqual(Array.from(draws.draw(1)));
  });

  it('give a paired difference of zero for a model against itself, and a positive one for a better model', () => {
    fc.assert(
      fc.property(fc.integer({ min: 30, max: 200 }), fc.integer({ min: 1, max: 1000 }), (rows, seed) => {
        const { y, p } = problem(rows, 0.9, seed);
        const draws = bootstrapDraws(rows, { resamples: 50, seed });
        const same = pairedDifference(METRICS.logloss, y, p, p, 2, draws);
        expect([same.value, same.low, same.high]).toEqual([0, 0, 0]);
        const sharper = problem(rows, 0.3, seed);
        // the same truths (same seed), seen with less noise: lower log loss, a positive gain in the metric's direction
        expect(Array.from(sharper.y)).toEqual(Array.from(y));
        const gain = pairedDifference(METRICS.logloss, y, sharper.p, p, 2, draws);
        expect(gain.value).toBeGreaterThan(0);
        expect(gain.low).toBeLessThanOrEqual(gain.value);
        expect(gain.high).toBeGreaterThanOrEqual(gain.value);
      }),
      { numRuns: 30 },
    );
  });
});
