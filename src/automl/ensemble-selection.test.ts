import { describe, expect, it } from 'vitest';
import { selectEnsemble } from './ensemble-selection.js';
import { METRICS } from './metrics.js';

describe('selectEnsemble', () => {
  it('blends two models whose errors cancel, and leaves out a useless one', () => {
    const y = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const high = Float64Array.from(y, (v, i) => v + (i % 2 ? 1 : -1));
    const low = Float64Array.from(y, (v, i) => v - (i % 2 ? 1 : -1));
    const flat = new Float64Array(6).fill(3.5);
    const selection = selectEnsemble([flat, high, low], y, 1, METRICS.rmse);
    expect(selection.score).toBeCloseTo(0, 12);
    expect(selection.members).toEqual([
      { candidate: 1, weight: 0.5 },
      { candidate: 2, weight: 0.5 },
    ]);
  });

  it('is the single best model when blending does not help', () => {
    const y = Float64Array.from([0, 1, 0, 1]);
    const good = Float64Array.from([0.9, 0.1, 0.2, 0.8, 0.7, 0.3, 0.1, 0.9]);
    const bad = Float64Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const selection = selectEnsemble([bad, good], y, 2, METRICS.logloss);
    expect(selection.members).toEqual([{ candidate: 1, weight: 1 }]);
    expect(selection.score).toBeCloseTo(METRICS.logloss.score(y, good, 2), 12);
  });
});
