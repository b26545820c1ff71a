/**
 * Most frequent values per column. On a narrow relation: one GROUP BY per column, gathered with
 * UNION ALL into one statement per chunk (DuckDB reads only the grouped column of each branch).
 * On a wide one, each branch would bind the whole relation again — a cost that grows with the
 * width, paid once per column —, so the columns are counted by `valueCounts`, one statement and
 * one read per chunk of columns. Columns with very many distinct values are counted on the
 * sample instead, to keep memory flat.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ValueCount } from '../profile-types.js';
import { ParamBinder, queryRows, quoteIdent, toCount, toDisplay, type Relation } from '../sql.js';
import { valueCounts } from './value-counts.js';

export interface TopValuesRequest {
  readonly name: string;
  /** count on the sample rather than the full relation */
  readonly fromSample: boolean;
}

/**
 * Relations with more columns than this are counted a chunk of columns per read. Below it, a
 * GROUP BY per column is the faster of the two on tall tables (a hash table per column rather
 * than a `histogram` map), and binding the relation is cheap.
 */
export const WIDE_RELATION_COLUMNS = 100;

export async function topValues(
  conn: DuckDBConnection,
  full: Relation,
  sample: Relation,
  requests: readonly TopValuesRequest[],
  k: number,
  relationColumns: number,
): Promise<Map<string, ValueCount[]>> {
  if (relationColumns > WIDE_RELATION_COLUMNS) {
    const onFull = await valueCounts(conn, full, requests.filter((r) => !r.fromSample).map((r) => r.name), k);
    const onSample = await valueCounts(conn, sample, requests.filter((r) => r.fromSample).map((r) => r.name), k);
    return new Map([...onFull.top, ...onSample.top]);
  }
  const out = new Map<string, ValueCount[]>();
  const chunk = 100;
  for (let start = 0; start < requests.length; start += chunk) {
    const part = requests.slice(start, start + chunk);
    const binder = new ParamBinder({ ...full.params, ...sample.params });
    const limit = binder.bind(k);
    const branches = part.map((req, i) => {
      const c = quoteIdent(req.name);
      const from = req.fromSample ? sample.from : full.from;
      return `(SELECT ${binder.bind(i)}::INTEGER AS col, ${c}::VARCHAR AS v, count(*) AS n FROM ${from} WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY n DESC, v LIMIT ${limit})`;
    });
    const rows = await queryRows(conn, branches.join('\nUNION ALL\n'), binder.params);
    for (const row of rows) {
      const req = part[toCount(row[0])];
      if (!req) continue;
      const list = out.get(req.name) ?? [];
      list.push({ value: toDisplay(row[1]), count: toCount(row[2]) });
      out.set(req.name, list);
    }
  }
  for (const list of out.values()) list.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  return out;
}
