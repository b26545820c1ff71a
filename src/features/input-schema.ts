import { fewDistinctValues } from '../learn/index.js';
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
    const finite = sortedFinite(values);
    if (finite.length === 0) continue;
    const median = medianOfSorted(finite);
    ranges[step.column] = { min: finite[0]!, max: finite[finite.length - 1]!, median, mad: medianOfDeviations(finite, median) };
  }
  return ranges;
}

/** Up to this many distinct values a column's sorted values are laid out from their counts. */
const FEW_DISTINCT = 16;

/**
 * The finite values, ascending. A column of few distinct values (a wide table's indicators) is
 * counted and laid out, not sorted: sorting 1,600 such columns cost a second of training.
 */
function sortedFinite(values: Float64Array): Float64Array {
  const few = fewDistinctValues(values, FEW_DISTINCT);
  if (few !== undefined) {
    let n = 0;
    for (let j = 0; j < few.values.length; j++) if (Number.isFinite(few.values[j])) n += few.counts[j]!;
    const sorted = new Float64Array(n);
    let at = 0;
    for (let j = 0; j < few.values.length; j++) {
      const v = few.values[j]!;
      if (!Number.isFinite(v)) continue;
      sorted.fill(v, at, at + few.counts[j]!);
      at += few.counts[j]!;
    }
    return sorted;
  }
  const finite = new Float64Array(values.length);
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) finite[n++] = values[i]!;
  return finite.subarray(0, n).sort();
}

/** The median of |x − median| over sorted values (as `medianOfSorted` of them sorted). */
function medianOfDeviations(sorted: Float64Array, median: number): number {
  const n = sorted.length;
  const lower = smallestDeviations(sorted, median);
  return n % 2 === 1 ? lower[n >> 1]! : (lower[(n >> 1) - 1]! + lower[n >> 1]!) / 2;
}

/**
 * The smallest half (and one) of |x − median| over sorted values, ascending — all a median of
 * them reads. The values below the median, read downwards, and those above it, read upwards, are
 * each ascending in distance: merging them replaces a second sort.
 */
function smallestDeviations(sorted: Float64Array, median: number): Float64Array {
  const out = new Float64Array(Math.min(sorted.length, (sorted.length >> 1) + 1));
  let above = 0;
  while (above < sorted.length && sorted[above]! < median) above++;
  let below = above - 1;
  for (let at = 0; at < out.length; at++) {
    const down = below >= 0 ? Math.abs(sorted[below]! - median) : Infinity;
    const up = above < sorted.length ? Math.abs(sorted[above]! - median) : Infinity;
    if (down <= up && below >= 0) {
      out[at] = down;
      below--;
    } else {
      out[at] = up;
      above++;
    }
  }
  return out;
}
