import type { DuckDBConnection, DuckDBVector } from '@duckdb/node-api';
import { DuckDBDoubleVector, DuckDBVarCharVector, queryRows, quoteIdent, quoteLiteral, type ColumnSchema, type SqlParams } from '../lake/index.js';
import { shareableColumn } from '../learn/index.js';
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

/**
 * Each column as DuckDB hands it over: numbers, booleans and datetimes as DOUBLE (missing values
 * are made NaN from the vector's null mask: `coalesce(…, NaN)` on each of a wide table's 1,700
 * columns cost DuckDB 0.09 s), the rest as text.
 */
function selectExpression(name: string, kind: RawColumnKind): string {
  const id = quoteIdent(name);
  switch (kind) {
    case 'number':
    case 'boolean':
      return `CAST(${id} AS DOUBLE)`;
    case 'datetime':
      return `CAST(epoch_ms(CAST(${id} AS TIMESTAMP)) AS DOUBLE)`;
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

/** The null mask's 64-bit words are read as 32-bit halves: the low half first on this machine. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * A vector's null mask as 32-bit words (bit i of the mask: row i is present), null when every row
 * is present, undefined when the API does not show it as expected (private, as `items` is).
 */
function nullMaskOf(vector: DuckDBVector, rows: number): Uint32Array | null | undefined {
  if (!LITTLE_ENDIAN) return undefined;
  const validity = (vector as unknown as { validity?: { data?: unknown; offset?: unknown } }).validity;
  if (validity === undefined || validity.offset !== 0) return undefined;
  if (validity.data === null) return null;
  const data = validity.data;
  if (!(data instanceof BigUint64Array) || data.length * 64 < rows) return undefined;
  return new Uint32Array(data.buffer, data.byteOffset, data.length * 2);
}

/**
 * Writes a vector's first `rows` doubles into `out` from `offset`, NaN where one is missing: one
 * copy of DuckDB's memory and a look at each 32 rows' mask when they can be had.
 */
function copyDoubles(vector: DuckDBVector, out: Float64Array, offset: number, rows: number): void {
  const items = doublesOf(vector);
  const mask = nullMaskOf(vector, rows);
  if (items !== undefined && items.length >= rows && mask !== undefined) {
    out.set(items.length === rows ? items : items.subarray(0, rows), offset);
    if (mask !== null) {
      for (let w = 0; w * 32 < rows; w++) {
        const word = mask[w]!;
        if (word === 0xffffffff) continue;
        for (let bit = 0, row = w * 32; bit < 32 && row < rows; bit++, row++) if ((word & (1 << bit)) === 0) out[offset + row] = NaN;
      }
    }
    return;
  }
  for (let i = 0; i < rows; i++) {
    const v = vector.getItem(i);
    out[offset + i] = typeof v === 'number' ? v : NaN;
  }
}

function copyTexts(vector: DuckDBVector, out: (string | null)[], offset: number, rows: number): void {
  if (vector instanceof DuckDBVarCharVector) {
    for (let i = 0; i < rows; i++) out[offset + i] = vector.getItem(i);
    return;
  }
  for (let i = 0; i < rows; i++) {
    const v = vector.getItem(i);
    out[offset + i] = v === null ? null : String(v);
  }
}

/** Lists of known labels longer than this are not turned into an ENUM type (its SQL text grows with them). */
const MAX_ENUM_LABELS = 10_000;

/**
 * A text column whose values are mostly known labels (a model's categories), read as DuckDB's code
 * of the label in an ENUM of them: the frame's values are then the labels' own strings, one per
 * label, rather than a million strings decoded from DuckDB's memory (0.1 µs each and garbage for
 * the collector). A row holding a value that is no label, in any such column, brings every such
 * column's text in one more column (`otherTexts`), a JSON array: one text column beside the codes
 * (a text column per labelled column, all but empty, cost DuckDB's result 70 ms each a million
 * rows). Same values either way.
 */
interface LabelledText {
  readonly labels: readonly string[];
  /** the expression of the value in an ENUM of the labels (NULL: missing, or no label) */
  readonly asEnum: string;
  /** a chunk's codes (NaN: missing, or no label), grown to the chunk's rows */
  codes: Float64Array;
}

/** Known labels usable as an ENUM: at least one, each once, not too many. */
function enumLabels(labels: readonly string[] | undefined): readonly string[] | undefined {
  if (labels === undefined || labels.length === 0 || labels.length > MAX_ENUM_LABELS) return undefined;
  return new Set(labels).size === labels.length ? labels : undefined;
}

/** The column that holds, for a row with a value that is no label, every labelled column's text (a JSON array, in column order); NULL elsewhere. */
function otherTexts(labelled: readonly { readonly id: string; readonly text: LabelledText }[]): string {
  const unseen = labelled.map(({ id, text }) => `(${text.asEnum} IS NULL AND ${id} IS NOT NULL)`).join(' OR ');
  return `CASE WHEN ${unseen} THEN to_json([${labelled.map(({ id }) => `CAST(${id} AS VARCHAR)`).join(', ')}]) END`;
}

/** Fills a labelled text column's rows with its labels (null where the code is missing: `fillOthers` then writes what is no label). */
function copyLabelled(text: LabelledText, codeVector: DuckDBVector, out: (string | null)[], offset: number, rows: number): void {
  if (text.codes.length < rows) text.codes = new Float64Array(rows);
  const { labels, codes } = text;
  copyDoubles(codeVector, codes, 0, rows);
  for (let i = 0; i < rows; i++) {
    const code = codes[i]!;
    out[offset + i] = code === code ? labels[code]! : null;
  }
}

/** Writes the texts that are no label, from the `otherTexts` vector, into the labelled columns (`columns[k]` is labelled column k's values). */
function fillOthers(vector: DuckDBVector, labelled: readonly LabelledText[], columns: readonly (string | null)[][], offset: number, rows: number): void {
  const mask = nullMaskOf(vector, rows);
  for (let w = 0; w * 32 < rows; w++) {
    // rows without a value that is no label are NULL here: skipped a word of the mask at a time
    if (mask !== undefined && mask !== null && mask[w] === 0) continue;
    for (let i = w * 32; i < Math.min(rows, w * 32 + 32); i++) {
      const json = vector.getItem(i);
      if (typeof json !== 'string') continue;
      const texts = JSON.parse(json) as (string | null)[];
      labelled.forEach((text, k) => {
        if (text.codes[i] !== text.codes[i]) columns[k]![offset + i] = texts[k] ?? null;
      });
    }
  }
}

/**
 * Takes a file's rows from the sources' reader into a frame: each typed column allocated once,
 * for the rows DuckDB read, and filled a vector at a time (one copy of DuckDB's doubles per chunk,
 * no value objects), text value by value — or, where the caller knows a text column's labels,
 * as codes of them (`LabelledText`). Columns named in `textColumns` are text whatever they hold. A
 * new `consume` starts over.
 */
export class FrameCollector implements RowConsumer {
  readonly #label: string;
  readonly #textColumns: ReadonlySet<string>;
  readonly #labels: ReadonlyMap<string, readonly string[]>;
  readonly #scored: boolean;
  #frame: Frame | undefined;

  /**
   * `labels`: text columns' known values (a model's categories), read as codes of them
   * (`LabelledText`); `scored`: the rows are a batch to score, their numbers put where the
   * prediction workers read them (`shareableColumn`)
   */
  constructor(label: string, options: { readonly textColumns?: readonly string[]; readonly labels?: ReadonlyMap<string, readonly string[]>; readonly scored?: boolean } = {}) {
    this.#label = label;
    this.#textColumns = new Set(options.textColumns);
    this.#labels = options.labels ?? new Map();
    this.#scored = options.scored === true;
  }

  /** The frame of the last read that went through. */
  get frame(): Frame {
    if (this.#frame === undefined) throw new Error(`no rows were read from ${this.#label}`);
    return this.#frame;
  }

  async consume(conn: DuckDBConnection, selectSql: string, params: SqlParams, columns?: readonly ColumnSchema[]): Promise<void> {
    this.#frame = undefined;
    const described = columns ?? (await queryRows(conn, `DESCRIBE ${selectSql}`, params)).map((r) => ({ name: String(r[0]), type: String(r[1]) }));
    const names = described.map((c) => c.name);
    const kinds = described.map((c) => (this.#textColumns.has(c.name) ? 'string' : kindOf(c.type)));
    let rows = 0;
    let values: (Float64Array | (string | null)[])[] = [];
    if (names.length > 0) {
      const labelled = names.map((name, i): LabelledText | undefined => {
        const labels = kinds[i] === 'string' ? enumLabels(this.#labels.get(name)) : undefined;
        return labels && { labels, asEnum: `TRY_CAST(CAST(${quoteIdent(name)} AS VARCHAR) AS ENUM(${labels.map(quoteLiteral).join(', ')}))`, codes: new Float64Array(2048) };
      });
      const expressions = names.map((name, i) => {
        const known = labelled[i];
        return known ? `CAST(enum_code(${known.asEnum}) AS DOUBLE) AS c${i}` : `${selectExpression(name, kinds[i]!)} AS c${i}`;
      });
      const withLabels = names.flatMap((name, i) => (labelled[i] ? [{ id: quoteIdent(name), text: labelled[i], column: i }] : []));
      if (withLabels.length > 0) expressions.push(`${otherTexts(withLabels)} AS others`);
      const select = expressions.join(', ');
      // materialized, not streamed: a streamed read that fails part way (a value that does not fit
      // its column's type, past the first chunks) ends as if complete, its later rows lost; and
      // the row count known up front lets each vector go straight into its column
      const result = await conn.run(`SELECT ${select} FROM (${selectSql})`, Object.keys(params).length > 0 ? params : undefined);
      rows = result.rowCount;
      values = kinds.map((kind) => (kind === 'string' ? new Array<string | null>(rows) : this.#scored ? shareableColumn(rows) : new Float64Array(rows)));
      let offset = 0;
      // in order, as DuckDB hands a result over (`getChunk(i)` seeks each chunk afresh: a third more
      // time), the next chunk asked for before this one is copied: DuckDB makes it on its thread
      // meanwhile (one at a time, the chunks were ~60 % waiting)
      let next = result.fetchChunk();
      for (let chunk = await next; chunk !== null && chunk.rowCount > 0; chunk = await next) {
        next = result.fetchChunk();
        next.catch(() => undefined); // a failure is met at the next await, not as unhandled should this chunk's copy throw
        const n = chunk.rowCount;
        for (let c = 0; c < names.length; c++) {
          const column = values[c]!;
          const known = labelled[c];
          if (column instanceof Float64Array) copyDoubles(chunk.getColumnVector(c), column, offset, n);
          else if (known) copyLabelled(known, chunk.getColumnVector(c), column, offset, n);
          else copyTexts(chunk.getColumnVector(c), column, offset, n);
        }
        if (withLabels.length > 0) {
          const texts = withLabels.map(({ column }) => values[column] as (string | null)[]);
          fillOthers(chunk.getColumnVector(names.length), withLabels.map(({ text }) => text), texts, offset, n);
        }
        offset += n;
      }
    }
    this.#frame = {
      rows,
      columns: names.map((name, i): RawColumn => {
        const column = values[i]!;
        return column instanceof Float64Array ? { name, kind: kinds[i] as 'number' | 'boolean' | 'datetime', values: column } : { name, kind: 'string', values: column };
      }),
    };
  }
}
