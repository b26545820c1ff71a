import type { FeatureTable } from '../learn/types.js';

/** The rows at `index` of every feature column. */
export function tableRows(table: FeatureTable, index: Uint32Array): FeatureTable {
  const columns = table.columns.map((column) => {
    const values = new Float64Array(index.length);
    for (let i = 0; i < index.length; i++) values[i] = column.values[index[i]!]!;
    return { ...column, values };
  });
  return { rows: index.length, columns };
}

export function valuesAt(values: Float64Array, index: Uint32Array): Float64Array {
  const out = new Float64Array(index.length);
  for (let i = 0; i < index.length; i++) out[i] = values[index[i]!]!;
  return out;
}
