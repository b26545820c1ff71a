export type { Frame, RawColumn, RawColumnKind } from './frame.js';
export { findColumn, takeRows, frameFromRows } from './frame.js';
export { readFrame, readFrameSlices, readFrameWithNotes, type ExpectedColumn, type FrameRead, type ReadFrameOptions } from './read-frame.js';
export type {
  FeatureStep,
  NumericStep,
  CategoricalStep,
  TargetEncodingStep,
  DatetimeStep,
  TextHashStep,
  DatetimePart,
  DroppedColumn,
  DropReason,
  FeaturePipelineSpec,
  ExpectedKind,
} from './steps.js';
export { inferColumnRole, categoriesByFrequency, type ColumnRole, type RoleOptions } from './column-roles.js';
export { fitPipeline, applyPipeline, applyPipelineWithSources, type FitPipelineOptions, type FittedPipeline } from './pipeline.js';
export type { TargetValues } from './target-encoding.js';
export { inputSchemaOf, medianOfSorted, numericRangesOf, textColumnsOf, type InputColumnSchema, type NumericRange } from './input-schema.js';
export { coerceToTexts, formatNumber, isMissingText, parseNumber } from './coerce.js';
export { synthesizeFeatures, type SynthesisColumn, type SynthesisInput, type SynthesisRelationship, type SynthesisTable } from './synthesis.js';
export { pruneFeatures, type PruneOptions, type PruneResult } from './pruning.js';
