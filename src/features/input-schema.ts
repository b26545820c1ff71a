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

/** The smallest and largest value a numeric input held in training. */
export interface NumericRange {
  readonly min: number;
  readonly max: number;
}

/**
 * The training range of every numeric input (a number or numeric text), so that a service can warn
 * about a value outside what the model has seen; inputs without a finite value are left out.
 */
export function numericRangesOf(spec: FeaturePipelineSpec, frame: Frame): Record<string, NumericRange> {
  const ranges: Record<string, NumericRange> = {};
  for (const step of spec.steps) {
    if (step.kind !== 'numeric' || step.source === 'boolean') continue;
    const column = findColumn(frame, step.column);
    if (!column) continue;
    const values = column.kind === 'string' ? Float64Array.from(column.values, (v) => parseNumber(v)) : coerceToNumbers(column).values;
    let min = Infinity;
    let max = -Infinity;
    for (const v of values) {
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (min <= max) ranges[step.column] = { min, max };
  }
  return ranges;
}
