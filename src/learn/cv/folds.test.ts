import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, UsageError } from '../../common/index.js';
import type { FeatureTable } from '../types.js';
import { groupKFold, kFold, outOfFold, stratifiedKFold, timeSeriesSplit, type Fold } from './index.js';

/** Every row is validated exactly once, and trained on in every other fold. */
function expectPartition(folds: readonly Fold[], rows: number): void {
  const seen = new Uint8Array(rows);
  for (const fold of folds) {
    expect(fold.train.length + fold.valid.length).toBe(rows);
    const inValid = new Uint8Array(rows);
    for (const r of fold.valid) {
      inValid[r] = 1;
      seen[r] = seen[r]! + 1;
    }
    for (const r of fold.train) expect(inValid[r]).toBe(0);
  }
  expect(Array.from(seen).every((c) => c === 1)).toBe(true);
}

describe('kFold', () => {
  it('partitions the rows into folds of nearly equal size, the same for a seed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 10 }), fc.integer({ min: 0, max: 200 }), fc.integer(), (k, extra, seed) => {
        const rows = k + extra;
        const folds = kFold(rows, k, { seed });
        expect(folds).toHaveLength(k);
        expectPartition(folds, rows);
        const sizes = folds.map((f) => f.valid.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(kFold(rows, k, { seed })).toEqual(folds);
      }),
    );
    expect(kFold(100, 5, { seed: 1 })).not.toEqual(kFold(100, 5, { seed: 2 }));
  });

  it('rejects impossible fold counts', () => {
    expect(() => kFold(3, 5)).toThrow(DataError);
    expect(() => kFold(30, 1)).toThrow(UsageError);
  });
});

describe('stratifiedKFold', () => {
  it('keeps each class’s count within one row of its share in every fold', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 10, maxLength: 300 }), fc.integer({ min: 2, max: 10 }), fc.integer(), (labels, k, seed) => {
        const y = Float64Array.from(labels);
        const folds = stratifiedKFold(y, k, { seed });
        expectPartition(folds, y.length);
        for (let c = 0; c <= 3; c++) {
          const total = labels.filter((v) => v === c).length;
          for (const fold of folds) {
            const count = Array.from(fold.valid).filter((r) => y[r] === c).length;
            expect(Math.abs(count - total / k)).toBeLessThan(1);
          }
        }
      }),
    );
  });
});

describe('groupKFold', () => {
  it('never splits a group', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 40, maxLength: 300 }), fc.integer({ min: 2, max: 5 }), fc.integer(), (groups, k, seed) => {
        if (new Set(groups).size < k) return;
        const folds = groupKFold(groups, k, { seed });
        expectPartition(folds, groups.length);
        for (const fold of folds) {
          const validGroups = new Set(Array.from(fold.valid, (r) => groups[r]));
          for (const r of fold.train) expect(validGroups.has(groups[r]!)).toBe(false);
        }
      }),
    );
    expect(() => groupKFold(['a', 'a', 'b'], 3)).toThrow(/3 folds from 2 groups/);
  });

  it('accepts string groups', () => {
    const groups = ['x', 'y', 'x', 'z', 'y', 'z', 'w', 'w'];
    const folds = groupKFold(groups, 4, { seed: 3 });
    for (const fold of folds) expect(new Set(Array.from(fold.valid, (r) => groups[r])).size).toBe(1);
  });
});

describe('timeSeriesSplit', () => {
  it('validates only on rows later than every training row, with expanding windows', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 30, maxLength: 200 }), fc.integer({ min: 2, max: 4 }), (timesList, k) => {
        const times = Float64Array.from(timesList);
        let folds: Fold[];
        try {
          folds = timeSeriesSplit(times, k);
        } catch (error) {
          // only when ties make a block empty
          expect(error).toBeInstanceOf(DataError);
          return;
        }
        expect(folds).toHaveLength(k);
        let previousTrain = 0;
        for (const fold of folds) {
          const trainMax = Math.max(...Array.from(fold.train, (r) => times[r]!));
          const validMin = Math.min(...Array.from(fold.valid, (r) => times[r]!));
          expect(validMin).toBeGreaterThan(trainMax);
          expect(fold.train.length).toBeGreaterThan(previousTrain);
          previousTrain = fold.train.length;
        }
      }),
    );
  });

  it('leaves a gap between training and validation', () => {
    const times = Float64Array.from({ length: 20 }, (_, i) => 19 - i);
    const folds = timeSeriesSplit(times, 3, { gap: 2 });
    // sorted by time the rows are 19, 18, …, 0; blocks of 5
    expect(Array.from(folds[0]!.train)).toEqual([15, 16, 17, 18, 19]);
    expect(Array.from(folds[0]!.valid)).toEqual([10, 11, 12]);
    expect(Array.from(folds[2]!.valid)).toEqual([0, 1, 2]);
  });
});

describe('outOfFold', () => {
  it('predicts every row with the model of the fold that left it out', () => {
    const n = 23;
    const table: FeatureTable = { rows: n, columns: [{ name: 'x', type: 'numeric', values: Float64Array.from({ length: n }, (_, i) => i) }] };
    const y = Float64Array.from({ length: n }, (_, i) => i * 10);
    const folds = kFold(n, 4, { seed: 5 });
    const seenTrainRows: number[][] = [];
    // "model": remembers the training x values; predicts (fold, whether x was in training)
    const oof = outOfFold(
      (train, yTrain, valid, fold) => {
        const trained = new Set(train.columns[0]!.values);
        seenTrainRows.push(Array.from(yTrain, (v) => v / 10));
        return Float64Array.from(Array.from(valid.columns[0]!.values).flatMap((x) => [fold, trained.has(x) ? 1 : 0]));
      },
      table,
      y,
      folds,
    );
    expect(oof).toHaveLength(2 * n);
    folds.forEach((fold, f) => {
      expect(seenTrainRows[f]).toEqual(Array.from(fold.train));
      for (const r of fold.valid) {
        expect(oof[2 * r]).toBe(f);
        expect(oof[2 * r + 1]).toBe(0);
      }
    });
  });

  it('leaves rows no fold validates as NaN', () => {
    const table: FeatureTable = { rows: 9, columns: [] };
    const oof = outOfFold((_t, _y, valid) => new Float64Array(valid.rows).fill(1), table, new Float64Array(9), timeSeriesSplit(Float64Array.from({ length: 9 }, (_, i) => i), 2));
    expect(Array.from(oof.subarray(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(oof.subarray(3))).toEqual([1, 1, 1, 1, 1, 1]);
  });
});
