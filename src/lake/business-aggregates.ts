/**
 * Business aggregates: a table's numeric measures per day, week or month, overall or per value of
 * a category ("weekly delays per origin") — gold tables for dashboards, one DuckDB statement each
 * over the table's silver Parquet. Names quoted, the path bound; the period is one of three words.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { describeParquet } from './bronze-writer.js';
import { execute, quoteIdent, quoteLiteral } from './sql.js';

export const PERIODS = ['day', 'week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

export interface BusinessAggregate {
  readonly table: string;
  /** the time column the periods cut */
  readonly time: string;
  /** the category each row of the aggregate is for, or null: the whole table */
  readonly by: string | null;
  readonly measures: readonly string[];
  readonly period: Period;
}

/** The aggregate's name in the gold layer: `flights.by-origin.week`, `flights.month`. */
export function businessAggregateName(a: BusinessAggregate): string {
  return `${a.table}.${a.by === null ? '' : `by-${a.by}.`}${a.period}`;
}

/**
 * Writes `period` (the period's first instant), the category's value as text when there is one,
 * `rows`, and per measure its mean, sum, min and max — one row per period and value, in order.
 */
export async function buildBusinessAggregate(conn: DuckDBConnection, aggregate: BusinessAggregate, path: string, outPath: string): Promise<{ rows: number }> {
  if (!PERIODS.includes(aggregate.period)) throw new Error(`no period ${aggregate.period}`);
  const q = quoteIdent;
  const by = aggregate.by === null ? [] : [`CAST(${q(aggregate.by)} AS VARCHAR) AS ${q(aggregate.by)}`];
  const measures = aggregate.measures.flatMap((m) => [
    `avg(${q(m)}) AS ${q(`mean(${m})`)}`,
    `sum(${q(m)}) AS ${q(`sum(${m})`)}`,
    `min(${q(m)}) AS ${q(`min(${m})`)}`,
    `max(${q(m)}) AS ${q(`max(${m})`)}`,
  ]);
  const select = [`date_trunc(${quoteLiteral(aggregate.period)}, CAST(${q(aggregate.time)} AS TIMESTAMP)) AS period`, ...by, 'count(*) AS rows', ...measures];
  await execute(conn, `COPY (SELECT ${select.join(', ')} FROM read_parquet($p) WHERE ${q(aggregate.time)} IS NOT NULL GROUP BY ALL ORDER BY ALL) TO ${quoteLiteral(outPath)} (FORMAT parquet)`, { p: path });
  return { rows: (await describeParquet(conn, outPath)).rows };
}
