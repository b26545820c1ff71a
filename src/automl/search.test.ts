import { describe, expect, it } from 'vitest';
import { binTable } from '../learn/index.js';
import { makeFriedman } from '../learn/synthetic.js';
import { buildCvData } from './cv-data.js';
import { makeFolds } from './folds.js';
import { metricFor } from './metrics.js';
import { runSearch } from './search.js';

describe('runSearch', () => {
  it('keeps at most 30 candidates in memory on a long search, and blends only those', () => {
    const data = makeFriedman(120, 5);
    const folds = makeFolds(data.y, 'regression', 3, 1);
    const cv = buildCvData('regression', 1, data.table, data.y, folds, binTable(data.table));
    const result = runSearch(cv, { metric: metricFor('regression', undefined), seed: 1, trials: 36, startedAt: Date.now() });
    // 36 models, and the prior beside them
    expect(result.candidates.length + result.skipped).toBe(37);
    const holding = result.candidates.filter((c) => c.models.length > 0);
    expect(result.candidates.length).toBeGreaterThan(30);
    expect(holding.length).toBe(30);
    for (const c of result.candidates) expect(c.oof.length === 0).toBe(c.models.length === 0);
    for (const m of result.ensemble.members) expect(result.candidates[m.candidate]!.models.length).toBeGreaterThan(0);
    // the best candidate always stays
    const best = [...result.candidates].sort((a, b) => a.score - b.score)[0]!;
    expect(best.models.length).toBeGreaterThan(0);
  });
});
