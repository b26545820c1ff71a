/**
 * The humility rules' tests on typed arrays, one record per entry: 1 where the rule fires. Pure:
 * the service (serve/humility-judge.ts) reads the records into columns and acts on the result.
 */

/** 1.4826 · MAD estimates the standard deviation of normal data: the robust z-score's scale. */
export const MAD_TO_SD = 1.4826;

/**
 * Uncertain classifier answers. Binary (`classes` = 2): |p(class 1) − threshold| < band; multiclass:
 * the top probability minus the second below `margin`. `probabilities` is rows × classes, row-major.
 */
export function uncertainRecords(probabilities: Float64Array, classes: number, rule: { band: number; threshold: number; margin: number }): Uint8Array {
  const rows = Math.floor(probabilities.length / classes);
  const fired = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    if (classes === 2) {
      fired[i] = Math.abs(probabilities[i * 2 + 1]! - rule.threshold) < rule.band ? 1 : 0;
      continue;
    }
    let top = -Infinity;
    let second = -Infinity;
    for (let j = 0; j < classes; j++) {
      const p = probabilities[i * classes + j]!;
      if (p > top) {
        second = top;
        top = p;
      } else if (p > second) second = p;
    }
    fired[i] = top - second < rule.margin ? 1 : 0;
  }
  return fired;
}

/** |x − median| / (1.4826 · MAD): Infinity off the median when MAD is 0. */
export function robustZ(x: number, median: number, mad: number): number {
  const distance = Math.abs(x - median);
  return distance === 0 ? 0 : distance / (MAD_TO_SD * mad);
}

/**
 * Outlying numbers: outside [min, max] (when `range`), or beyond `zScore` robust z-scores (when
 * given, and the training MAD is above 0). Missing values never fire.
 */
export function outlyingRecords(
  values: Float64Array,
  stats: { readonly min: number; readonly max: number; readonly median?: number | undefined; readonly mad?: number | undefined },
  rule: { range: boolean; zScore?: number | undefined },
): Uint8Array {
  const fired = new Uint8Array(values.length);
  const z = rule.zScore !== undefined && stats.median !== undefined && stats.mad !== undefined && stats.mad > 0 ? rule.zScore : undefined;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    if (rule.range && (x < stats.min || x > stats.max)) fired[i] = 1;
    else if (z !== undefined && robustZ(x, stats.median!, stats.mad!) > z) fired[i] = 1;
  }
  return fired;
}

/** Categories never seen in training (missing values never fire). */
export function unseenRecords(values: readonly (string | null)[], seen: ReadonlySet<string>): Uint8Array {
  return Uint8Array.from(values, (v) => (v !== null && !seen.has(v) ? 1 : 0));
}

/** Records whose prediction stood on fewer than `minRows` training rows (`support`: see automl's leafSupportOf). */
export function lowObservationRecords(support: Float64Array, minRows: number): Uint8Array {
  return Uint8Array.from(support, (s) => (s < minRows ? 1 : 0));
}
