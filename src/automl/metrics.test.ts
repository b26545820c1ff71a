import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../common/index.js';
import { METRICS, checkScorable, metricFor } from './metrics.js';

const y = Float64Array.from([0, 0, 1, 1]);
const twoCol = (p1: number[]) => Float64Array.from(p1.flatMap((p) => [1 - p, p]));

describe('metrics', () => {
  it('computes AUC with ties counted half', () => {
    expect(METRICS.auc.score(y, twoCol([0.1, 0.4, 0.35, 0.8]), 2)).toBeCloseTo(0.75, 12);
    expect(METRICS.auc.score(y, twoCol([0.5, 0.5, 0.5, 0.5]), 2)).toBeCloseTo(0.5, 12);
    expect(METRICS.auc.score(y, twoCol([0.1, 0.2, 0.3, 0.4]), 2)).toBe(1);
  });

  it('leaves AUC undefined (NaN) on one class, and refuses such rows before a search', () => {
    const one = Float64Array.from([1, 1, 1]);
    expect(METRICS.auc.score(one, twoCol([0.2, 0.5, 0.9]), 2)).toBeNaN();
    expect(() => checkScorable(METRICS.auc, one)).toThrow(DataError);
    expect(() => checkScorable(METRICS.auc, y)).not.toThrow();
    expect(() => checkScorable(METRICS.logloss, one)).not.toThrow();
  });

  it('computes log loss, accuracy and F1', () => {
    const p = twoCol([0.2, 0.4, 0.6, 0.9]);
    const expected = -(Math.log(0.8) + Math.log(0.6) + Math.log(0.6) + Math.log(0.9)) / 4;
    expect(METRICS.logloss.score(y, p, 2)).toBeCloseTo(expected, 12);
    expect(METRICS.accuracy.score(y, p, 2)).toBe(1);
    expect(METRICS.f1.score(y, twoCol([0.2, 0.6, 0.6, 0.9]), 2)).toBeCloseTo(0.8, 12);
  });

  it('computes RMSE, MAE and R²', () => {
    const t = Float64Array.from([1, 2, 3]);
    const p = Float64Array.from([1, 2, 5]);
    expect(METRICS.rmse.score(t, p, 1)).toBeCloseTo(Math.sqrt(4 / 3), 12);
    expect(METRICS.mae.score(t, p, 1)).toBeCloseTo(2 / 3, 12);
    expect(METRICS.r2.score(t, p, 1)).toBeCloseTo(1 - 4 / 2, 12);
  });

  it('picks the defaults and refuses a metric that does not fit the task', () => {
    expect(metricFor('binary', undefined).name).toBe('auc');
    expect(metricFor('multiclass', undefined).name).toBe('logloss');
    expect(metricFor('regression', undefined).name).toBe('rmse');
    expect(() => metricFor('regression', 'auc')).toThrow(UsageError);
    expect(() => metricFor('binary', 'nope')).toThrow(/unknown metric/);
  });
});
