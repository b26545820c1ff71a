/**
 * Every column's distinct values with their counts, for a table held in memory (the whole table
 * copied as the sample): one UNPIVOT and GROUP BY per chunk of columns gives each column's exact
 * distinct count and top values at once. On a wide table this replaces thousands of per-column
 * `count(DISTINCT …)` hash tables and GROUP BYs, whose fixed cost dominates on few rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ValueCount } from '../profile-types.js';
import { ParamBinder, queryRows, quoteIdent, toCount, toDisplay, type Relation } from '../sql.js';

export interface ValueCounts {
  /** exact distinct non-missing values, per column (0 for a column with none) */
  readonly distinct: ReadonlyMap<string, number>;
  /** the k most frequent values, most frequent first (ties by value), as `topValues` orders them */
  readonly top: ReadonlyMap<string, ValueCount[]>;
}

export async function valueCounts(conn: DuckDBConnection, relation: Relation, columns: readonly string[], k: number): Promise<ValueCounts> {
  const distinct = new Map<string, number>();
  const top = new Map<string, ValueCount[]>();
  if (columns.length === 0) return { distinct, top };
  const chunk = 200;
  for (let start = 0; start < columns.length; start += chunk) {
    const part = columns.slice(start, start + chunk);
    const binder = new ParamBinder(relation.params);
    // values compare as text, as top values are shown; NULLs drop out in UNPIVOT
    const unpivot = part.map((name, i) => `${quoteIdent(name)}::VARCHAR AS "${i}"`).join(', ');
    const rows = await queryRows(
      conn,
      `WITH counts AS (
         SELECT CAST(k AS INTEGER) AS col, v, count(*) AS n
         FROM (UNPIVOT (SELECT ${unpivot} FROM ${relation.from}) ON COLUMNS(*) INTO NAME k VALUE v)
         GROUP BY ALL),
       ranked AS (
         SELECT col, v, n, count(*) OVER (PARTITION BY col) AS d, row_number() OVER (PARTITION BY col ORDER BY n DESC, v) AS r
         FROM counts)
       SELECT col, v, n, d FROM ranked WHERE r <= ${binder.bind(k)} ORDER BY col, r`,
      binder.params,
    );
    for (const name of part) {
      distinct.set(name, 0);
      top.set(name, []);
    }
    for (const row of rows) {
      const name = part[toCount(row[0])];
      if (name === undefined) continue;
      distinct.set(name, toCount(row[3]));
      top.get(name)?.push({ value: toDisplay(row[1]), count: toCount(row[2]) });
    }
  }
  // the same order as topValues gives
  for (const list of top.values()) list.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  return { distinct, top };
}
