/**
 * The few formulas of round 2, on small count tables that DuckDB has already aggregated:
 * mutual information from a contingency table, PSI from two histograms, the correlation ratio
 * from per-group sums, AUC from ranks.
 */

/** A contingency table: counts[i * cols + j] for row bin i and column bin j. */
export interface Contingency {
  readonly rows: number;
  readonly cols: number;
  readonly counts: Float64Array;
}

/** Mutual information in nats, and the entropy of the column variable (the target). */
export function mutualInformation(table: Contingency): { mi: number; targetEntropy: number } {
  const { rows, cols, counts } = table;
  const rowSum = new Float64Array(rows);
  const colSum = new Float64Array(cols);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = counts[i * cols + j] ?? 0;
      rowSum[i] = (rowSum[i] ?? 0) + c;
      colSum[j] = (colSum[j] ?? 0) + c;
      total += c;
    }
  }
  if (total === 0) return { mi: 0, targetEntropy: 0 };
  let mi = 0;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = counts[i * cols + j] ?? 0;
      if (c === 0) continue;
      mi += (c / total) * Math.log((c * total) / ((rowSum[i] ?? 0) * (colSum[j] ?? 0)));
    }
  }
  let targetEntropy = 0;
  for (let j = 0; j < cols; j++) {
    const p = (colSum[j] ?? 0) / total;
    if (p > 0) targetEntropy -= p * Math.log(p);
  }
  return { mi: Math.max(0, mi), targetEntropy };
}

/**
 * Population stability index of `actual` against `expected`, two histograms over the same bins.
 * Empty bins get a small floor so that a bin that appears or vanishes counts without dividing by 0.
 */
export function populationStabilityIndex(expected: ArrayLike<number>, actual: ArrayLike<number>, floor = 1e-4): number {
  let e = 0;
  let a = 0;
  for (let i = 0; i < expected.length; i++) e += expected[i] ?? 0;
  for (let i = 0; i < actual.length; i++) a += actual[i] ?? 0;
  if (e === 0 || a === 0) return 0;
  let psi = 0;
  const n = Math.max(expected.length, actual.length);
  for (let i = 0; i < n; i++) {
    const pe = Math.max(floor, (expected[i] ?? 0) / e);
    const pa = Math.max(floor, (actual[i] ?? 0) / a);
    psi += (pa - pe) * Math.log(pa / pe);
  }
  return psi;
}

export function psiLevel(psi: number): 'stable' | 'moderate' | 'large' {
  return psi < 0.1 ? 'stable' : psi < 0.25 ? 'moderate' : 'large';
}

/** AUC from the sum of the (tie-averaged) ranks of the positives. */
export function aucFromRanks(rankSumPositives: number, positives: number, negatives: number): number | null {
  if (positives === 0 || negatives === 0) return null;
  return (rankSumPositives - (positives * (positives + 1)) / 2) / (positives * negatives);
}
