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
