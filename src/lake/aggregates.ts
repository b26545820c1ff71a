/**
 * Business aggregates: for a silver table with a time column and numeric measures, one gold table
 * per grain (day, week, month) of each measure's count, sum, mean, min and max per period — over
 * all rows, and per member of each low-cardinality category ("weekly delays per origin"). Long
 * format, so that one table serves every category: `period`, `dimension` ('(all)' or the
 * category's name), `member` (the category's value as text), `rows`, then `<measure>_sum`,
 * `_mean`, `_min`, `_max`. One DuckDB statement per grain (GROUPING SETS: one pass over the rows);
 * identifiers quoted, values bound.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../common/index.js';
import { copyToParquet } from './bronze-writer.js';
import { queryRows, quoteIdent, quoteLiteral } from './sql.js';

export const AGGREGATE_GRAINS = ['day', 'week', 'month'] as const;
export type AggregateGrain = (typeof AGGREGATE_GRAINS)[number];

/** The dimension of the rows over every member */
export const ALL_MEMBERS = '(all)';

/** What to aggregate in one table: plain JSON, hashed as an input of the stage that builds it. */
export interface AggregateSpec {
  readonly table: string;
  /** the time column the periods come from */
  readonly time: string;
  /** numeric columns */
  readonly measures: readonly string[];
  /** low-cardinality categorical columns, each its own dimension */
  readonly dimensions: readonly string[];
}

export interface AggregateTable {
  readonly grain: AggregateGrain;
  readonly rows: number;
  readonly periods: number;
  readonly firstPeriod: string | null;
  readonly lastPeriod: string | null;
  /** the output's columns, in order */
  readonly columns: readonly string[];
}

export interface AggregateReport {
  readonly table: string;
  readonly time: string;
  /** silver rows read */
  readonly rowsIn: number;
  /** rows without a time, left out of every period */
  readonly withoutTime: number;
  readonly tables: readonly AggregateTable[];
}

const STATISTICS = [
  ['sum', 'sum'],
  ['mean', 'avg'],
  ['min', 'min'],
  ['max', 'max'],
] as const;

/** The output columns of a spec's tables, measure statistics named `<measure>_<statistic>` (made unique). */
export function aggregateColumns(spec: AggregateSpec): { name: string; measure?: string; statistic?: string }[] {
  const columns: { name: string; measure?: string; statistic?: string }[] = [{ name: 'period' }, { name: 'dimension' }, { name: 'member' }, { name: 'rows' }];
  const taken = new Set(columns.map((c) => c.name));
  for (const measure of spec.measures) {
    for (const [suffix, fn] of STATISTICS) {
      let name = `${measure}_${suffix}`;
      for (let i = 2; taken.has(name); i++) name = `${measure}_${suffix}_${i}`;
      taken.add(name);
      columns.push({ name, measure, statistic: fn });
    }
  }
  return columns;
}

/**
 * Writes `outPaths[grain]` (Parquet) for every grain from the silver Parquet at `silverPath`.
 * A column of the spec missing from the file is a one-line error naming it.
 */
export async function buildAggregates(
  conn: DuckDBConnection,
  spec: AggregateSpec,
  silverPath: string,
  outPaths: Readonly<Record<AggregateGrain, string>>,
): Promise<AggregateReport> {
  const described = await queryRows(conn, 'DESCRIBE SELECT * FROM read_parquet($silver)', { silver: silverPath });
  const present = new Set(described.map((r) => String(r[0])));
  for (const column of [spec.time, ...spec.measures, ...spec.dimensions]) {
    if (!present.has(column)) throw new InputError(`aggregates of ${spec.table}: the silver table has no column ${column}`, 'run `autolab run` again: the plan is made from the latest tags');
  }
  const time = `CAST(${quoteIdent(spec.time)} AS TIMESTAMP)`;
  const [[rowsIn, withoutTime]] = (await queryRows(conn, `SELECT count(*), count(*) - count(${time}) FROM read_parquet($silver)`, { silver: silverPath })) as [[unknown, unknown]];
  const columns = aggregateColumns(spec);
  const statistics = columns
    .filter((c) => c.measure !== undefined)
    .map((c) => `${c.statistic}(CAST(${quoteIdent(c.measure!)} AS DOUBLE)) AS ${quoteIdent(c.name)}`);
  const dims = spec.dimensions.map(quoteIdent);
  const dimension = dims.length === 0 ? quoteLiteral(ALL_MEMBERS) : `CASE ${dims.map((d, i) => `WHEN GROUPING(${d}) = 0 THEN $dim${i}`).join(' ')} ELSE ${quoteLiteral(ALL_MEMBERS)} END`;
  const member = dims.length === 0 ? 'CAST(NULL AS VARCHAR)' : `CASE ${dims.map((d) => `WHEN GROUPING(${d}) = 0 THEN CAST(${d} AS VARCHAR)`).join(' ')} END`;
  const sets = ['(period)', ...dims.map((d) => `(period, ${d})`)].join(', ');
  const params = Object.fromEntries(spec.dimensions.map((d, i) => [`dim${i}`, d]));
  const tables: AggregateTable[] = [];
  for (const grain of AGGREGATE_GRAINS) {
    const select = `SELECT period, ${dimension} AS dimension, ${member} AS member, count(*) AS "rows"${statistics.length > 0 ? ', ' + statistics.join(', ') : ''}
      FROM (SELECT *, date_trunc(${quoteLiteral(grain)}, ${time}) AS period FROM read_parquet($silver) WHERE ${time} IS NOT NULL)
      GROUP BY GROUPING SETS (${sets})
      ORDER BY dimension, member NULLS LAST, period`;
    await copyToParquet(conn, select, { ...params, silver: silverPath }, outPaths[grain]);
    const [[rows, periods, first, last]] = (await queryRows(
      conn,
      'SELECT count(*), count(DISTINCT period), CAST(min(period) AS VARCHAR), CAST(max(period) AS VARCHAR) FROM read_parquet($out)',
      { out: outPaths[grain] },
    )) as [[unknown, unknown, string | null, string | null]];
    tables.push({ grain, rows: Number(rows), periods: Number(periods), firstPeriod: first, lastPeriod: last, columns: columns.map((c) => c.name) });
  }
  return { table: spec.table, time: spec.time, rowsIn: Number(rowsIn), withoutTime: Number(withoutTime), tables };
}
