import { binnedCalibrationError, minimizeLbfgs, Rng, topLabel } from '../learn/index.js';

/**
 * CBPE trusts a model's probabilities; before it does, they are checked on the model's holdout
 * (its out-of-sample predictions, `holdout.json`), and rescaled when they are off — as NannyML
 * calibrates on its reference data. A fitted calibrator is plain JSON: a result can say what it was.
 */

/** Binary: Platt scaling of the positive class's log-odds; multiclass: one temperature over the log-probabilities. */
export type Calibrator =
  | { readonly kind: 'platt'; readonly slope: number; readonly intercept: number }
  | { readonly kind: 'temperature'; readonly temperature: number };

export interface CalibrationCheck {
  /** holdout rows with finite probabilities and a known class */
  readonly rows: number;
  readonly bins: number;
  /** top-label expected calibration error of the model's own probabilities */
  readonly ece: number;
  /** the ECE a perfectly calibrated model with these confidences stays under 95 % of the time on as many rows */
  readonly bound: number;
  readonly calibrated: boolean;
  /** fitted on the holdout when `calibrated` is false, else null */
  readonly calibrator: Calibrator | null;
  /** the ECE on the holdout once rescaled (in sample: the calibrator was fitted on those rows) */
  readonly eceAfter: number | null;
}

export const CALIBRATION_BINS = 15;
/** draws of the calibrated model's outcomes behind `bound` */
const NULL_DRAWS = 200;
/** probabilities are clipped away from 0 and 1 before taking logarithms */
const EPS = 1e-12;

/**
 * The holdout's top-label ECE over 15 equal-width bins, judged against sampling noise: on n rows
 * even a calibrated model shows an ECE above 0, so each row's outcome is drawn as a coin with its
 * own confidence (Bröcker and Smith's consistency resampling), 200 times from a fixed seed, and the
 * model is miscalibrated when its ECE passes the 95th percentile of those. Then a calibrator is
 * fitted on the same rows. `y`: class indices; `probabilities`: rows × classes, row-major.
 */
export function checkCalibration(y: ArrayLike<number>, probabilities: ArrayLike<number>, numClasses: number): CalibrationCheck {
  const kept: number[] = [];
  for (let i = 0; i < y.length; i++) {
    let finite = Number.isInteger(y[i]) && y[i]! >= 0 && y[i]! < numClasses;
    for (let k = 0; k < numClasses && finite; k++) finite = Number.isFinite(probabilities[i * numClasses + k]);
    if (finite) kept.push(i);
  }
  const labels = Float64Array.from(kept, (i) => y[i]!);
  const proba = new Float64Array(kept.length * numClasses);
  kept.forEach((row, i) => {
    for (let k = 0; k < numClasses; k++) proba[i * numClasses + k] = probabilities[row * numClasses + k]!;
  });
  const { confidence, hit } = topLabel(labels, proba, numClasses);
  const ece = binnedCalibrationError(confidence, hit, CALIBRATION_BINS);
  const bound = calibratedBound(confidence);
  const calibrated = !(ece > bound);
  if (calibrated || kept.length === 0) return { rows: kept.length, bins: CALIBRATION_BINS, ece, bound, calibrated, calibrator: null, eceAfter: null };
  const calibrator = fitCalibrator(labels, proba, numClasses);
  const after = topLabel(labels, calibrate(calibrator, proba, numClasses), numClasses);
  return { rows: kept.length, bins: CALIBRATION_BINS, ece, bound, calibrated, calibrator, eceAfter: binnedCalibrationError(after.confidence, after.hit, CALIBRATION_BINS) };
}

/** The 95th percentile of the ECE when each row is right with exactly its confidence. */
function calibratedBound(confidence: Float64Array): number {
  if (confidence.length === 0) return Number.NaN;
  const rng = new Rng(16);
  const drawn = new Float64Array(confidence.length);
  const eces = new Float64Array(NULL_DRAWS);
  for (let d = 0; d < NULL_DRAWS; d++) {
    for (let i = 0; i < confidence.length; i++) drawn[i] = rng.next() < confidence[i]! ? 1 : 0;
    eces[d] = binnedCalibrationError(confidence, drawn, CALIBRATION_BINS);
  }
  eces.sort();
  return eces[Math.ceil(0.95 * NULL_DRAWS) - 1]!;
}

/**
 * The calibrator that minimises the log loss on (y, probabilities): binary, Platt scaling —
 * σ(slope · logit p + intercept) for the positive class; multiclass, temperature scaling —
 * p_k^(1/T) renormalised, which keeps each row's order of classes.
 */
export function fitCalibrator(y: ArrayLike<number>, probabilities: ArrayLike<number>, numClasses: number): Calibrator {
  const n = y.length;
  if (numClasses === 2) {
    const z = Float64Array.from({ length: n }, (_, i) => logit(probabilities[i * 2 + 1]!));
    const fit = minimizeLbfgs(
      (x, grad) => {
        let loss = 0;
        grad.fill(0);
        for (let i = 0; i < n; i++) {
          const m = x[0]! * z[i]! + x[1]!;
          // −log σ(m) for a positive, −log(1 − σ(m)) = −log σ(−m) for a negative, computed without overflow
          loss += softplus(y[i] === 1 ? -m : m);
          const residual = sigmoid(m) - (y[i] === 1 ? 1 : 0);
          grad[0]! += residual * z[i]!;
          grad[1]! += residual;
        }
        grad[0]! /= n;
        grad[1]! /= n;
        return loss / n;
      },
      Float64Array.of(1, 0),
      { tol: 1e-9 },
    );
    return { kind: 'platt', slope: fit.x[0]!, intercept: fit.x[1]! };
  }
  const logs = Float64Array.from(probabilities, (p) => Math.log(Math.max(p, EPS)));
  // β = 1/T = e^s keeps the temperature positive without a constraint
  const fit = minimizeLbfgs(
    (x, grad) => {
      const beta = Math.exp(x[0]!);
      let loss = 0;
      let dBeta = 0;
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        for (let k = 0; k < numClasses; k++) max = Math.max(max, beta * logs[i * numClasses + k]!);
        let sum = 0;
        let weighted = 0;
        for (let k = 0; k < numClasses; k++) {
          const e = Math.exp(beta * logs[i * numClasses + k]! - max);
          sum += e;
          weighted += e * logs[i * numClasses + k]!;
        }
        const truth = logs[i * numClasses + y[i]!]!;
        loss += max + Math.log(sum) - beta * truth;
        dBeta += weighted / sum - truth;
      }
      grad[0] = (dBeta * beta) / n;
      return loss / n;
    },
    Float64Array.of(0),
    { tol: 1e-9 },
  );
  return { kind: 'temperature', temperature: Math.exp(-fit.x[0]!) };
}

/** The probabilities rescaled by a calibrator (rows × classes, row-major; rows still sum to 1). */
export function calibrate(calibrator: Calibrator, probabilities: ArrayLike<number>, numClasses: number): Float64Array {
  const rows = Math.floor(probabilities.length / numClasses);
  const out = new Float64Array(rows * numClasses);
  if (calibrator.kind === 'platt') {
    for (let i = 0; i < rows; i++) {
      const p = sigmoid(calibrator.slope * logit(probabilities[i * 2 + 1]!) + calibrator.intercept);
      out[i * 2] = 1 - p;
      out[i * 2 + 1] = p;
    }
    return out;
  }
  const beta = 1 / calibrator.temperature;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, beta * Math.log(Math.max(probabilities[i * numClasses + k]!, EPS)));
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += out[i * numClasses + k] = Math.exp(beta * Math.log(Math.max(probabilities[i * numClasses + k]!, EPS)) - max);
    for (let k = 0; k < numClasses; k++) out[i * numClasses + k]! /= sum;
  }
  return out;
}

/** One line for the monitor: "calibrated: ECE …" or "miscalibrated: ECE …", and what CBPE used. */
export function describeCalibration(check: CalibrationCheck): string {
  const base = `ECE ${check.ece.toFixed(3)} on ${check.rows} holdout rows (top label, ${check.bins} bins; a calibrated model stays under ${check.bound.toFixed(3)} 95 % of the time)`;
  if (check.calibrated || !check.calibrator) return `calibrated: ${base}; CBPE on the model's probabilities`;
  const how = check.calibrator.kind === 'platt' ? `Platt scaling (slope ${check.calibrator.slope.toFixed(3)}, intercept ${check.calibrator.intercept.toFixed(3)})` : `temperature scaling (T ${check.calibrator.temperature.toFixed(3)})`;
  return `miscalibrated: ${base}; CBPE on probabilities rescaled by ${how} fitted on the holdout (ECE there ${check.eceAfter?.toFixed(3) ?? '—'})`;
}

function logit(p: number): number {
  const q = Math.min(Math.max(p, EPS), 1 - EPS);
  return Math.log(q / (1 - q));
}

function sigmoid(m: number): number {
  return m >= 0 ? 1 / (1 + Math.exp(-m)) : Math.exp(m) / (1 + Math.exp(m));
}

/** log(1 + e^m) */
function softplus(m: number): number {
  return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
}
