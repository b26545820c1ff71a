import { describe, expect, it } from 'vitest';
import { lowObservationRecords, outlyingRecords, robustZ, uncertainRecords, unseenRecords } from './humility-tests.js';

describe('humility rules, one record each', () => {
  it('uncertain: a binary probability within the band around the threshold', () => {
    // p(class 1) = 0.3, 0.55, 0.95
    const p = Float64Array.of(0.7, 0.3, 0.45, 0.55, 0.05, 0.95);
    expect(Array.from(uncertainRecords(p, 2, { band: 0.1, threshold: 0.5, margin: 0.1 }))).toEqual([0, 1, 0]);
    // |0.3 − 0.3| = 0 < 0.1; |0.55 − 0.3| = 0.25
    expect(Array.from(uncertainRecords(p, 2, { band: 0.1, threshold: 0.3, margin: 0.1 }))).toEqual([1, 0, 0]);
    // the band is strict: |0.55 − 0.5| = 0.05 is not below 0.05
    expect(Array.from(uncertainRecords(Float64Array.of(0.45, 0.55), 2, { band: 0.05, threshold: 0.5, margin: 0.1 }))).toEqual([0]);
  });

  it('uncertain: multiclass top probability minus the second below the margin', () => {
    // gaps 0.5 − 0.3 = 0.2, 0.4 − 0.35 = 0.05, 0.34 − 0.33 = 0.01, 0.6 − 0.3 with the top last = 0.3
    const p = Float64Array.of(0.5, 0.3, 0.2, 0.4, 0.35, 0.25, 0.34, 0.33, 0.33, 0.1, 0.3, 0.6);
    expect(Array.from(uncertainRecords(p, 3, { band: 0.1, threshold: 0.5, margin: 0.1 }))).toEqual([0, 1, 1, 0]);
    expect(Array.from(uncertainRecords(p, 3, { band: 0.1, threshold: 0.5, margin: 0.25 }))).toEqual([1, 1, 1, 0]);
  });

  it('outlying: outside the training range, or beyond k robust z-scores', () => {
    const values = Float64Array.of(1, 5, 10, 30, NaN, -2);
    const stats = { min: 0, max: 20, median: 4, mad: 2 };
    expect(Array.from(outlyingRecords(values, stats, { range: true }))).toEqual([0, 0, 0, 1, 0, 1]);
    // 1.4826 · 2 = 2.9652: |1 − 4| → 1.0117, |5 − 4| → 0.3372, |10 − 4| → 2.0235, |30 − 4| → 8.7684, |−2 − 4| → 2.0235
    expect(robustZ(10, 4, 2)).toBeCloseTo(6 / 2.9652, 12);
    expect(robustZ(30, 4, 2)).toBeCloseTo(8.76838, 5);
    expect(Array.from(outlyingRecords(values, stats, { range: false, zScore: 3 }))).toEqual([0, 0, 0, 1, 0, 0]);
    expect(Array.from(outlyingRecords(values, stats, { range: false, zScore: 2 }))).toEqual([0, 0, 1, 1, 0, 1]);
    // a MAD of 0 has no robust z-score: only the range is checked
    expect(Array.from(outlyingRecords(values, { min: -5, max: 40, median: 4, mad: 0 }, { range: true, zScore: 2 }))).toEqual([0, 0, 0, 0, 0, 0]);
    // a bundle without median and MAD: likewise
    expect(Array.from(outlyingRecords(values, { min: 0, max: 20 }, { range: false, zScore: 1 }))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('unseen: a category not in the training set; missing is not unseen', () => {
    expect(Array.from(unseenRecords(['Biscoe', 'Atlantis', null, 'Dream', ''], new Set(['Biscoe', 'Dream', 'Torgersen'])))).toEqual([0, 1, 0, 0, 1]);
  });

  it('low-observation: fewer training rows than asked', () => {
    expect(Array.from(lowObservationRecords(Float64Array.of(3, 10, 9.5, 40), 10))).toEqual([1, 0, 1, 0]);
  });
});
