/**
 * Exact distinct counts by bitmap: for a column whose values map to whole numbers in a bounded
 * range (integers, dates, timestamps at whole seconds), `bit_count(bitstring_agg(x, lo, hi))` is
 * exact and needs (hi − lo) bits per thread — a fraction of the time and memory of the hash table
 * behind `count(DISTINCT x)` on a large table (1 s instead of 8 s on 20 million unique ids).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnPlan, RawColumnStats } from './column-stats.js';
import { SelectList } from '../sql-select-list.js';
import { queryRows, quoteIdent, toCount, type Relation } from '../sql.js';

/** 2^27 bits = 16 MiB per thread, at most. */
const MAX_BITS = 2 ** 27;

/** Below this many (estimated) distinct values a hash count is cheaper than a bitmap. */
const MIN_DISTINCT = 50_000;

export interface BitmapCheck {
  readonly name: string;
  /** a BIGINT expression of the column */
  readonly expr: string;
  readonly lower: number;
  readonly upper: number;
  /** counts the values the mapping would merge (sub-second timestamps); the bitmap counts only when it is 0 */
  readonly guard: string | null;
}

const SECOND_TIMESTAMPS = new Set(['TIMESTAMP', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'DATETIME', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMPTZ']);

/** How to count `plan` exactly by bitmap, or null when its values do not fit a small range. */
export function bitmapCheck(plan: ColumnPlan, stats: RawColumnStats, minDistinct = MIN_DISTINCT): BitmapCheck | null {
  if (stats.distinct < minDistinct) return null;
  const c = quoteIdent(plan.name);
  const fits = (lower: number, upper: number) =>
    Number.isSafeInteger(lower) && Number.isSafeInteger(upper) && upper >= lower && upper - lower + 1 <= MAX_BITS;
  if (plan.kind === 'integer' && plan.numericSource === 'native') {
    const min = stats.numeric?.min;
    const max = stats.numeric?.max;
    if (min === null || min === undefined || max === null || max === undefined || !fits(min, max)) return null;
    return { name: plan.name, expr: `CAST(${c} AS BIGINT)`, lower: min, upper: max, guard: null };
  }
  if (plan.kind === 'temporal' && plan.temporalSource === 'native' && stats.temporal) {
    const { minMs, maxMs } = stats.temporal;
    if (minMs === null || maxMs === null) return null;
    const type = plan.physicalType.toUpperCase();
    if (type === 'DATE') {
      const lower = Math.floor(minMs / 86_400_000);
      const upper = Math.ceil(maxMs / 86_400_000);
      return fits(lower, upper) ? { name: plan.name, expr: `date_diff('day', DATE '1970-01-01', ${c})`, lower, upper, guard: null } : null;
    }
    if (SECOND_TIMESTAMPS.has(type)) {
      // a margin of one second either side: the guard, not the range, decides whether sub-second values exist
      const lower = Math.floor(minMs / 1000) - 1;
      const upper = Math.ceil(maxMs / 1000) + 1;
      if (!fits(lower, upper)) return null;
      return { name: plan.name, expr: `(epoch_us(${c}) // 1000000)`, lower, upper, guard: `count_if(epoch_us(${c}) % 1000000 <> 0)` };
    }
  }
  return null;
}

/**
 * One statement over the columns' own data (Parquet reads only those columns). Returns the exact
 * distinct count of every column whose guard passed; the others need a hash count. A failure
 * (an engine that lacks `bitstring_agg`, a value outside the range) falls back the same way.
 */
export async function runBitmapChecks(conn: DuckDBConnection, relation: Relation, checks: readonly BitmapCheck[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (checks.length === 0) return out;
  const list = new SelectList();
  // bitstring_agg takes its range only as constants, not parameters: the bounds are safe integers
  // this module computed from the column's own minimum and maximum, never text from outside
  const at = checks.map((check) => ({
    check,
    count: list.add(`bit_count(bitstring_agg(${check.expr}, ${integerLiteral(check.lower)}, ${integerLiteral(check.upper)}))`),
    guard: check.guard === null ? -1 : list.add(check.guard),
  }));
  let row: readonly unknown[];
  try {
    row = (await queryRows(conn, `SELECT ${list.toSql()} FROM ${relation.from}`, relation.params))[0] ?? [];
  } catch {
    return out;
  }
  for (const { check, count, guard } of at) {
    if (guard >= 0 && toCount(row[guard]) > 0) continue;
    out.set(check.name, toCount(row[count]));
  }
  return out;
}

function integerLiteral(value: number): string {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a safe integer: ${value}`);
  return `${value}::BIGINT`;
}
