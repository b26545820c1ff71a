/**
 * The categorical tests on counts over the same categories (reference, current): Pearson's
 * chi-square goodness of fit of the current counts to the reference's shares (as Evidently's
 * `chisquare` test: scipy's `chisquare(observed, expected · n_cur / n_ref)`), and the Jensen–Shannon
 * distance of the two shares (scipy's `jensenshannon`, natural logarithm).
 */
import { chiSquareSurvival } from '../../explore/index.js';

export interface ChiSquareResult {
  readonly statistic: number;
  readonly df: number;
  readonly pValue: number;
}

/**
 * A category absent from the reference but present now has an expected count of 0: the statistic
 * is infinite and the p-value 0 (scipy gives inf and 0 too).
 */
export function chiSquareGoodnessOfFit(reference: ArrayLike<number>, current: ArrayLike<number>): ChiSquareResult {
  let totalRef = 0;
  let totalCur = 0;
  let categories = 0;
  for (let i = 0; i < reference.length; i++) {
    totalRef += reference[i]!;
    totalCur += current[i]!;
    if (reference[i]! > 0 || current[i]! > 0) categories++;
  }
  const df = Math.max(0, categories - 1);
  if (totalRef === 0 || totalCur === 0 || df === 0) return { statistic: 0, df, pValue: 1 };
  const scale = totalCur / totalRef;
  let statistic = 0;
  for (let i = 0; i < reference.length; i++) {
    const expected = reference[i]! * scale;
    const observed = current[i]!;
    if (expected === 0) {
      if (observed > 0) return { statistic: Number.POSITIVE_INFINITY, df, pValue: 0 };
      continue;
    }
    statistic += ((observed - expected) * (observed - expected)) / expected;
  }
  return { statistic, df, pValue: chiSquareSurvival(statistic, df) };
}

/** sqrt of the Jensen–Shannon divergence (natural log) between the two count vectors' shares; 0..sqrt(ln 2). */
export function jensenShannonDistance(reference: ArrayLike<number>, current: ArrayLike<number>): number {
  let totalRef = 0;
  let totalCur = 0;
  for (let i = 0; i < reference.length; i++) {
    totalRef += reference[i]!;
    totalCur += current[i]!;
  }
  if (totalRef === 0 || totalCur === 0) return 0;
  let divergence = 0;
  for (let i = 0; i < reference.length; i++) {
    const p = reference[i]! / totalRef;
    const q = current[i]! / totalCur;
    const mid = (p + q) / 2;
    if (p > 0) divergence += p * Math.log(p / mid);
    if (q > 0) divergence += q * Math.log(q / mid);
  }
  return Math.sqrt(Math.max(0, divergence / 2));
}
