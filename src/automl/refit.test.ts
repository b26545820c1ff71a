import { describe, expect, it } from 'vitest';
import { binTable } from '../learn/index.js';
import type { ForestModel } from '../learn/forest.js';
import { makeFriedman } from '../learn/synthetic.js';
import { buildCvData } from './cv-data.js';
import { evaluateCandidate, type CandidateResult } from './evaluate-candidate.js';
import { makeFolds } from './folds.js';
import { metricFor } from './metrics.js';
import type { ModelConfig } from './model-config.js';
import { fullFold, refitMembers } from './refit.js';

const data = makeFriedman(400, 3);
const binned = binTable(data.table);
const cv = buildCvData('regression', 1, data.table, data.y, makeFolds(data.y, 'regression', 4, 1), binned);
const metric = metricFor('regression', undefined);
const configs: ModelConfig[] = [
  { kind: 'gbdt', learningRate: 0.1, maxLeaves: 15, maxDepth: 0, minDataInLeaf: 5, lambdaL2: 0, featureFraction: 1, baggingFraction: 1, maxRounds: 300, minSplitGain: 0 },
  { kind: 'forest', extraTrees: false, trees: 40, maxFeatures: 0.6, minDataInLeaf: 2 },
  { kind: 'linear', lambda: 1 },
];
const members: CandidateResult[] = configs.map((config, id) => {
  const outcome = evaluateCandidate(id, config, cv, metric, { seed: 5 });
  if (outcome.status !== 'done') throw new Error(`candidate ${id} did not finish`);
  return outcome.result;
});
const options = { task: 'regression' as const, numClasses: 1, seed: 5, foldTrainRows: cv.folds[0]!.trainIndex.length, searchLanes: 1 };

describe('refitMembers', () => {
  it('fits each member once on every row: boosting for its folds’ mean kept rounds, a forest for their trees', () => {
    const full = fullFold(cv, binned);
    const refits = refitMembers(members, full, cv.folds.length, options);
    for (const refit of refits) {
      expect(refit.models).toHaveLength(1);
      expect(refit.refit?.rows).toBe(400);
    }
    const kept = members[0]!.models.map((m) => (m as unknown as { bestIteration: number }).bestIteration);
    expect(refits[0]!.refit?.rounds).toBe(Math.round(kept.reduce((a, b) => a + b, 0) / kept.length));
    expect((refits[0]!.models[0] as unknown as { bestIteration: number }).bestIteration).toBe(refits[0]!.refit?.rounds);
    expect(refits[1]!.refit?.trees).toBe(40);
    expect((refits[1]!.models[0] as ForestModel).trees).toHaveLength(40);
    // the refitted models learnt the function: on the training rows they beat the out-of-fold error
    for (const [m, refit] of refits.entries()) {
      const predicted = refit.models[0]!.predict(data.table);
      const rmse = Math.sqrt(predicted.reduce((s, p, i) => s + (p - data.y[i]!) ** 2, 0) / predicted.length);
      expect(rmse).toBeLessThan(members[m]!.score);
    }
    // the same seed gives the same models
    const again = refitMembers(members, full, cv.folds.length, options);
    expect(again.map((r) => JSON.stringify(r.models[0]!.toJSON()))).toEqual(refits.map((r) => JSON.stringify(r.models[0]!.toJSON())));
  });

  it('keeps a member’s fold models when its refit would not end by the deadline', () => {
    const refits = refitMembers(members, fullFold(cv, binned), cv.folds.length, { ...options, deadline: Date.now() - 1 });
    refits.forEach((refit, m) => {
      expect(refit.models).toBe(members[m]!.models);
      expect(refit.refit).toBeUndefined();
    });
  });
});
