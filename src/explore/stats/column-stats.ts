/**
 * The main scan: every column's aggregates in one statement per chunk of columns (one pass over
 * the data per chunk), including whole-row duplicates. Nothing here runs per row in JavaScript.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ValueCount } from '../profile-types.js';
import {
  datetimeParseExpr,
  numericParseExpr,
  PLACEHOLDER_STRINGS,
  type PhysicalKind,
  type StringFormatStats,
} from '../types/index.js';
import { SelectList } from '../sql-select-list.js';
import { ParamBinder, queryRows, quoteIdent, toCount, toDisplay, toNumber, type Relation } from '../sql.js';

/** How one column is read: its storage, and whether numbers or dates are parsed out of strings. */
export interface ColumnPlan {
  readonly name: string;
  readonly index: number;
  readonly physicalType: string;
  readonly kind: PhysicalKind;
  /** 'native' for numeric storage, 'string' when numbers are parsed from text, null otherwise */
  readonly numericSource: 'native' | 'string' | null;
  /** 'native' for date/timestamp storage, a DATETIME_FORMATS entry for parsed text, null otherwise */
  readonly temporalSource: string | null;
  readonly formats: StringFormatStats | null;
}

export const QUANTILE_LEVELS = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99] as const;

export interface RawNumeric {
  readonly parsed: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  readonly std: number | null;
  readonly sum: number | null;
  readonly skewness: number | null;
  readonly kurtosis: number | null;
  readonly mad: number | null;
  readonly quantiles: readonly (number | null)[];
  readonly zeros: number;
  readonly negatives: number;
  readonly infinite: number;
  readonly nonIntegral: number;
}

export interface RawTemporal {
  readonly parsed: number;
  readonly minIso: string | null;
  readonly maxIso: string | null;
  readonly minMs: number | null;
  readonly maxMs: number | null;
}

export interface RawStrings {
  readonly minLength: number | null;
  readonly maxLength: number | null;
  readonly meanLength: number | null;
  readonly blank: number;
  readonly padded: number;
}

export interface RawColumnStats {
  readonly nonMissing: number;
  readonly distinct: number;
  readonly distinctApprox: boolean;
  readonly numeric: RawNumeric | null;
  readonly temporal: RawTemporal | null;
  readonly strings: RawStrings | null;
  readonly placeholders: readonly ValueCount[];
}

export interface MainScanResult {
  readonly columns: readonly RawColumnStats[];
}

/** Alias of the scanned relation; `hash(alias)` hashes the whole row. */
export const ROW_ALIAS = '"__autolab_row"';

/** Aggregate counting distinct whole rows of a relation aliased ROW_ALIAS (64-bit hashes). */
export const DISTINCT_ROWS_EXPR = `count(DISTINCT hash(${ROW_ALIAS}))`;

export interface MainScanOptions {
  readonly rows: number;
  readonly exactDistinctRowLimit: number;
  /** compute the median absolute deviation (holistic: only on small, in-memory relations) */
  readonly withMad: boolean;
  /**
   * Non-integral counts measured on the sample, for DECIMAL columns of large tables: the
   * `x <> floor(x)` test on decimals costs as much as all other aggregates of the column.
   */
  readonly sampleNonIntegral?: ReadonlyMap<string, number>;
  /** exact distinct counts already known (from value counts of an in-memory table): not recounted */
  readonly knownDistinct?: ReadonlyMap<string, number>;
  readonly chunkColumns?: number;
}

/** SQL for the column's numeric value as DOUBLE (finite only), or null when it has none. */
export function numericExpr(plan: ColumnPlan): string | null {
  const c = quoteIdent(plan.name);
  if (plan.numericSource === 'string') return numericParseExpr(c);
  if (plan.numericSource !== 'native') return null;
  if (plan.kind === 'float') return `(CASE WHEN isfinite(${c}) THEN ${c}::DOUBLE END)`;
  // integers and decimals aggregate natively; a cast per row would double the scan's cost
  return c;
}

/** SQL for the column's value as TIMESTAMP, or null when it has none. */
export function temporalExpr(plan: ColumnPlan, binder: ParamBinder): string | null {
  const c = quoteIdent(plan.name);
  if (plan.temporalSource === null) return null;
  if (plan.temporalSource === 'native') return `${c}::TIMESTAMP`;
  return datetimeParseExpr(c, plan.temporalSource, binder);
}

export async function runMainScan(
  conn: DuckDBConnection,
  relation: Relation,
  plans: readonly ColumnPlan[],
  options: MainScanOptions,
): Promise<MainScanResult> {
  const exact = options.rows <= options.exactDistinctRowLimit;
  const chunk = options.chunkColumns ?? 120;
  const columns: RawColumnStats[] = [];
  for (let start = 0; start < plans.length; start += chunk) {
    const part = plans.slice(start, start + chunk);
    const binder = new ParamBinder(relation.params);
    const list = new SelectList();
    const placeholderStrings = PLACEHOLDER_STRINGS.map((s) => binder.bind(s)).join(', ');
    const readers = part.map((plan) => addColumnAggregates(list, binder, plan, exact, options.withMad, placeholderStrings, options.sampleNonIntegral, options.knownDistinct));
    const rows = await queryRows(conn, `SELECT\n  ${list.toSql()}\nFROM ${relation.from}`, binder.params);
    const row = rows[0] ?? [];
    for (const read of readers) columns.push(read(row));
  }
  return { columns };
}

type RowReader = (row: readonly unknown[]) => RawColumnStats;

function addColumnAggregates(
  list: SelectList,
  binder: ParamBinder,
  plan: ColumnPlan,
  exact: boolean,
  withMad: boolean,
  placeholderStrings: string,
  sampleNonIntegral: ReadonlyMap<string, number> | undefined,
  knownDistinct: ReadonlyMap<string, number> | undefined,
): RowReader {
  const fromSample = plan.kind === 'decimal' ? sampleNonIntegral?.get(plan.name) : undefined;
  const c = quoteIdent(plan.name);
  const nonMissingAt = list.add(`count(${c})`);
  const known = plan.kind === 'other' ? undefined : knownDistinct?.get(plan.name);
  const distinctAt = plan.kind === 'other' || known !== undefined ? -1 : list.add(exact ? `count(DISTINCT ${c})` : `approx_count_distinct(${c})`);

  const num = numericExpr(plan);
  const numericAt = num === null ? null : {
    parsed: list.add(`count(${num})`),
    min: list.add(`min(${num})`),
    max: list.add(`max(${num})`),
    mean: list.add(`avg(${num})`),
    std: list.add(`stddev_samp(${num})`),
    sum: list.add(`sum(${num})`),
    skewness: list.add(`skewness(${num})`),
    kurtosis: list.add(`kurtosis(${num})`),
    // exact quantiles and MAD hold every value in memory; beyond the limit a t-digest does.
    mad: withMad ? list.add(`mad(${num})`) : -1,
    quantiles: list.add(`${exact ? 'quantile_cont' : 'approx_quantile'}(${num}, [${QUANTILE_LEVELS.join(', ')}])`),
    zeros: list.add(`count_if(${num} = 0)`),
    negatives: list.add(`count_if(${num} < 0)`),
    infinite: plan.kind === 'float' ? list.add(`count_if(isinf(${c}))`) : -1,
    nonIntegral: plan.kind === 'integer' || fromSample !== undefined ? -1 : list.add(`count_if(${num} <> floor(${num}))`),
  };

  const tmp = temporalExpr(plan, binder);
  const temporalAt = tmp === null ? null : {
    parsed: list.add(`count(${tmp})`),
    minIso: list.add(`min(${tmp})::VARCHAR`),
    maxIso: list.add(`max(${tmp})::VARCHAR`),
    minMs: list.add(`epoch_ms(min(${tmp}))`),
    maxMs: list.add(`epoch_ms(max(${tmp}))`),
  };

  const isString = plan.kind === 'string';
  const text = `${c}::VARCHAR`;
  const stringsAt = !isString ? null : {
    minLength: list.add(`min(length(${text}))`),
    maxLength: list.add(`max(length(${text}))`),
    meanLength: list.add(`avg(length(${text}))`),
    blank: list.add(`count_if(trim(${text}) = '')`),
    padded: list.add(`count_if(${text} <> trim(${text}))`),
    // the sample tells whether any placeholder occurs; only then is the full column searched
    placeholders: (plan.formats?.placeholders ?? 1) > 0 ? list.add(`histogram(${text}) FILTER (WHERE lower(trim(${text})) IN (${placeholderStrings}))`) : -1,
  };

  return (row) => {
    const nonMissing = toCount(row[nonMissingAt]);
    const placeholders: ValueCount[] = [];
    if (stringsAt && stringsAt.placeholders >= 0) placeholders.push(...mapCounts(row[stringsAt.placeholders]));
    return {
      nonMissing,
      distinct: known ?? (distinctAt >= 0 ? toCount(row[distinctAt]) : 0),
      distinctApprox: !exact && distinctAt >= 0,
      numeric: numericAt === null ? null : {
        parsed: toCount(row[numericAt.parsed]),
        min: toNumber(row[numericAt.min]),
        max: toNumber(row[numericAt.max]),
        mean: toNumber(row[numericAt.mean]),
        std: toNumber(row[numericAt.std]),
        sum: toNumber(row[numericAt.sum]),
        skewness: toNumber(row[numericAt.skewness]),
        kurtosis: toNumber(row[numericAt.kurtosis]),
        mad: numericAt.mad >= 0 ? toNumber(row[numericAt.mad]) : null,
        quantiles: toNumberList(row[numericAt.quantiles], QUANTILE_LEVELS.length),
        zeros: toCount(row[numericAt.zeros]),
        negatives: toCount(row[numericAt.negatives]),
        infinite: numericAt.infinite >= 0 ? toCount(row[numericAt.infinite]) : 0,
        nonIntegral: numericAt.nonIntegral >= 0 ? toCount(row[numericAt.nonIntegral]) : (fromSample ?? 0),
      },
      temporal: temporalAt === null ? null : {
        parsed: toCount(row[temporalAt.parsed]),
        minIso: isoText(row[temporalAt.minIso]),
        maxIso: isoText(row[temporalAt.maxIso]),
        minMs: toNumber(row[temporalAt.minMs]),
        maxMs: toNumber(row[temporalAt.maxMs]),
      },
      strings: stringsAt === null ? null : {
        minLength: toNumber(row[stringsAt.minLength]),
        maxLength: toNumber(row[stringsAt.maxLength]),
        meanLength: toNumber(row[stringsAt.meanLength]),
        blank: toCount(row[stringsAt.blank]),
        padded: toCount(row[stringsAt.padded]),
      },
      placeholders,
    };
  };
}

/** DuckDB's MAP results arrive as [{ key, value }]. */
export function mapCounts(value: unknown): ValueCount[] {
  if (!Array.isArray(value)) return [];
  const out: ValueCount[] = [];
  for (const entry of value as unknown[]) {
    if (entry && typeof entry === 'object' && 'key' in entry && 'value' in entry) {
      const e = entry as { key: unknown; value: unknown };
      out.push({ value: toDisplay(e.key), count: toCount(e.value) });
    }
  }
  return out.sort((a, b) => b.count - a.count);
}

function toNumberList(value: unknown, length: number): (number | null)[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [];
  return Array.from({ length }, (_, i) => toNumber(list[i]));
}

function isoText(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  return value.includes(' ') ? value.replace(' ', 'T') : value;
}
