import type { DuckDBConnection, DuckDBMaterializedResult, DuckDBVector } from '@duckdb/node-api';
import { DuckDBDoubleVector, DuckDBListVector, DuckDBVarCharVector, queryRows, quoteIdent, quoteLiteral, type ColumnSchema, type SqlParams } from '../lake/index.js';
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
  /** the read's column of the value in an ENUM of the labels (NULL: missing, or no label) */
  readonly asEnum: string;
  /** the read's column of the value as it is */
  readonly id: string;
  /** a chunk's codes (NaN: missing, or no label), grown to the chunk's rows */
  codes: Float64Array;
}

/** Known labels usable as an ENUM: at least one, each once, not too many. */
function enumLabels(labels: readonly string[] | undefined): readonly string[] | undefined {
  if (labels === undefined || labels.length === 0 || labels.length > MAX_ENUM_LABELS) return undefined;
  return new Set(labels).size === labels.length ? labels : undefined;
}

/** The column that holds, for a row with a value that is no label, every labelled column's text (a JSON array, in column order); NULL elsewhere. */
function otherTexts(labelled: readonly LabelledText[]): string {
  const unseen = labelled.map(({ id, asEnum }) => `(${asEnum} IS NULL AND ${id} IS NOT NULL)`).join(' OR ');
  return `CASE WHEN ${unseen} THEN to_json([${labelled.map(({ id }) => `CAST(${id} AS VARCHAR)`).join(', ')}]) END`;
}

/** Fills a labelled text column's rows with the labels of its chunk's codes (null where the code is missing: `fillOthers` then writes what is no label). */
function labelTexts(text: LabelledText, out: (string | null)[], offset: number, rows: number): void {
  const { labels, codes } = text;
  for (let i = 0; i < rows; i++) {
    const code = codes[i]!;
    out[offset + i] = code === code ? labels[code]! : null;
  }
}

/**
 * Unpacks a chunk's list of doubles per row (`[e₀, …, eₘ₋₁]`, every row's list m long) into m
 * columns: element c of row r goes to `targets[c][offsets[c] + r]`, NaN where it is missing. The
 * lists' elements lie row after row in one child vector, copied out a column at a time; when that
 * vector cannot be had as expected (another version of the API), element by element.
 */
function unpackDoubles(vector: DuckDBVector, targets: readonly Float64Array[], offsets: readonly number[], rows: number): void {
  const m = targets.length;
  if (!(vector instanceof DuckDBListVector)) throw new Error(`expected the packed numbers as a list, not ${vector.type.toString()}`);
  const child = vector.childVector;
  const items = doublesOf(child);
  const mask = nullMaskOf(child, rows * m);
  const laidOut = rows === 0 || (vector.getEntryOffset(0) === 0 && vector.getEntryOffset(rows - 1) === (rows - 1) * m && vector.getEntryLength(rows - 1) === m);
  if (items !== undefined && items.length >= rows * m && mask !== undefined && laidOut) {
    for (let c = 0; c < m; c++) {
      const target = targets[c]!;
      const at = offsets[c]!;
      for (let r = 0, e = c; r < rows; r++, e += m) target[at + r] = items[e]!;
    }
    if (mask !== null) {
      for (let w = 0; w * 32 < rows * m; w++) {
        const word = mask[w]!;
        if (word === 0xffffffff) continue;
        for (let bit = 0, e = w * 32; bit < 32 && e < rows * m; bit++, e++) {
          if ((word & (1 << bit)) !== 0) continue;
          const r = Math.floor(e / m);
          const c = e - r * m;
          targets[c]![offsets[c]! + r] = NaN;
        }
      }
    }
    return;
  }
  for (let r = 0; r < rows; r++) {
    const first = vector.getEntryOffset(r);
    for (let c = 0; c < m; c++) {
      const v = child.getItem(first + c);
      targets[c]![offsets[c]! + r] = typeof v === 'number' ? v : NaN;
    }
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

/** A read whose query has run: its materialized result and how its columns come. */
interface PendingRead {
  /** none when the read has no columns */
  readonly result: DuckDBMaterializedResult | undefined;
  readonly rows: number;
  readonly names: readonly string[];
  readonly kinds: readonly RawColumnKind[];
  readonly labelled: readonly (LabelledText | undefined)[];
  /** the columns that come as doubles, in the order of the first result column's lists */
  readonly packed: readonly number[];
  /** the text columns that are not labelled, one result column each after the lists */
  readonly texts: readonly number[];
  /** the labelled columns, whose texts that are no label come in the last result column */
  readonly withLabels: readonly { readonly text: LabelledText; readonly column: number }[];
}

/**
 * Takes a file's rows from the sources' reader into frames: `consume` runs the read (DuckDB
 * materializes its result: a value that does not fit fails it there, before any row is taken, so
 * the reader can try again with other settings), then `frame` takes every row into one frame, or
 * `frames` a slice of rows at a time into the same columns. Each typed column is allocated once and
 * filled a chunk at a time (its numbers unpacked from one list per row, no value objects:
 * `unpackDoubles`), text value by value — or, where the caller knows a text column's labels, as
 * codes of them (`LabelledText`). Columns named in `textColumns` are text whatever they hold. A
 * new `consume` starts over.
 */
export class FrameCollector implements RowConsumer {
  readonly #label: string;
  readonly #textColumns: ReadonlySet<string>;
  readonly #labels: ReadonlyMap<string, readonly string[]>;
  readonly #scored: boolean;
  #read: PendingRead | undefined;

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

  /** The rows and column names of the last read that went through (its rows not yet taken). */
  get shape(): { readonly rows: number; readonly columns: readonly string[] } {
    const read = this.#pending();
    return { rows: read.rows, columns: read.names };
  }

  async consume(conn: DuckDBConnection, selectSql: string, params: SqlParams, columns?: readonly ColumnSchema[]): Promise<void> {
    this.#read = undefined;
    const described = columns ?? (await queryRows(conn, `DESCRIBE ${selectSql}`, params)).map((r) => ({ name: String(r[0]), type: String(r[1]) }));
    const names = described.map((c) => c.name);
    const kinds = described.map((c) => (this.#textColumns.has(c.name) ? 'string' : kindOf(c.type)));
    // the file's columns as c0, c1, … and each labelled one's ENUM as e0, e1, …, made once a row
    // (its codes and the test for values that are no label both read it: ~10 % of the read's CPU)
    const labelled = names.map((name, i): LabelledText | undefined => {
      const labels = kinds[i] === 'string' ? enumLabels(this.#labels.get(name)) : undefined;
      return labels && { labels, asEnum: `e${i}`, id: `c${i}`, codes: new Float64Array(2048) };
    });
    const inner = [
      ...names.map((name, i) => `${quoteIdent(name)} AS c${i}`),
      ...labelled.flatMap((text, i) => (text ? [`TRY_CAST(CAST(${quoteIdent(names[i]!)} AS VARCHAR) AS ENUM(${text.labels.map(quoteLiteral).join(', ')})) AS ${text.asEnum}`] : [])),
    ];
    // every column that comes as DOUBLE (numbers, booleans, datetimes, labels' codes) in one
    // list per row: DuckDB hands a chunk's numbers over as one vector instead of one per column
    // (credit_data's 13 numbers, a million rows: 0.43 s → 0.1 s of DuckDB's time, and 6,000
    // fewer vectors for JavaScript to open)
    const packed = names.flatMap((_, i) => (kinds[i] !== 'string' || labelled[i] ? [i] : []));
    const texts = names.flatMap((_, i) => (kinds[i] === 'string' && !labelled[i] ? [i] : []));
    const withLabels = names.flatMap((_, i) => (labelled[i] ? [{ text: labelled[i], column: i }] : []));
    const expressions: string[] = [];
    if (packed.length > 0) {
      const elements = packed.map((i) => (labelled[i] ? `CAST(enum_code(${labelled[i].asEnum}) AS DOUBLE)` : selectExpression(`c${i}`, kinds[i]!)));
      expressions.push(`[${elements.join(', ')}] AS numbers`);
    }
    for (const i of texts) expressions.push(`${selectExpression(`c${i}`, 'string')} AS t${i}`);
    if (withLabels.length > 0) expressions.push(`${otherTexts(withLabels.map(({ text }) => text))} AS others`);
    // materialized, not streamed: a streamed read that fails part way (a value that does not fit
    // its column's type, past the first chunks) ends as if complete, its later rows lost; and
    // the row count known up front lets each vector go straight into its column
    const result = names.length > 0 ? await conn.run(`SELECT ${expressions.join(', ')} FROM (SELECT ${inner.join(', ')} FROM (${selectSql}))`, Object.keys(params).length > 0 ? params : undefined) : undefined;
    this.#read = { result, rows: result?.rowCount ?? 0, names, kinds, labelled, packed, texts, withLabels };
  }

  /** Every row of the last read, in one frame. */
  async frame(): Promise<Frame> {
    const { rows, names, kinds } = this.#pending();
    let whole: Frame | undefined;
    for await (const frame of this.frames(Math.max(rows, 1))) whole = frame;
    return whole ?? { rows: 0, columns: names.map((name, i) => (kinds[i] === 'string' ? { name, kind: 'string', values: [] } : { name, kind: kinds[i] as 'number', values: new Float64Array(0) })) };
  }

  /**
   * The rows of the last read, at most `sliceRows` at a time (at least a chunk's 2,048; slices of
   * even size, in whole chunks), each frame's `firstRow` the count of rows before it. The frames
   * share their columns: one is overwritten by the next, so each must be done with before the loop
   * goes on. The rows can be taken once.
   */
  async *frames(sliceRows: number): AsyncGenerator<Frame> {
    const { result, rows, names, kinds, labelled, packed, texts, withLabels } = this.#pending();
    this.#read = undefined;
    if (result === undefined || rows === 0) return;
    // slices of even size, whole chunks each (1M rows by 131,072: 8 of 126,976 or less, not 7 and a last of 82,496)
    const count = Math.ceil(rows / Math.max(sliceRows, 2048));
    const size = Math.min(rows, Math.ceil(rows / count / 2048) * 2048);
    const values = kinds.map((kind) => (kind === 'string' ? new Array<string | null>(size) : this.#scored ? shareableColumn(size) : new Float64Array(size)));
    const textsAt = packed.length > 0 ? 1 : 0;
    let firstRow = 0;
    let offset = 0;
    const slice = (n: number): Frame => ({
      rows: n,
      firstRow,
      columns: names.map((name, i): RawColumn => {
        const column = values[i]!;
        if (column instanceof Float64Array) return { name, kind: kinds[i] as 'number' | 'boolean' | 'datetime', values: n === size ? column : column.subarray(0, n) };
        return { name, kind: 'string', values: n === size ? column : column.slice(0, n) };
      }),
    });
    // in order, as DuckDB hands a result over (`getChunk(i)` seeks each chunk afresh: a third more
    // time), the next chunk asked for before this one is copied: DuckDB makes it on its thread
    // meanwhile (one at a time, the chunks were ~60 % waiting)
    let next = result.fetchChunk();
    for (let chunk = await next; chunk !== null && chunk.rowCount > 0; chunk = await next) {
      next = result.fetchChunk();
      next.catch(() => undefined); // a failure is met at the next await, not as unhandled should this chunk's copy (or the slice's user) throw
      const n = chunk.rowCount;
      if (offset + n > size) {
        yield slice(offset);
        firstRow += offset;
        offset = 0;
      }
      if (packed.length > 0) {
        // a labelled column's codes go to its chunk-sized scratch, then become its labels
        for (const i of packed) if (labelled[i] && labelled[i].codes.length < n) labelled[i].codes = new Float64Array(n);
        const targets = packed.map((i) => labelled[i]?.codes ?? (values[i] as Float64Array));
        unpackDoubles(chunk.getColumnVector(0), targets, packed.map((i) => (labelled[i] ? 0 : offset)), n);
        for (const i of packed) if (labelled[i]) labelTexts(labelled[i], values[i] as (string | null)[], offset, n);
      }
      texts.forEach((i, k) => copyTexts(chunk.getColumnVector(textsAt + k), values[i] as (string | null)[], offset, n));
      if (withLabels.length > 0) {
        const labelledTexts = withLabels.map(({ column }) => values[column] as (string | null)[]);
        fillOthers(chunk.getColumnVector(textsAt + texts.length), withLabels.map(({ text }) => text), labelledTexts, offset, n);
      }
      offset += n;
    }
    if (offset > 0) yield slice(offset);
  }

  #pending(): PendingRead {
    if (this.#read === undefined) throw new Error(`no rows were read from ${this.#label}, or they were taken already`);
    return this.#read;
  }
}
