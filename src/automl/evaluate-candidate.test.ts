import { describe, expect, it } from 'vitest';
import { binTable, type GbdtModel } from '../learn/index.js';
import { makeFriedman } from '../learn/synthetic.js';
import { buildCvData } from './cv-data.js';
import { evaluateCandidate } from './evaluate-candidate.js';
import { makeFolds } from './folds.js';
import { metricFor } from './metrics.js';
import type { ModelConfig } from './model-config.js';

describe('evaluateCandidate under a deadline', () => {
  const data = makeFriedman(6000, 7);
  const cv = buildCvData('regression', 1, data.table, data.y, makeFolds(data.y, 'regression', 3, 7), binTable(data.table));
  const metric = metricFor('regression', undefined);
  // a slow learner: thousands of rounds before early stopping would end it
  const slow: ModelConfig = { kind: 'gbdt', learningRate: 0.002, maxLeaves: 31, maxDepth: 0, minDataInLeaf: 5, lambdaL2: 0, featureFraction: 1, baggingFraction: 1, maxRounds: 2000, minSplitGain: 0 };

  it('cuts a fold that runs far past its expected time short and keeps the candidate, instead of dropping it', () => {
    const outcome = evaluateCandidate(1, slow, cv, metric, { seed: 3, deadline: Date.now() + 120_000, expectedFoldSeconds: 0.02 });
    expect(outcome.status).toBe('done');
    if (outcome.status !== 'done') return;
    expect(outcome.result.models).toHaveLength(3);
    for (const model of outcome.result.models) expect((model as GbdtModel).bestIteration).toBeLessThan(2000);
    expect(Number.isFinite(outcome.result.score)).toBe(true);
  });

  it('without a deadline (a fixed number of trials) fits every round, whatever was expected', () => {
    const quick: ModelConfig = { ...slow, learningRate: 0.3, maxRounds: 40 };
    const outcome = evaluateCandidate(1, quick, cv, metric, { seed: 3, expectedFoldSeconds: 1e-6 });
    expect(outcome.status).toBe('done');
    if (outcome.status !== 'done') return;
    for (const model of outcome.result.models) expect((model as GbdtModel).bestIteration).toBeGreaterThan(1);
  });
});
