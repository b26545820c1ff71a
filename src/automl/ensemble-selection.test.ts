import { describe, expect, it } from 'vitest';
import { pruneForCost, selectEnsemble } from './ensemble-selection.js';
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

  it('past its deadline, stops after the first round with the best single model', () => {
    const y = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const high = Float64Array.from(y, (v, i) => v + (i % 2 ? 1 : -1));
    const low = Float64Array.from(y, (v, i) => v - (i % 2 ? 1.1 : -1.1));
    const late = selectEnsemble([high, low], y, 1, METRICS.rmse, { deadline: Date.now() - 1 });
    expect(late.members).toEqual([{ candidate: 0, weight: 1 }]);
    expect(late.score).toBeCloseTo(1, 12);
    const blended = selectEnsemble([high, low], y, 1, METRICS.rmse, { deadline: Date.now() + 60_000 });
    expect(blended.members.length).toBe(2);
  });
});

describe('pruneForCost', () => {
  const y = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  const high = Float64Array.from(y, (v, i) => v + (i % 2 ? 1 : -1));
  const low = Float64Array.from(y, (v, i) => v - (i % 2 ? 1 : -1));
  // a near copy of the blend of the two: what it adds is within the tolerance
  const middle = Float64Array.from(y, (v, i) => v + (i === 0 ? 1e-3 : 0));
  const blended = Float64Array.from(y, (_, i) => 0.4 * high[i]! + 0.4 * low[i]! + 0.2 * middle[i]!);
  const selection = { members: [{ candidate: 0, weight: 0.4 }, { candidate: 1, weight: 0.2 }, { candidate: 2, weight: 0.4 }], score: METRICS.rmse.score(y, blended, 1) };

  it('drops the dearest member the blend does as well without, and keeps one whose errors the others need', () => {
    const pruned = pruneForCost(selection, [high, middle, low], y, 1, METRICS.rmse, [1, 50, 40], 0.01);
    expect(pruned.dropped).toEqual([1]);
    expect(pruned.members).toEqual([{ candidate: 0, weight: 0.5 }, { candidate: 2, weight: 0.5 }]);
    expect(pruned.score).toBeCloseTo(0, 12);
  });

  it('keeps every member when each one matters, and at least one always', () => {
    const pair = { members: [{ candidate: 0, weight: 0.5 }, { candidate: 2, weight: 0.5 }], score: 0 };
    expect(pruneForCost(pair, [high, middle, low], y, 1, METRICS.rmse, [1, 50, 40], 0.01).dropped).toEqual([]);
    const one = { members: [{ candidate: 0, weight: 1 }], score: METRICS.rmse.score(y, high, 1) };
    expect(pruneForCost(one, [high], y, 1, METRICS.rmse, [99], 1).members).toEqual([{ candidate: 0, weight: 1 }]);
  });
});
