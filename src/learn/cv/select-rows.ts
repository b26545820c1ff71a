/** Row selection by index (folds, samples, holdouts): the one gather of a table's or a column's rows. */
import type { FeatureTable } from '../types.js';

/** The rows of `table` at `rows`, in that order, as a new table (columns copied). */
export function selectRows(table: FeatureTable, rows: Uint32Array): FeatureTable {
  return {
    rows: rows.length,
    columns: table.columns.map((column) => ({ ...column, values: selectValues(column.values, rows) })),
  };
}

/** `values` at `rows`, in that order. */
export function selectValues(values: Float64Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]!]!;
  return out;
}
