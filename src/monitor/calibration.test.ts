import { describe, expect, it } from 'vitest';
import { accuracy, argmaxLabels, expectedCalibrationError, logLoss, reliabilityBins, Rng } from '../learn/index.js';
import { calibrate, checkCalibration, describeCalibration, fitCalibrator } from './calibration.js';
import { estimatePerformance } from './cbpe.js';

const logit = (p: number) => Math.log(p / (1 - p));
const binary = (p1: readonly number[]) => Float64Array.from(p1.flatMap((p) => [1 - p, p]));

describe('expected calibration error', () => {
  it('weighs each bin’s gap between confidence and hits by its rows (hand-computed)', () => {
    // top label: conf .95 right, .92 wrong (bin 9: mean .935, observed .5), .65 right and .62 wrong
    // (bin 6: mean .635, observed .5), .7 wrong (bin 7) → (2·.435 + 2·.135 + 1·.7) / 5 = 0.368
    const y = Float64Array.of(0, 0, 1, 1, 0);
    const proba = binary([0.05, 0.92, 0.65, 0.3, 0.62]);
    expect(expectedCalibrationError(y, proba, 2, 10)).toBeCloseTo(0.368, 12);
    expect(reliabilityBins(Float64Array.of(0.95, 0.92, 0.65, 0.7, 0.62), Float64Array.of(1, 0, 1, 0, 0), 10).map((b) => [b.lower, b.rows])).toEqual([
      [0.6, 2],
      [0.7, 1],
      [0.9, 2],
    ]);
    // multiclass: the top class of each row, the first one on a tie ([.4, .4, .2] predicts class 0)
    const three = Float64Array.of(0.4, 0.4, 0.2, 0.1, 0.2, 0.7);
    // bin 6 (.4, right) and bin 10 (.7, wrong) with 10 bins: (|1 − .4| + |0 − .7|) / 2
    expect(expectedCalibrationError(Float64Array.of(0, 0), three, 3, 10)).toBeCloseTo(0.65, 12);
    // a probability of exactly 1 falls in the last bin
    expect(expectedCalibrationError(Float64Array.of(1), binary([1]), 2, 15)).toBe(0);
  });
});

describe('calibrators fitted on the holdout', () => {
  it('Platt scaling: with two distinct scores the fit gives each group its observed share (hand-computed)', () => {
    // ten rows scored .8 with 6 positives, ten scored .2 with 1: the maximum likelihood σ(a·z + b) is .6 and .1
    const p1 = [...Array<number>(10).fill(0.8), ...Array<number>(10).fill(0.2)];
    const y = Float64Array.from([1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const fitted = fitCalibrator(y, binary(p1), 2);
    if (fitted.kind !== 'platt') throw new Error('binary is Platt scaling');
    expect(fitted.slope).toBeCloseTo((logit(0.6) - logit(0.1)) / (2 * Math.log(4)), 5);
    expect(fitted.intercept).toBeCloseTo((logit(0.6) + logit(0.1)) / 2, 5);
    const rescaled = calibrate(fitted, binary([0.8, 0.2]), 2);
    expect(Array.from(rescaled).map((v) => Number(v.toFixed(5)))).toEqual([0.4, 0.6, 0.9, 0.1]);
  });

  it('temperature scaling: shares that are the scores squared give T = ½ (hand-computed), keeping each row’s order', () => {
    // every row scored [.5, .25, .25]; classes seen 4, 1, 1 times of 6 = [.5², .25², .25²] / .375
    const proba = Float64Array.from(Array.from({ length: 6 }, () => [0.5, 0.25, 0.25]).flat());
    const y = Float64Array.of(0, 0, 0, 0, 1, 2);
    const fitted = fitCalibrator(y, proba, 3);
    if (fitted.kind !== 'temperature') throw new Error('multiclass is temperature scaling');
    expect(fitted.temperature).toBeCloseTo(0.5, 5);
    const rescaled = calibrate(fitted, Float64Array.of(0.5, 0.25, 0.25, 0.2, 0.3, 0.5), 3);
    expect(rescaled[0]).toBeCloseTo(2 / 3, 5);
    expect(rescaled[3]! + rescaled[4]! + rescaled[5]!).toBeCloseTo(1, 12);
    expect(Array.from(argmaxLabels(rescaled, 3))).toEqual([0, 2]);
    // the fit lowers the log loss it minimises
    expect(logLoss(y, calibrate(fitted, proba, 3), 3)).toBeLessThan(logLoss(y, proba, 3));
  });

  it('CBPE with a calibrator: each row keeps the class the model predicts, with the rescaled chance of being right', () => {
    // Platt moving .6 to .4: the model still says the positive class, now right 40 % of the time
    const calibrator = { kind: 'platt' as const, slope: 1, intercept: logit(0.4) - logit(0.6) };
    const estimate = estimatePerformance(binary([0.6, 0.6]), 2, calibrator);
    expect(estimate.accuracy).toBeCloseTo(0.4, 12);
    expect(estimate.uncalibrated?.accuracy).toBeCloseTo(0.6, 12);
    expect(estimatePerformance(binary([0.6, 0.6]), 2).uncalibrated).toBeUndefined();
  });
});

/** Labels drawn from true probabilities; the model reports them sharpened (overconfident) when `power` > 1. */
function sample(rng: Rng, n: number, k: number, power: number): { y: Float64Array; proba: Float64Array } {
  const y = new Float64Array(n);
  const proba = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const raw = Array.from({ length: k }, () => rng.next() ** 2 + 0.02);
    const total = raw.reduce((a, b) => a + b, 0);
    const truth = raw.map((r) => r / total);
    let u = rng.next();
    let label = k - 1;
    for (let c = 0; c < k; c++) {
      if (u < truth[c]!) {
        label = c;
        break;
      }
      u -= truth[c]!;
    }
    y[i] = label;
    const sharp = truth.map((t) => t ** power);
    const sum = sharp.reduce((a, b) => a + b, 0);
    sharp.forEach((s, c) => (proba[i * k + c] = s / sum));
  }
  return { y, proba };
}

describe('the check on a holdout', () => {
  it('passes calibrated probabilities, and keeps CBPE on them', () => {
    for (const k of [2, 4]) {
      const { y, proba } = sample(new Rng(k), 2000, k, 1);
      const check = checkCalibration(y, proba, k);
      expect(check).toMatchObject({ rows: 2000, bins: 15, calibrated: true, calibrator: null, eceAfter: null });
      expect(check.ece).toBeLessThanOrEqual(check.bound);
      expect(describeCalibration(check)).toMatch(/^calibrated: ECE 0\.0\d\d on 2000 holdout rows/);
    }
  });

  it('finds overconfident probabilities miscalibrated, and the calibrator fitted on the holdout brings CBPE to the realised accuracy on new rows', () => {
    for (const k of [2, 4]) {
      const rng = new Rng(100 + k);
      const holdout = sample(rng, 2000, k, 2.5);
      const check = checkCalibration(holdout.y, holdout.proba, k);
      expect(check.calibrated).toBe(false);
      expect(check.calibrator?.kind).toBe(k === 2 ? 'platt' : 'temperature');
      expect(check.eceAfter!).toBeLessThan(check.ece / 2);
      expect(describeCalibration(check)).toMatch(/^miscalibrated: ECE 0\.\d{3} on 2000 holdout rows .* rescaled by (Platt|temperature) scaling/);
      // new rows from the same world: the model's own probabilities overestimate, the rescaled ones do not
      const current = sample(rng, 5000, k, 2.5);
      const realised = accuracy(current.y, argmaxLabels(current.proba, k));
      const estimate = estimatePerformance(current.proba, k, check.calibrator);
      expect(estimate.uncalibrated!.accuracy - realised).toBeGreaterThan(0.04);
      expect(Math.abs(estimate.accuracy - realised)).toBeLessThan(0.015);
    }
  });

  it('leaves out rows with a missing probability or an unknown class', () => {
    const check = checkCalibration(Float64Array.of(0, 1, 5), Float64Array.of(0.5, 0.5, Number.NaN, 1, 0.2, 0.8), 2);
    expect(check.rows).toBe(1);
  });
});
