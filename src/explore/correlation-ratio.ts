/**
 * η, the correlation ratio of a numeric variable on a grouping (categories, classes, bins), from
 * each group's count, sum and sum of squares: √(between-group / total sum of squares). Undefined
 * (null) with fewer than two non-empty groups or two values, or when the variable is constant.
 */
export interface GroupMoments {
  readonly n: number;
  readonly sum: number;
  readonly sumSq: number;
}

export function correlationRatio(groups: readonly GroupMoments[]): number | null {
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let used = 0;
  for (const g of groups) {
    if (g.n === 0) continue;
    n += g.n;
    sum += g.sum;
    sumSq += g.sumSq;
    used++;
  }
  if (n < 2 || used < 2) return null;
  const mean = sum / n;
  const total = sumSq - n * mean * mean;
  if (!(total > 1e-12 * Math.max(1, Math.abs(sumSq)))) return null;
  // deviations of the group means: steadier than Σ sum²/n − sum²/n when the mean is large
  let between = 0;
  for (const g of groups) if (g.n > 0) between += g.n * (g.sum / g.n - mean) ** 2;
  return Math.sqrt(Math.min(1, Math.max(0, between / total)));
}
