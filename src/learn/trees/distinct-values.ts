/** The distinct values of a column, ascending, and how many times each occurs. */
export interface DistinctCounts {
  readonly values: Float64Array;
  readonly counts: Float64Array;
}

/**
 * The distinct values of `values` (NaN left out) with their counts, when there are at most
 * `limit` of them; undefined as soon as there are more. A wide table's 0/1 indicators have two:
 * counting them costs a pass, where sorting each column to find that out cost most of binning a
 * 6,552 × 1,600 table. −0 and +0 are one value, reported as −0 when any −0 was seen (where a
 * sort would put it first).
 */
export function fewDistinctValues(values: Float64Array, limit: number): DistinctCounts | undefined {
  const found = new Float64Array(limit);
  const counts = new Float64Array(limit);
  let n = 0;
  // the slot matched last is tried first: a sparse column is long runs of one value
  let last = 0;
  scan: for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v !== v) continue;
    if (n > 0 && found[last] === v) {
      counts[last]!++;
      // Object.is(v, -0) tests the sign bit; 1 / v < 0 divided on every zero of a sparse column (a third of the time)
      if (v === 0 && Object.is(v, -0)) found[last] = v;
      continue;
    }
    for (let j = 0; j < n; j++) {
      if (found[j] === v) {
        counts[j]!++;
        if (v === 0 && Object.is(v, -0)) found[j] = v;
        last = j;
        continue scan;
      }
    }
    if (n === limit) return undefined;
    found[n] = v;
    counts[n] = 1;
    last = n++;
  }
  // at most `limit` slots: an insertion sort by value
  const order = Array.from({ length: n }, (_, j) => j);
  for (let a = 1; a < n; a++) {
    const j = order[a]!;
    let b = a;
    for (; b > 0 && found[order[b - 1]!]! > found[j]!; b--) order[b] = order[b - 1]!;
    order[b] = j;
  }
  return { values: Float64Array.from(order, (j) => found[j]!), counts: Float64Array.from(order, (j) => counts[j]!) };
}
