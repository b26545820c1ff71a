import { describe, expect, it } from 'vitest';
import { accuracy, argmaxLabels, rocAuc, Rng } from '../learn/index.js';
import { estimatedAuc, estimatePerformance } from './cbpe.js';

/*
 * Expected figures from NannyML's estimate_roc_auc written out in numpy (its source, December 2026):
 *   t = np.sort(p); TP = cumsum(t[::-1])[::-1]; FP = cumsum((1-t)[::-1])[::-1]
 *   FN = cumsum(insert(t,0,0)[:-1]); TN = cumsum(insert(1-t,0,0)[:-1]); keep distinct thresholds
 *   auc = -np.trapezoid(TP/(TP+FN), FP/(FP+TN))
 */
describe('CBPE (estimated performance)', () => {
  const binary = Array.from({ length: 40 }, (_, i) => ((i * 37) % 101) / 100);

  it('expected AUC and accuracy of a binary classifier, as NannyML computes them', () => {
    expect(estimatedAuc(binary)).toBeCloseTo(0.8402530622775605, 12);
    const proba = binary.flatMap((p) => [1 - p, p]);
    const estimate = estimatePerformance(proba, 2);
    expect(estimate.kind).toBe('estimated');
    expect(estimate.accuracy).toBeCloseTo(0.7555, 12);
    expect(estimate.auc).toBeCloseTo(0.8402530622775605, 12);
  });

  it('multiclass: mean top probability and the macro average of one-vs-rest expected AUCs', () => {
    const proba: number[] = [];
    for (let i = 0; i < 30; i++) {
      const raw = [((i * 7) % 11) + 1, ((i * 5) % 13) + 1, ((i * 3) % 7) + 1];
      const total = raw[0]! + raw[1]! + raw[2]!;
      proba.push(...raw.map((r) => r / total));
    }
    const estimate = estimatePerformance(proba, 3);
    expect(estimate.accuracy).toBeCloseTo(0.509142530166423, 12);
    expect(estimate.auc).toBeCloseTo(0.6878428213033166, 12);
  });

  it('on calibrated probabilities the estimate meets the realised figures (labels drawn from them)', () => {
    const rng = new Rng(7);
    const n = 20000;
    const p = Float64Array.from({ length: n }, () => rng.next());
    const y = Float64Array.from(p, (pi) => (rng.next() < pi ? 1 : 0));
    const proba = Float64Array.from({ length: 2 * n }, (_, j) => (j % 2 === 1 ? p[(j - 1) / 2]! : 1 - p[j / 2]!));
    const estimate = estimatePerformance(proba, 2);
    expect(Math.abs(estimate.accuracy - accuracy(y, argmaxLabels(proba, 2)))).toBeLessThan(0.01);
    expect(Math.abs(estimate.auc - rocAuc(y, p))).toBeLessThan(0.01);
  });
});
