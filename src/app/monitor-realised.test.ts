import { describe, expect, it } from 'vitest';
import { realisedMetricNames, realisedWindow } from './monitor-realised.js';

describe('realised metrics against the holdout', () => {
  // 10 rows repeated 10 times, two classes: 8 in 10 predicted right (the argmax of each row's probabilities)
  const times10 = <T,>(xs: readonly T[]) => Array.from({ length: 10 }, () => xs).flat();
  const y = Float64Array.from(times10([0, 0, 0, 0, 0, 1, 1, 1, 1, 1]));
  const p1 = times10([0.1, 0.2, 0.3, 0.4, 0.7, 0.6, 0.8, 0.9, 0.35, 0.95]);
  const proba = Float64Array.from(p1.flatMap((p) => [1 - p, p]));

  it('scores the rows with intervals around the value, and says below only when the whole interval is under the holdout', () => {
    const high = { value: 0.99, low: 0.985, high: 0.995 };
    const low = { value: 0.5, low: 0.4, high: 0.6 };
    const r = realisedWindow(realisedMetricNames('binary'), y, proba, 2, { accuracy: high, auc: low })!;
    expect(r.rows).toBe(100);
    expect(r.metrics['accuracy']!.value).toBeCloseTo(0.8, 12);
    // AUC by hand: of the 25 kinds of (positive, negative) pair, the positive scored higher in 22 (0.35 loses to 0.4, 0.7; 0.6 loses to 0.7)
    expect(r.metrics['auc']!.value).toBeCloseTo(22 / 25, 12);
    for (const m of Object.values(r.metrics)) {
      expect(m.low!).toBeLessThanOrEqual(m.value!);
      expect(m.high!).toBeGreaterThanOrEqual(m.value!);
    }
    expect(r.metrics['accuracy']!.high!).toBeLessThan(0.985);
    expect(r.metrics['accuracy']!.belowHoldout).toBe(true);
    expect(r.metrics['auc']!.belowHoldout).toBe(false);
    expect(r.metrics['auc']!.holdout).toEqual(low);
  });

  it('reads a lower-is-better metric the other way round', () => {
    const truth = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
    const guessed = Float64Array.from([3, 4, 5, 6, 7, 8, 9, 10]); // every value 2 too high
    const r = realisedWindow(realisedMetricNames('regression'), truth, guessed, 1, { rmse: { value: 0.5, low: 0.4, high: 0.6 }, mae: { value: 2.5, low: 2.2, high: 2.8 } })!;
    expect(r.metrics['rmse']!.value).toBeCloseTo(2, 12);
    expect(r.metrics['rmse']!.belowHoldout).toBe(true);
    expect(r.metrics['mae']!.belowHoldout).toBe(false);
  });

  it('has nothing to say on no rows, and no holdout to compare with when the version kept none', () => {
    expect(realisedWindow(['accuracy'], new Float64Array(0), new Float64Array(0), 2, {})).toBeNull();
    const r = realisedWindow(['accuracy'], y, proba, 2, {})!;
    expect(r.metrics['accuracy']).toMatchObject({ holdout: null, belowHoldout: false });
  });
});
