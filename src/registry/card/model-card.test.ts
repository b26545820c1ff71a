import { describe, expect, it } from 'vitest';
import { limitationNotes } from './model-card.js';

const base = { rows: 50_000, table: 'sales', target: 'price', confusion: null, schema: [], holdout: null, treeMembers: 0, driftChecks: 1 } as const;
const column = (name: string, missingShare: number) => ({ name, kind: 'number', role: 'numeric', missingShare });

describe('a model card\'s notes on what the model may get wrong', () => {
  it('says nothing of a large, checked model with no rare class and no missing column', () => {
    expect(limitationNotes({ ...base, schema: [column('area', 0.49)] })).toEqual([]);
  });

  it('names a small sample, each rare class, each mostly missing column, and that no drift check ran yet', () => {
    const confusion = { classes: ['ok', 'fraud', 'churn'], counts: [[900, 30], [10, 9], [0, 1]] };
    expect(limitationNotes({ ...base, rows: 940, confusion, schema: [column('area', 0.5), column('rooms', 0.1)], driftChecks: 0 })).toEqual([
      'Trained on 940 rows, a small sample: the intervals are wide and cases rare in it are barely learnt.',
      'Class fraud has 19 held-out examples: its predictions and their figures are the least reliable.',
      'Class churn has 1 held-out example: its predictions and their figures are the least reliable.',
      'area was missing in 50% of the training rows: the model learnt little from it.',
      'Not checked for drift yet: no newer snapshot of sales and no logged prediction of this version has been compared with its training rows.',
    ]);
  });

  it('bounds a regression with tree members by the target values training saw', () => {
    const holdout = { kind: 'out-of-fold' as const, rows: [0, 1, 2], y: [12.5, 300, 41], predictions: [10, 290, 40], classes: [] };
    expect(limitationNotes({ ...base, holdout, treeMembers: 2 })).toEqual(['The tree members predict no price outside what training saw (12.5 to 300): values beyond it come out near its edge.']);
    expect(limitationNotes({ ...base, holdout, treeMembers: 0 })).toEqual([]);
    // one held-out part is not every training row: no range is claimed
    expect(limitationNotes({ ...base, holdout: { ...holdout, kind: 'holdout' }, treeMembers: 1 })).toEqual(['The tree members predict no price outside what training saw: values beyond it come out near its edge.']);
  });
});
