/**
 * Every column's exact distinct count and top values, one `histogram` aggregate per column and one
 * statement per chunk of columns: the relation is read once per chunk, whatever its width. A
 * statement that names the relation once per column (a UNION ALL of per-column GROUP BYs) pays for
 * binding the whole relation once per column — on a 5,000-column Parquet file about 70 ms each, so
 * the cost grew with the square of the width (issue 12: 76 s of 107 s).
 *
 * The values are grouped in their own type (as a GROUP BY does) and shown as text; ties in count
 * are ordered by that text, as `topValues` orders them. Only the entries whose count reaches the
 * k-th largest are cast to text and sorted.
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

/**
 * Columns per statement. Each histogram holds a column's distinct values; the callers send here
 * only columns with at most `topValuesFullDistinctLimit` of them (or a bounded sample).
 */
export const VALUE_COUNT_CHUNK = 100;

export async function valueCounts(conn: DuckDBConnection, relation: Relation, columns: readonly string[], k: number): Promise<ValueCounts> {
  const distinct = new Map<string, number>();
  const top = new Map<string, ValueCount[]>();
  for (let start = 0; start < columns.length; start += VALUE_COUNT_CHUNK) {
    const part = columns.slice(start, start + VALUE_COUNT_CHUNK);
    const binder = new ParamBinder(relation.params);
    const limit = binder.bind(k);
    // NULLs are not counted by histogram; a column with no value gets a NULL map
    const histograms = part.map((name, i) => `histogram(${quoteIdent(name)}) AS h${i}`);
    // the k-th largest count, once per column: entries below it cannot be in the top k
    const thresholds = part.map((_, i) => `h${i}, coalesce(list_sort(map_values(h${i}), 'DESC')[${limit}], 0) AS t${i}`);
    const tops = part.map(
      (_, i) =>
        `list_transform(list_slice(list_sort(list_transform(list_filter(map_entries(h${i}), e -> e.value >= t${i}), e -> {n: -(e.value::BIGINT), v: e.key::VARCHAR})), 1, ${limit}), e -> {v: e.v, n: -e.n}), cardinality(h${i})`,
    );
    const row =
      (
        await queryRows(
          conn,
          `SELECT ${tops.join(',\n  ')}\nFROM (SELECT ${thresholds.join(', ')}\n  FROM (SELECT ${histograms.join(',\n  ')}\n    FROM ${relation.from}))`,
          binder.params,
        )
      )[0] ?? [];
    part.forEach((name, i) => {
      const entries = row[2 * i];
      distinct.set(name, toCount(row[2 * i + 1]));
      top.set(
        name,
        Array.isArray(entries) ? (entries as { v: unknown; n: unknown }[]).map((e) => ({ value: toDisplay(e.v), count: toCount(e.n) })) : [],
      );
    });
  }
  // the same order as topValues gives
  for (const list of top.values()) list.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
  return { distinct, top };
}
