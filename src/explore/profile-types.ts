/**
 * Result types of exploration round 1: plain, JSON-serialisable data (no class instances, no
 * bigint, no Date). Numbers that can be undefined for a column are `null`, never NaN/Infinity,
 * so `JSON.stringify` round-trips them. This file only grows: fields are added, never renamed.
 */

/** What a column means, as opposed to how it is stored. */
export type SemanticType =
  | 'numeric'
  | 'categorical'
  | 'boolean'
  | 'datetime'
  | 'text'
  | 'identifier'
  | 'constant'
  | 'empty';

export const SEMANTIC_TYPES: readonly SemanticType[] = [
  'numeric',
  'categorical',
  'boolean',
  'datetime',
  'text',
  'identifier',
  'constant',
  'empty',
];

export type AlertKind =
  | 'constant'
  | 'unique'
  | 'high_cardinality'
  | 'skewed'
  | 'imbalanced'
  | 'many_missing'
  | 'zeros'
  | 'infinite'
  | 'uniform'
  | 'mixed_types'
  | 'placeholder'
  | 'duplicate_rows'
  | 'date_as_string'
  | 'number_as_string'
  | 'boolean_as_string'
  | 'high_correlation'
  | 'outliers'
  | 'empty'
  | 'blank_strings'
  | 'leading_trailing_space'
  | 'wide_integer';

export type AlertSeverity = 'info' | 'warning';

export interface ProfileAlert {
  readonly kind: AlertKind;
  /** the column the alert is about; null for table-level alerts (e.g. duplicate rows) */
  readonly column: string | null;
  readonly severity: AlertSeverity;
  /** one readable sentence, e.g. "dep_delay has 12.3% zeros" */
  readonly message: string;
  /** the figure behind the alert (a share, a count, a skewness…), when there is one */
  readonly value: number | null;
}

/** One histogram bin, [lower, upper) except the last which is closed. Datetimes in epoch ms. */
export interface HistogramBin {
  readonly lower: number;
  readonly upper: number;
  readonly count: number;
}

/** A value and how often it occurs; values are rendered as strings (null stays null). */
export interface ValueCount {
  readonly value: string | null;
  readonly count: number;
}

export interface Quantiles {
  readonly p01: number | null;
  readonly p05: number | null;
  readonly p25: number | null;
  readonly p50: number | null;
  readonly p75: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
}

/** Statistics of a numeric column (or of a numeric string column, parsed). */
export interface NumericStats {
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly std: number | null;
  readonly sum: number | null;
  readonly skewness: number | null;
  readonly kurtosis: number | null;
  /** median absolute deviation */
  readonly mad: number | null;
  readonly quantiles: Quantiles;
  readonly zeros: number;
  readonly negatives: number;
  readonly infinite: number;
  /** values outside [q1 − 1.5·IQR, q3 + 1.5·IQR] */
  readonly outliers: number;
  readonly outlierFences: { readonly lower: number; readonly upper: number } | null;
  /** true when every non-missing value is a whole number */
  readonly integral: boolean;
  readonly histogram: readonly HistogramBin[];
}

/** Statistics of a datetime column (native or parsed from strings). Times are ISO strings. */
export interface DatetimeStats {
  readonly min: string | null;
  readonly max: string | null;
  /** strftime format the strings were parsed with ('iso8601': DuckDB's ISO cast); null for native date/time columns */
  readonly format: string | null;
  /** share of non-missing values that parse with `format` (1 for native columns) */
  readonly parsedShare: number;
  /** bins in epoch milliseconds */
  readonly histogram: readonly HistogramBin[];
}

/** String lengths and blanks, for columns stored as text. */
export interface StringStats {
  readonly minLength: number | null;
  readonly maxLength: number | null;
  readonly meanLength: number | null;
  /** empty or whitespace-only strings (counted as present, not missing) */
  readonly blank: number;
  /** values with leading or trailing whitespace */
  readonly padded: number;
  /** share of non-missing values that parse as numbers */
  readonly numericShare: number;
  /** share of non-missing values that parse as dates or timestamps (best format) */
  readonly datetimeShare: number;
  /** share of non-missing values that read as booleans (true/false, yes/no, y/n, t/f) */
  readonly booleanShare: number;
  /** mean number of whitespace-separated words */
  readonly meanWords: number | null;
}

export interface ColumnProfile {
  readonly name: string;
  /** 0-based position in the table */
  readonly index: number;
  /** the storage type as DuckDB reports it, e.g. BIGINT, VARCHAR, TIMESTAMP */
  readonly physicalType: string;
  readonly semanticType: SemanticType;
  /** 0..1 */
  readonly typeConfidence: number;
  /** why this type was chosen, short phrases */
  readonly typeReasons: readonly string[];
  /** rows in the table */
  readonly count: number;
  readonly missing: number;
  readonly missingShare: number;
  readonly distinct: number;
  /** true when `distinct` is an estimate (HyperLogLog) rather than an exact count */
  readonly distinctApprox: boolean;
  /** distinct / non-missing */
  readonly distinctShare: number;
  /** every non-missing value occurs once (exact check) */
  readonly unique: boolean;
  /** most frequent values, most frequent first */
  readonly topValues: readonly ValueCount[];
  /** true when top values were counted on the sample (columns with very many distinct values) */
  readonly topValuesFromSample?: boolean;
  /** placeholder values found (-999, "N/A", "?", blank…) with counts */
  readonly placeholders: readonly ValueCount[];
  readonly numeric: NumericStats | null;
  readonly datetime: DatetimeStats | null;
  readonly strings: StringStats | null;
  readonly alerts: readonly ProfileAlert[];
}

export type CorrelationMethod = 'pearson' | 'spearman' | 'cramers_v' | 'correlation_ratio' | 'auto';

/**
 * A square, symmetric matrix over `columns`; `values[i][j]` is the association of columns i
 * and j, null where it cannot be computed (constant column, too few pairs). 'auto' mixes the
 * methods as ydata-profiling does: Spearman for two numbers, Cramér's V for two categories,
 * the correlation ratio for a number and a category.
 */
export interface CorrelationMatrix {
  readonly method: CorrelationMethod;
  readonly columns: readonly string[];
  readonly values: readonly (readonly (number | null)[])[];
}

/** Which columns are missing together: counts of rows where both i and j are missing. */
export interface MissingCooccurrence {
  readonly columns: readonly string[];
  readonly bothMissing: readonly (readonly number[])[];
  /** Pearson correlation of the missingness indicators (null when one never/always misses) */
  readonly nullityCorrelation: readonly (readonly (number | null)[])[];
}

export interface CandidateKey {
  readonly columns: readonly string[];
  /** every row has a distinct, non-missing combination (exact) */
  readonly unique: boolean;
  /** distinct combinations / rows */
  readonly distinctShare: number;
  /** rows where any key column is missing */
  readonly missing: number;
  /** 0..1: uniqueness, name hints (id, key, code), type (integer, uuid) */
  readonly confidence: number;
  readonly reasons: readonly string[];
}

export type PiiKind =
  | 'email'
  | 'phone'
  | 'payment_card'
  | 'iban'
  | 'national_id'
  | 'ip_address'
  | 'person_name'
  | 'postal_address'
  | 'date_of_birth';

export const PII_KINDS: readonly PiiKind[] = [
  'email',
  'phone',
  'payment_card',
  'iban',
  'national_id',
  'ip_address',
  'person_name',
  'postal_address',
  'date_of_birth',
];

export interface PiiFinding {
  /** table name, when known */
  readonly table: string | null;
  readonly column: string;
  readonly kind: PiiKind;
  /** 0..1 */
  readonly confidence: number;
  /** a few sample values with most characters masked, e.g. "j***@e******.com" */
  readonly maskedEvidence: readonly string[];
  /** share of sampled non-missing values that match the pattern */
  readonly matchedShare: number;
  /** share of sampled non-missing values that also pass validation (Luhn, mod 97, SSN rules…) */
  readonly validatedShare: number;
  /** values examined */
  readonly sampled: number;
  readonly reasons: readonly string[];
}

export type RelationshipCardinality = 'one-to-one' | 'one-to-many';

export interface ColumnRef {
  readonly table: string;
  readonly column: string;
}

/** A candidate foreign key `from` referring to a key `to`. */
export interface Relationship {
  readonly from: ColumnRef;
  readonly to: ColumnRef;
  /** 0..1, overall plausibility */
  readonly score: number;
  /** share of distinct non-missing `from` values found among `to` values */
  readonly inclusion: number;
  /** true when inclusion was measured on a sample or hashed sketch, not exactly */
  readonly inclusionEstimated: boolean;
  readonly cardinality: RelationshipCardinality;
  /** 0..1 similarity of the names (after stripping id/key suffixes and table names) */
  readonly nameSimilarity: number;
  /** distinct `to` values / rows of `to` */
  readonly toUniqueness: number;
  readonly reasons: readonly string[];
}

export type TargetTask = 'binary' | 'multiclass' | 'regression';

export interface TargetSuggestion {
  readonly table: string;
  readonly column: string;
  readonly task: TargetTask;
  /** one readable sentence */
  readonly reason: string;
  /** 0..1 */
  readonly confidence: number;
}

export interface ProfileTimings {
  /** total wall time in milliseconds */
  readonly totalMs: number;
  /** one entry per phase: schema, aggregates, histograms, top values, keys, correlations, pii… */
  readonly phases: Readonly<Record<string, number>>;
}

export interface TableProfile {
  /** version of this structure; bumped only if a field's meaning changes */
  readonly profileVersion: 1;
  readonly name: string;
  /** the Parquet file (or table name) that was profiled */
  readonly source: string;
  readonly rows: number;
  readonly columnCount: number;
  readonly columns: readonly ColumnProfile[];
  /** rows that repeat an earlier row exactly (total rows − distinct rows); null if not computed */
  readonly duplicateRows: number | null;
  readonly duplicateRowsShare: number | null;
  readonly candidateKeys: readonly CandidateKey[];
  /** one matrix per method; columns are the eligible ones (numeric for pearson/spearman…) */
  readonly correlations: readonly CorrelationMatrix[];
  /** over the columns that have any missing value; null when none has */
  readonly missingCooccurrence: MissingCooccurrence | null;
  readonly pii: readonly PiiFinding[];
  /** table-level alerts and every column's alerts, in column order */
  readonly alerts: readonly ProfileAlert[];
  /** rows in the sample used for format checks, PII and correlations */
  readonly sampleRows: number;
  readonly timings: ProfileTimings;
}

/** What profileTable reads: a Parquet file, or a table/view already in the connection. */
export interface ProfileInput {
  readonly name: string;
  readonly parquetPath?: string;
  /** a table or view name in the DuckDB connection (used when parquetPath is absent) */
  readonly tableName?: string;
}

export interface ProfileOptions {
  /**
   * count distinct values (and quantiles) exactly up to this many rows. Beyond, a HyperLogLog
   * estimate and t-digest quantiles; columns estimated at ≤ 100,000 distinct values, and nearly
   * unique ones, are then recounted exactly. Default 1,000,000
   */
  readonly exactDistinctRowLimit?: number;
  /** top values per column. Default 10 */
  readonly topK?: number;
  /** histogram bins. Default 20 */
  readonly histogramBins?: number;
  /** rows sampled for format checks, PII and correlations. Default 100,000 */
  readonly sampleRows?: number;
  /** correlations only over at most this many columns of each kind. Default 50 */
  readonly maxCorrelationColumns?: number;
  /** candidate key pairs only among at most this many columns. Default 12 */
  readonly maxKeyPairColumns?: number;
  /** skip PII detection */
  readonly skipPii?: boolean;
  /** told as each step of the profile ends (schema, sample, aggregates, histograms, …), with its milliseconds: progress on a long table */
  readonly onPhase?: (phase: string, ms: number) => void;
}

/** One table as findRelationships needs it. */
export interface RelationshipInput {
  readonly name: string;
  readonly parquetPath?: string;
  readonly tableName?: string;
  readonly profile: TableProfile;
}
