import { checkLengths } from './check.js';

/** One equal-width bin of a reliability diagram: the rows whose probability fell in [lower, upper). */
export interface ReliabilityBin {
  readonly lower: number;
  readonly upper: number;
  readonly rows: number;
  /** mean probability of the bin's rows */
  readonly meanPredicted: number;
  /** share of the bin's rows where the event happened */
  readonly observed: number;
}

/**
 * Rows binned by a probability (`bins` equal-width bins over [0, 1], 1 in the last), with how often
 * the event it gives the chance of happened in each (`hit` 1 or 0). Non-finite probabilities are
 * left out; empty bins are not returned.
 */
export function reliabilityBins(probability: ArrayLike<number>, hit: ArrayLike<number>, bins: number): ReliabilityBin[] {
  checkLengths('reliability bins', hit, probability);
  const rows = new Float64Array(bins);
  const sums = new Float64Array(bins);
  const hits = new Float64Array(bins);
  for (let i = 0; i < probability.length; i++) {
    const p = probability[i]!;
    if (!Number.isFinite(p)) continue;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    rows[b]!++;
    sums[b]! += p;
    hits[b]! += hit[i]!;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    if (rows[b]! > 0) out.push({ lower: b / bins, upper: (b + 1) / bins, rows: rows[b]!, meanPredicted: sums[b]! / rows[b]!, observed: hits[b]! / rows[b]! });
  }
  return out;
}

/** Each row's top-label confidence (the largest probability) and whether that class was the truth (1/0); the first class wins ties. */
export function topLabel(y: ArrayLike<number>, proba: ArrayLike<number>, numClasses: number): { confidence: Float64Array; hit: Float64Array } {
  checkLengths('top-label calibration', y, proba, numClasses);
  const confidence = new Float64Array(y.length);
  const hit = new Float64Array(y.length);
  for (let i = 0; i < y.length; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (proba[i * numClasses + k]! > proba[i * numClasses + best]!) best = k;
    confidence[i] = proba[i * numClasses + best]!;
    hit[i] = y[i] === best ? 1 : 0;
  }
  return { confidence, hit };
}

/** Σ over bins of (rows in bin / rows) · |observed − mean predicted|: a reliability diagram's weighted gap. */
export function binnedCalibrationError(probability: ArrayLike<number>, hit: ArrayLike<number>, bins: number): number {
  const binned = reliabilityBins(probability, hit, bins);
  const total = binned.reduce((n, b) => n + b.rows, 0);
  if (total === 0) return Number.NaN;
  return binned.reduce((sum, b) => sum + (b.rows / total) * Math.abs(b.observed - b.meanPredicted), 0);
}

/**
 * Top-label expected calibration error (Guo et al. 2017): each row's largest probability against
 * whether that class was right, in `bins` equal-width bins (15 as there). 0 for a calibrated
 * model on infinitely many rows; on n rows a calibrated model still shows some (sampling noise).
 */
export function expectedCalibrationError(y: ArrayLike<number>, proba: ArrayLike<number>, numClasses: number, bins = 15): number {
  const { confidence, hit } = topLabel(y, proba, numClasses);
  return binnedCalibrationError(confidence, hit, bins);
}
