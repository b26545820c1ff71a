/**
 * The fitted preprocessing as plain JSON: a list of steps tagged by `kind`, each turning one raw
 * input column into one or more model features. A bundle stores them; predict replays them exactly.
 */

/** A number (or boolean as 0/1) passed through; NaN is missing. */
export interface NumericStep {
  readonly kind: 'numeric';
  readonly column: string;
  /** what the raw column holds; text that looked numeric is parsed */
  readonly source: 'number' | 'boolean' | 'numeric-text';
}

/** Low-cardinality text as integer codes in `categories` order; unseen or missing → NaN. */
export interface CategoricalStep {
  readonly kind: 'categorical';
  readonly column: string;
  readonly categories: readonly string[];
}

/**
 * High-cardinality text replaced by the smoothed mean of the target per category (one output per
 * class for multiclass). Training rows get out-of-fold encodings; new rows get `encodings`.
 */
export interface TargetEncodingStep {
  readonly kind: 'target-encoding';
  readonly column: string;
  readonly categories: readonly string[];
  /** encodings[k][c]: output k for category c */
  readonly encodings: readonly (readonly number[])[];
  /** output k for unseen or missing categories */
  readonly prior: readonly number[];
}

export type DatetimePart = 'year' | 'month' | 'day' | 'weekday' | 'hour' | 'dayofyear' | 'elapsed_days';

/** Calendar parts (UTC) and elapsed days since the epoch of a datetime column. */
export interface DatetimeStep {
  readonly kind: 'datetime';
  readonly column: string;
  /** text columns holding dates are parsed */
  readonly source: 'datetime' | 'datetime-text';
  readonly parts: readonly DatetimePart[];
}

/** Free text as hashed word uni/bigrams and character trigrams (log counts), plus its length. */
export interface TextHashStep {
  readonly kind: 'text-hash';
  readonly column: string;
  readonly buckets: number;
}

export type FeatureStep = NumericStep | CategoricalStep | TargetEncodingStep | DatetimeStep | TextHashStep;

export type DropReason = 'id-like' | 'constant' | 'all-missing' | 'unsupported' | 'duplicate';

export interface DroppedColumn {
  readonly column: string;
  readonly reason: DropReason;
  /** for a duplicate: the column it repeats, which is kept */
  readonly of?: string;
}

export interface FeaturePipelineSpec {
  readonly kind: 'feature-pipeline';
  readonly version: 1;
  readonly target: string;
  readonly steps: readonly FeatureStep[];
  readonly dropped: readonly DroppedColumn[];
}

/** What a raw input column must hold at prediction time. */
export type ExpectedKind = 'number' | 'boolean' | 'datetime' | 'string';

export function expectedKindOf(step: FeatureStep): ExpectedKind {
  switch (step.kind) {
    case 'numeric':
      return step.source === 'boolean' ? 'boolean' : 'number';
    case 'categorical':
    case 'target-encoding':
    case 'text-hash':
      return 'string';
    case 'datetime':
      return 'datetime';
  }
}
