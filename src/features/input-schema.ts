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
    const finite = values.filter((v) => Number.isFinite(v)).sort();
    if (finite.length === 0) continue;
    const median = medianOfSorted(finite);
    const deviations = finite.map((v) => Math.abs(v - median)).sort();
    ranges[step.column] = { min: finite[0]!, max: finite[finite.length - 1]!, median, mad: medianOfSorted(deviations) };
  }
  return ranges;
}
