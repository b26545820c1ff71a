import { DuckDBDoubleVector, DuckDBVarCharVector, type DuckDBConnection, type DuckDBVector } from '@duckdb/node-api';
import { queryRows, quoteIdent, type SqlParams } from '../lake/index.js';
import type { RowConsumer } from '../sources/index.js';
import type { Frame, RawColumn, RawColumnKind } from './frame.js';

function kindOf(duckType: string): RawColumnKind {
  const t = duckType.toUpperCase();
  if (t === 'BOOLEAN') return 'boolean';
  if (t.startsWith('TIMESTAMP') || t === 'DATE') return 'datetime';
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL)$/.test(t) || t.startsWith('DECIMAL')) {
    return 'number';
  }
  return 'string';
}

/** Each column as DuckDB hands it over: numbers, booleans and datetimes as DOUBLE with NaN for missing (no null mask to read), the rest as text. */
function selectExpression(name: string, kind: RawColumnKind): string {
  const id = quoteIdent(name);
  switch (kind) {
    case 'number':
    case 'boolean':
      return `coalesce(CAST(${id} AS DOUBLE), 'NaN'::DOUBLE)`;
    case 'datetime':
      return `coalesce(CAST(epoch_ms(CAST(${id} AS TIMESTAMP)) AS DOUBLE), 'NaN'::DOUBLE)`;
    case 'string':
      return `CAST(${id} AS VARCHAR)`;
  }
}

/**
 * The doubles of a vector as one Float64Array view of DuckDB's memory. The node API keeps that
 * view private, but copying it whole is what keeps a wide frame fast (a million per-value calls
 * cost seconds); when the field is not there (another version of the API) values are read one by one.
 */
function doublesOf(vector: DuckDBVector): Float64Array | undefined {
  if (!(vector instanceof DuckDBDoubleVector)) return undefined;
  const items = (vector as unknown as { items?: unknown }).items;
  return items instanceof Float64Array ? items : undefined;
}

function copyDoubles(vector: DuckDBVector, out: Float64Array, rows: number): void {
  const items = doublesOf(vector);
  if (items !== undefined && items.length >= rows) {
    out.set(items.length === rows ? items : items.subarray(0, rows));
    return;
  }
  for (let i = 0; i < rows; i++) {
    const v = vector.getItem(i);
    out[i] = typeof v === 'number' ? v : NaN;
  }
}

function copyTexts(vector: DuckDBVector, out: (string | null)[], rows: number): void {
  if (vector instanceof DuckDBVarCharVector) {
    for (let i = 0; i < rows; i++) out[i] = vector.getItem(i);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const v = vector.getItem(i);
    out[i] = v === null ? null : String(v);
  }
}

/** The pieces of one column, one per chunk, joined when the read is done. */
type ColumnParts = { readonly typed: true; parts: Float64Array[] } | { readonly typed: false; parts: (string | null)[][] };

/**
 * Takes a file's rows from the sources' reader into a frame: typed columns a vector at a time
 * (one copy of DuckDB's doubles per chunk, no value objects), text value by value. Columns
 * named in `textColumns` are text whatever they hold. A new `consume` starts over.
 */
export class FrameCollector implements RowConsumer {
  readonly #label: string;
  readonly #textColumns: ReadonlySet<string>;
  #frame: Frame | undefined;

  constructor(label: string, textColumns: readonly string[]) {
    this.#label = label;
    this.#textColumns = new Set(textColumns);
  }

  /** The frame of the last read that went through. */
  get frame(): Frame {
    if (this.#frame === undefined) throw new Error(`no rows were read from ${this.#label}`);
    return this.#frame;
  }

  async consume(conn: DuckDBConnection, selectSql: string, params: SqlParams): Promise<void> {
    this.#frame = undefined;
    const described = await queryRows(conn, `DESCRIBE ${selectSql}`, params);
    const names = described.map((r) => String(r[0]));
    const kinds = described.map((r, i) => (this.#textColumns.has(names[i]!) ? 'string' : kindOf(String(r[1]))));
    const columns: ColumnParts[] = kinds.map((kind) => (kind === 'string' ? { typed: false, parts: [] } : { typed: true, parts: [] }));
    let rows = 0;
    if (names.length > 0) {
      const select = names.map((name, i) => `${selectExpression(name, kinds[i]!)} AS c${i}`).join(', ');
      const result = await conn.stream(`SELECT ${select} FROM (${selectSql})`, Object.keys(params).length > 0 ? params : undefined);
      for (let chunk = await result.fetchChunk(); chunk !== null && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
        const n = chunk.rowCount;
        for (let c = 0; c < names.length; c++) {
          const column = columns[c]!;
          if (column.typed) {
            const out = new Float64Array(n);
            copyDoubles(chunk.getColumnVector(c), out, n);
            column.parts.push(out);
          } else {
            const out = new Array<string | null>(n);
            copyTexts(chunk.getColumnVector(c), out, n);
            column.parts.push(out);
          }
        }
        rows += n;
      }
    }
    this.#frame = {
      rows,
      columns: names.map((name, i): RawColumn => {
        const column = columns[i]!;
        if (!column.typed) return { name, kind: 'string', values: column.parts.length === 1 ? column.parts[0]! : column.parts.flat() };
        return { name, kind: kinds[i] as 'number' | 'boolean' | 'datetime', values: joined(column.parts, rows) };
      }),
    };
  }
}

function joined(parts: readonly Float64Array[], rows: number): Float64Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Float64Array(rows);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
