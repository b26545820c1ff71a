import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { choosePlan, describeFitting, describePlan, sampleRows } from './validation-plan.js';

describe('choosePlan', () => {
  const base = { folds: 5, lanes: 2, foldTrainRows: 8000, holdoutRows: 2000, remainingSeconds: 24 };

  it("bags k folds when six candidates of the first one's cost fit in the time left", () => {
    const plan = choosePlan({ ...base, first: { seconds: 0.4, trainRows: 8000, cutShort: false } });
    expect(plan).toMatchObject({ kind: 'kfold', folds: 5 });
  });

  it('takes three folds when five do not fit but six candidates of three do', () => {
    // one fit 2 s: 3 rounds × 2 s × 6 = 36 s > 24 s; three folds: 2 rounds × 2 s × (6,667 / 8,000 rows) × 6 = 20 s
    const plan = choosePlan({ ...base, first: { seconds: 2, trainRows: 8000, cutShort: false } });
    expect(plan).toMatchObject({ kind: 'kfold', folds: 3 });
    expect(plan.reason).toMatch(/a 5-fold candidate would cost about 6\.0 s .*; a 3-fold one about 3\.3 s/);
  });

  it('falls back to a holdout on every training row when no k folds fit but a few fits do', () => {
    // one fit 2.5 s: three folds 2 × 2.5 × 0.83 × 6 = 25 s > 24 s, but 3 × 2.5 s fit
    const plan = choosePlan({ ...base, first: { seconds: 2.5, trainRows: 8000, cutShort: false } });
    expect(plan).toMatchObject({ kind: 'holdout', holdoutRows: 2000, trainRows: 8000 });
  });

  it('samples the training rows when even one fit on all of them is too dear, never below what the first candidate used', () => {
    // the first candidate ran 4 s on 2,000 rows and was cut short: a full fit ≈ 4/2000 × 8000 × 2 = 32 s
    const plan = choosePlan({ ...base, first: { seconds: 4, trainRows: 2000, cutShort: true } });
    expect(plan.kind).toBe('holdout');
    if (plan.kind !== 'holdout') return;
    expect(plan.trainRows).toBe(2000);
    const roomier = choosePlan({ ...base, remainingSeconds: 48, first: { seconds: 4, trainRows: 2000, cutShort: true } });
    expect(roomier).toMatchObject({ kind: 'holdout', trainRows: 4000 });
  });
});

describe('sampleRows', () => {
  it("keeps every row of a rare class and about each class's share of the rest", () => {
    const y = new Float64Array(10_000);
    for (let i = 0; i < 10_000; i++) y[i] = i < 8 ? 2 : i % 5 === 0 ? 1 : 0;
    const rows = Uint32Array.from({ length: 10_000 }, (_, i) => i);
    const sample = sampleRows(rows, y, 'multiclass', 1000, 3);
    const count = (c: number): number => sample.filter((r) => y[r] === c).length;
    expect(count(2)).toBe(8);
    expect(count(1)).toBeGreaterThan(180);
    expect(count(1)).toBeLessThan(220);
    expect(count(0)).toBeGreaterThan(760);
  });

  it('draws distinct rows of the input, in ascending order, the size asked (regression)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 400 }), fc.integer({ min: 0, max: 400 }), fc.integer(), (n, size, seed) => {
        const rows = Uint32Array.from({ length: n }, (_, i) => 3 * i);
        const sample = sampleRows(rows, new Float64Array(3 * n), 'regression', size, seed);
        expect(sample.length).toBe(Math.min(size, n));
        for (let i = 1; i < sample.length; i++) expect(sample[i]!).toBeGreaterThan(sample[i - 1]!);
        for (const r of sample) expect(r % 3).toBe(0);
      }),
    );
  });
});

describe('describeFitting', () => {
  const kfold = { kind: 'kfold' as const, folds: 5, reason: 'six candidates fit' };
  const member = (refit: boolean) => ({ id: 1, weight: 1, config: { kind: 'linear' as const, lambda: 1 }, models: ['m.json'], ...(refit ? { refit: { rows: 300 } } : {}) });
  it('says whether the members were refitted on all rows or their fold models bagged', () => {
    expect(describeFitting({ validation: kfold, trainingRows: 300, members: [member(true), member(true)] })).toBe('5-fold cross-validation, each member then refitted once on all 300 rows');
    expect(describeFitting({ validation: kfold, trainingRows: 300, members: [member(true), member(false)] })).toBe("5-fold cross-validation, 1 of 2 members then refitted on all 300 rows, the others' fold models bagged");
    expect(describeFitting({ validation: kfold, trainingRows: 300, members: [member(false)] })).toBe('5-fold cross-validation, fold models bagged');
    const holdout = { kind: 'holdout' as const, holdoutRows: 100, trainRows: 200, reason: 'one fit fits' };
    expect(describeFitting({ validation: holdout, trainingRows: 300, members: [member(false)] })).toBe(describePlan(holdout));
  });
});

