import { coerceToNumbers, parseNumber } from './coerce.js';
import { findColumn, type Frame } from './frame.js';
import { expectedKindOf, type ExpectedKind, type FeaturePipelineSpec } from './steps.js';

/** One input column a fitted pipeline reads. */
export interface InputColumnSchema {
  readonly name: string;
  readonly kind: ExpectedKind;
  readonly role: string;
  /** the categories seen in training, for categorical columns */
  readonly categories?: readonly string[];
}

/** The columns new data must have, with their kinds and allowed categories. */
export function inputSchemaOf(spec: FeaturePipelineSpec): InputColumnSchema[] {
  return spec.steps.map((step) => {
    const base = { name: step.column, kind: expectedKindOf(step), role: step.kind };
    return step.kind === 'categorical' || step.kind === 'target-encoding' ? { ...base, categories: step.categories } : base;
  });
}

/** Columns to read as exact text from files, so category labels keep their spelling. */
export function textColumnsOf(spec: FeaturePipelineSpec): string[] {
  return spec.steps.filter((s) => expectedKindOf(s) === 'string').map((s) => s.column);
}

/**
 * A numeric input's training values in brief: the smallest and largest, and (bundles made since
 * the humility rules) the median and the median absolute deviation, for a robust z-score.
 */
export interface NumericRange {
  readonly min: number;
  readonly max: number;
  readonly median?: number;
  /** median of |x − median| (unscaled: a robust z-score divides by 1.4826 · mad) */
  readonly mad?: number;
}

/** The median of values sorted ascending (the mean of the two middle ones for an even count); NaN when empty. */
export function medianOfSorted(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const half = n >> 1;
  return n % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
}

/**
 * The training range, median and MAD of every numeric input (a number or numeric text), so that
 * a service can tell a value outside what the model has seen; inputs without a finite value are left out.
 */
export function numericRangesOf(spec: FeaturePipelineSpec, frame: Frame): Record<string, NumericRange> {
  const ranges: Record<string, NumericRange> = {};
  for (const step of spec.steps) {
    if (step.kind !== 'numeric' || step.source === 'boolean') continue;
    const column = findColumn(frame, step.column);
    if (!column) continue;
    const values = column.kind === 'string' ? Float64Array.from(column.values, (v) => parseNumber(v)) : coerceToNumbers(column).values;
    const finite = new Float64Array(values.length);
    let n = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (!Number.isFinite(v)) continue;
      finite[n++] = v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (n === 0) continue;
    const kept = finite.subarray(0, n);
    const median = medianInPlace(kept);
    for (let i = 0; i < n; i++) kept[i] = Math.abs(kept[i]! - median);
    ranges[step.column] = { min, max, median, mad: medianInPlace(kept) };
  }
  return ranges;
}

/**
 * The median of the values (as `medianOfSorted` of them sorted), found by selection in O(n): the
 * values are reordered. Sorting each column took 2.3 s of a 30 s training on 800,000 rows × 28.
 */
function medianInPlace(values: Float64Array): number {
  const n = values.length;
  const half = n >> 1;
  if (n % 2 === 1) return selectInPlace(values, half);
  const lower = selectInPlace(values, half - 1);
  // every value after the lower middle one is at least it: the upper middle one is their least
  let upper = Infinity;
  for (let i = half; i < n; i++) if (values[i]! < upper) upper = values[i]!;
  return (lower + upper) / 2;
}

/** The k-th smallest value (from 0); afterwards no value before index k is above it and none after it below it. */
function selectInPlace(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const x = a[lo]!;
    const y = a[(lo + hi) >>> 1]!;
    const z = a[hi]!;
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i++] = a[j]!;
        a[j--] = t;
      }
    }
    // a[lo..j] ≤ pivot ≤ a[i..hi], and everything between equals the pivot
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}
