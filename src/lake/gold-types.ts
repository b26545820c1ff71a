/**
 * The feature plan of a gold table, as plain JSON: it goes into the catalog (its hash keys the
 * gold build), and into a model bundle, so that `predict` computes the same features for new rows.
 * Made by `features/synthesis.ts`; turned into DuckDB SQL by `gold.ts`.
 */

/** What a silver column holds, as gold treats it. */
export type GoldValueKind = 'number' | 'boolean' | 'text' | 'time';

export interface GoldColumn {
  readonly name: string;
  readonly kind: GoldValueKind;
}

export interface GoldTable {
  readonly name: string;
  readonly columns: readonly GoldColumn[];
  /** the column that dates a row (a child's rows are cut off by it), or null */
  readonly time: string | null;
  /** when a row became known, a checked SQL expression over the table's columns: a child's rows are cut off by it instead of `time` */
  readonly knownAt?: string;
}

/** One step from a table to its parent: the table's column `via` holds the parent's key `key`. */
export interface ParentHop {
  readonly via: string;
  readonly parent: string;
  readonly key: string;
}

export const DATE_PARTS = ['year', 'month', 'day', 'weekday', 'hour', 'weekend'] as const;
export type DatePart = (typeof DATE_PARTS)[number];

export type GoldAggregate =
  | { readonly fn: 'count' }
  /** days from the child's latest row (before the cut-off) to the cut-off */
  | { readonly fn: 'days_since_last' }
  /** `mode`: the most frequent value (under a cut-off, the earlier to reach its count on a tie; in one instant, the smaller value) */
  | { readonly fn: 'mean' | 'sum' | 'min' | 'max' | 'std' | 'last' | 'trend' | 'distinct' | 'mode'; readonly column: string }
  /** the mean of the label's expression (the share of true) over the child's rows, the child being the target table itself (only under a cut-off) */
  | { readonly fn: 'label_mean' }
  /** rows known in the `days` days before the cut-off (only under one) */
  | { readonly fn: 'recent_count'; readonly days: number }
  /** the mean of `column` over the rows known in the `days` days before the cut-off (only under one) */
  | { readonly fn: 'recent_mean'; readonly column: string; readonly days: number }
  /** rows whose `column` equals `value` */
  | { readonly fn: 'count_value'; readonly column: string; readonly value: string };

/**
 * One feature. `path` leads from the target table through parents (empty: the target table
 * itself); an aggregate then reads the rows of `child` whose `fk` equals the path's end's `key`.
 * An aggregate with an empty path whose child is the target table itself, with `fk` = `key`, reads
 * the target's rows sharing this row's value of that column: an entity that exists only as a
 * repeated value (a flight's origin without an airports table), its history before this row.
 */
export type GoldFeature =
  | { readonly kind: 'column'; readonly name: string; readonly path: readonly ParentHop[]; readonly column: string }
  | { readonly kind: 'date_part'; readonly name: string; readonly path: readonly ParentHop[]; readonly column: string; readonly part: DatePart }
  | { readonly kind: 'text_length' | 'word_count'; readonly name: string; readonly path: readonly ParentHop[]; readonly column: string }
  | {
      readonly kind: 'aggregate';
      readonly name: string;
      readonly path: readonly ParentHop[];
      readonly child: string;
      readonly fk: string;
      readonly key: string;
      readonly aggregate: GoldAggregate;
    };

export type GoldLabel = { readonly kind: 'column'; readonly column: string } | { readonly kind: 'expression'; readonly name: string; readonly expression: string };

export interface GoldPlan {
  readonly version: 1;
  readonly target: {
    readonly table: string;
    readonly label: GoldLabel;
    /** the target table's cut-off time column: related rows at or after a row's time are never read */
    readonly time: string | null;
  };
  /** the schema of every table the plan reads, as planned */
  readonly tables: readonly GoldTable[];
  readonly features: readonly GoldFeature[];
  /** what synthesis left out and why (a child without a time column under a cut-off, …) */
  readonly notes: readonly string[];
}

/** The label's column name in the gold table. */
export function goldLabelName(plan: GoldPlan): string {
  return plan.target.label.kind === 'column' ? plan.target.label.column : plan.target.label.name;
}
