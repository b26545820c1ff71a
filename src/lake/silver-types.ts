/**
 * What silver is made from: a plan per table (how each column is cleaned, the key rows are
 * deduplicated on) and quality rules. Plain JSON: a plan is hashed as an input of the silver stage
 * and saved in model bundles, so that scoring cleans raw rows the way training's rows were cleaned.
 */

/** The type a column's values are cast to; `null` keeps the stored type. */
export type SilverType = 'number' | 'boolean' | 'timestamp';

export type PiiTreatment = 'drop' | 'mask' | 'hash' | 'keep';

export interface SilverColumn {
  readonly name: string;
  readonly cast: SilverType | null;
  /** how text becomes a timestamp: a strptime format, or 'iso8601' for DuckDB's own cast */
  readonly dateFormat: string | null;
  /** strip leading and trailing whitespace (text columns) */
  readonly trim: boolean;
  /** text that means "no value", compared trimmed and lower-cased (`?`, `n/a`, `` …) */
  readonly nullStrings: readonly string[];
  /** numbers that mean "no value" (-999 where exploration or a tag says so) */
  readonly nullNumbers: readonly number[];
  readonly pii: PiiTreatment;
}

export interface SilverPlan {
  readonly table: string;
  readonly columns: readonly SilverColumn[];
  /** rows are deduplicated on these columns (the first row of each key is kept); empty: no key */
  readonly key: readonly string[];
}

/** What a quality rule checks, on silver's cleaned values. */
export type RuleCheck =
  | { readonly kind: 'not_null' }
  | { readonly kind: 'unique' }
  | { readonly kind: 'range'; readonly min: number | null; readonly max: number | null }
  | { readonly kind: 'one_of'; readonly values: readonly string[] }
  | { readonly kind: 'format'; readonly format: 'email' }
  | { readonly kind: 'references'; readonly table: string; readonly column: string };

/** As Delta Live Tables' expectations: keep and count, move the row to quarantine, or stop the build. */
export type RuleAction = 'warn' | 'quarantine' | 'fail';
export const RULE_ACTIONS: readonly RuleAction[] = ['warn', 'quarantine', 'fail'];

export interface QualityRule {
  /** `table.column:kind`, stable across explorations so that an edited rule keeps its edits */
  readonly id: string;
  readonly table: string;
  readonly column: string;
  readonly check: RuleCheck;
  readonly action: RuleAction;
  /** why exploration proposed it, or who wrote it */
  readonly reason: string;
}

/** One rule's outcome on one build. */
export interface RuleResult {
  readonly id: string;
  readonly column: string;
  /** `range`, `not_null` …, or `type` for values that are not of the column's type (made null) */
  readonly kind: string;
  readonly action: RuleAction;
  readonly failed: number;
  /** a few failing values as text (null stays null) */
  readonly examples: readonly (string | null)[];
}

/** The quality report of one silver build: where every row went, and what each rule found. */
export interface SilverReport {
  readonly table: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly quarantined: number;
  readonly duplicatesRemoved: number;
  readonly key: readonly string[];
  readonly dropped: readonly string[];
  readonly rules: readonly RuleResult[];
}
