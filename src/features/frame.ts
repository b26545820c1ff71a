/**
 * A raw table as read from a file or given by a caller, before any feature engineering: one typed
 * column per input column. Numbers, booleans and datetimes are Float64Array with NaN for missing;
 * everything else stays text.
 */
export type RawColumn =
  | { readonly name: string; readonly kind: 'number'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'boolean'; readonly values: Float64Array }
  /** milliseconds since the Unix epoch */
  | { readonly name: string; readonly kind: 'datetime'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'string'; readonly values: readonly (string | null)[] };

export type RawColumnKind = RawColumn['kind'];

export interface Frame {
  readonly rows: number;
  readonly columns: readonly RawColumn[];
  /** the rows before this frame's first in what it was read from, when it is a slice of a bigger read (messages name a row by its place there) */
  readonly firstRow?: number;
}

export function findColumn(frame: Frame, name: string): RawColumn | undefined {
  return frame.columns.find((c) => c.name === name);
}

/** The rows at `index`, in that order, of every column. */
export function takeRows(frame: Frame, index: ArrayLike<number>): Frame {
  const n = index.length;
  const columns = frame.columns.map((column): RawColumn => {
    if (column.kind === 'string') {
      const out = new Array<string | null>(n);
      for (let i = 0; i < n; i++) out[i] = column.values[index[i]!] ?? null;
      return { name: column.name, kind: 'string', values: out };
    }
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = column.values[index[i]!]!;
    return { ...column, values: out };
  });
  return { rows: n, columns };
}

/** Builds a frame from row objects (the TypeScript API's `predict(rows)`), inferring each column's kind. */
export function frameFromRows(rows: readonly Record<string, unknown>[], names?: readonly string[]): Frame {
  const columnNames = names ?? [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const columns = columnNames.map((name) => columnFromValues(name, rows.map((row) => row[name])));
  return { rows: rows.length, columns };
}

function columnFromValues(name: string, values: readonly unknown[]): RawColumn {
  const present = values.filter((v) => v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v)));
  const n = values.length;
  if (present.length > 0 && present.every((v) => typeof v === 'number')) {
    return { name, kind: 'number', values: Float64Array.from(values, (v) => (typeof v === 'number' ? v : NaN)) };
  }
  if (present.length > 0 && present.every((v) => typeof v === 'boolean')) {
    return { name, kind: 'boolean', values: Float64Array.from(values, (v) => (typeof v === 'boolean' ? Number(v) : NaN)) };
  }
  if (present.length > 0 && present.every((v) => v instanceof Date)) {
    return { name, kind: 'datetime', values: Float64Array.from(values, (v) => (v instanceof Date ? v.getTime() : NaN)) };
  }
  if (present.length === 0) return { name, kind: 'number', values: new Float64Array(n).fill(NaN) };
  return {
    name,
    kind: 'string',
    values: values.map((v) => (v === null || v === undefined ? null : v instanceof Date ? v.toISOString() : String(v))),
  };
}
