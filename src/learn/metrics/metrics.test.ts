import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../common/index.js';
import { accuracy, argmaxLabels, balancedAccuracy, chooseThreshold, confusionMatrix, f1Score, logLoss, mae, mape, multiclassAuc, precision, r2, recall, rmse, rocAuc } from './index.js';

const f64 = (values: number[]): Float64Array => Float64Array.from(values);

describe('hand-computed values', () => {
  it('AUC counts tied scores one half', () => {
    // pairs (positive, negative): 0.4>0.1, 0.4=0.4 (½), 0.8>0.1, 0.8>0.4 → 3.5 / 4
    expect(rocAuc(f64([0, 1, 0, 1]), f64([0.1, 0.4, 0.4, 0.8]))).toBe(0.875);
    expect(rocAuc(f64([0, 0, 1, 1]), f64([0.5, 0.5, 0.5, 0.5]))).toBe(0.5);
    expect(rocAuc(f64([1, 1, 0, 0]), f64([0.9, 0.8, 0.2, 0.1]))).toBe(1);
    expect(rocAuc(f64([1, 1]), f64([0.9, 0.8]))).toBeNaN();
  });

  it('log loss is clipped', () => {
    expect(logLoss(f64([1, 0]), f64([0.5, 0.5, 0.5, 0.5]), 2)).toBeCloseTo(Math.log(2), 14);
    expect(logLoss(f64([1]), f64([1, 0]), 2)).toBeCloseTo(-Math.log(1e-15), 6);
  });

  it('confusion matrix, accuracy, precision, recall, F1', () => {
    const y = f64([1, 1, 1, 0, 0, 0, 0]);
    const p = f64([1, 1, 0, 1, 0, 0, 0]);
    expect(Array.from(confusionMatrix(y, p).counts)).toEqual([3, 1, 1, 2]);
    expect(accuracy(y, p)).toBe(5 / 7);
    expect(precision(y, p)).toBe(2 / 3);
    expect(recall(y, p)).toBe(2 / 3);
    expect(f1Score(y, p)).toBe(2 / 3);
    expect(balancedAccuracy(y, p)).toBeCloseTo((2 / 3 + 3 / 4) / 2, 15);
    // a class never predicted gets precision 0, not NaN
    expect(precision(f64([1, 0]), f64([0, 0]))).toBe(0);
  });

  it('regression errors', () => {
    const y = f64([1, 2, 3, 4]);
    const p = f64([2, 2, 3, 2]);
    expect(rmse(y, p)).toBeCloseTo(Math.sqrt(5 / 4), 15);
    expect(mae(y, p)).toBe(3 / 4);
    expect(r2(y, p)).toBeCloseTo(1 - 5 / 5, 15);
    expect(mape(y, p)).toBeCloseTo((1 + 0 + 0 + 0.5) / 4, 15);
    expect(r2(f64([2, 2]), f64([2, 2]))).toBe(1);
  });

  it('threshold choice maximises F1 or balanced accuracy', () => {
    const y = f64([0, 0, 1, 1, 0, 1]);
    const s = f64([0.1, 0.2, 0.3, 0.6, 0.7, 0.9]);
    // calling the four highest positive: TP 3, FP 1, FN 0 → F1 6/7; TPR 1, TNR 2/3
    expect(chooseThreshold(y, s, 'f1')).toEqual({ threshold: 0.25, value: 6 / 7 });
    const balanced = chooseThreshold(y, s, 'balancedAccuracy');
    expect(balanced.threshold).toBe(0.25);
    expect(balanced.value).toBeCloseTo(5 / 6, 15);
  });

  it('rejects predictions of the wrong length', () => {
    expect(() => rocAuc(f64([0, 1]), f64([0.5]))).toThrow(InputError);
    expect(() => logLoss(f64([0, 1]), f64([0.5, 0.5]), 2)).toThrow(/log loss/);
  });
});

describe('values computed with scikit-learn 1.2.1 (/usr/bin/python3)', () => {
  it('AUC and log loss', () => {
    const y = f64([0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 0]);
    const s = f64([0.1, 0.8, 0.8, 0.3, 0.35, 0.8, 0.2, 0.9, 0.35, 0.35, 0.6, 0.05]);
    expect(rocAuc(y, s)).toBeCloseTo(0.8611111111111112, 14);
    const proba = new Float64Array(24);
    s.forEach((v, i) => {
      proba[2 * i] = 1 - v;
      proba[2 * i + 1] = v;
    });
    expect(logLoss(y, proba, 2)).toBeCloseTo(0.4949008854062054, 14);
    const yk = f64([0, 1, 2, 2, 1, 0, 2, 1, 0, 2]);
    const pk = f64([0.7, 0.2, 0.1, 0.1, 0.6, 0.3, 0.2, 0.2, 0.6, 0.5, 0.1, 0.4, 0.3, 0.3, 0.4, 0.6, 0.3, 0.1, 0.0, 0.1, 0.9, 0.2, 0.5, 0.3, 0.4, 0.4, 0.2, 0.1, 0.8, 0.1]);
    expect(logLoss(yk, pk, 3)).toBeCloseTo(0.8026798872522768, 14);
    expect(multiclassAuc(yk, pk, 3)).toBeCloseTo(0.8363095238095237, 14);
    expect(Array.from(argmaxLabels(pk, 3))).toEqual([0, 1, 2, 0, 2, 0, 2, 1, 0, 1]);
  });

  it('label metrics, binary and macro', () => {
    const yt = f64([0, 1, 2, 2, 1, 0, 2, 1, 0, 2, 1, 1]);
    const yp = f64([0, 2, 2, 1, 1, 0, 2, 0, 0, 2, 1, 2]);
    expect(accuracy(yt, yp)).toBeCloseTo(0.6666666666666666, 15);
    expect(balancedAccuracy(yt, yp)).toBeCloseTo(0.7166666666666667, 15);
    expect(f1Score(yt, yp, { average: 'macro' })).toBeCloseTo(0.6746031746031745, 15);
    expect(precision(yt, yp, { average: 'macro' })).toBeCloseTo(0.6722222222222222, 15);
    expect(recall(yt, yp, { average: 'macro' })).toBeCloseTo(0.7166666666666667, 15);
    expect(Array.from(confusionMatrix(yt, yp).counts)).toEqual([3, 0, 0, 1, 2, 2, 0, 1, 3]);
    const yb = yt.map((v) => (v === 1 ? 1 : 0));
    const pb = yp.map((v) => (v === 1 ? 1 : 0));
    expect(f1Score(yb, pb)).toBeCloseTo(0.5, 15);
    expect(precision(yb, pb)).toBeCloseTo(0.6666666666666666, 15);
    expect(recall(yb, pb)).toBeCloseTo(0.4, 15);
    // macro: a class neither present nor predicted is left out (scikit-learn's labels), one predicted but absent scores 0
    expect(f1Score(f64([0, 1, 0, 1]), f64([0, 1, 0, 1]), { average: 'macro', numClasses: 3 })).toBe(1);
    expect(f1Score(f64([0, 0, 0, 0]), f64([0, 1, 0, 0]), { average: 'macro', numClasses: 3 })).toBeCloseTo((6 / 7 + 0) / 2, 15);
  });

  it('regression metrics', () => {
    const y = f64([3.0, -0.5, 2.0, 7.0, 4.2]);
    const p = f64([2.5, 0.0, 2.0, 8.0, 3.9]);
    expect(rmse(y, p)).toBeCloseTo(0.5639148871948674, 14);
    expect(mae(y, p)).toBeCloseTo(0.46, 14);
    expect(r2(y, p)).toBeCloseTo(0.9480256276150627, 14);
    expect(mape(y, p)).toBeCloseTo(0.2761904761904762, 14);
  });
});

describe('properties', () => {
  const labelledScores = fc
    .array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 20 })), { minLength: 2, maxLength: 60 })
    .map((rows) => ({ y: f64(rows.map((r) => r[0])), s: f64(rows.map((r) => r[1] / 20)) }));

  it('AUC equals the pairwise count of correctly ordered pairs', () => {
    fc.assert(
      fc.property(labelledScores, ({ y, s }) => {
        let wins = 0;
        let pairs = 0;
        for (let i = 0; i < y.length; i++) {
          for (let j = 0; j < y.length; j++) {
            if (y[i] === 1 && y[j] === 0) {
              pairs++;
              wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
            }
          }
        }
        const auc = rocAuc(y, s);
        if (pairs === 0) expect(auc).toBeNaN();
        else expect(auc).toBeCloseTo(wins / pairs, 12);
      }),
    );
  });

  it('the chosen threshold gives the reported value, and no cut does better', () => {
    fc.assert(
      fc.property(labelledScores, fc.constantFrom('f1' as const, 'balancedAccuracy' as const), ({ y, s }, criterion) => {
        const score = (labels: Float64Array): number => (criterion === 'f1' ? f1Score(y, labels) : balancedAccuracy(y, labels, 2));
        const choice = chooseThreshold(y, s, criterion);
        expect(score(s.map((v) => (v >= choice.threshold ? 1 : 0)))).toBeCloseTo(choice.value, 12);
        for (const cut of s) expect(score(s.map((v) => (v >= cut ? 1 : 0)))).toBeLessThanOrEqual(choice.value + 1e-12);
      }),
    );
  });
});
