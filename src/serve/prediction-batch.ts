import type { FileHandle } from 'node:fs/promises';
import { listValue, type SqlParams } from '../lake/index.js';
import { JsonText, type PredictionEntry } from './prediction-entry.js';

/** Bytes per chunk of a batch's text (a line longer than that gets a chunk of its own). */
const CHUNK_BYTES = 1 << 20;
/** Chunks kept for reuse: 2 s of a busy worker's entries (15,000 a second of ~600 bytes) fill 18. */
const SPARE_CHUNKS = 64;
/** DuckDB's CSV reader refuses a longer line unless told (its default, 2 MB). */
const DEFAULT_MAX_LINE = 2_097_152;

/** The text fields as DuckDB reads a batch: tab-separated, without quoting (no field holds a tab or a line break). */
const COLUMNS = `{request_id: 'VARCHAR', ms_after_first: 'BIGINT', source: 'INTEGER', rows: 'INTEGER', inputs: 'VARCHAR', outputs: 'VARCHAR', warnings: 'INTEGER', latency_ns: 'BIGINT'}`;

/** A batch's rows in the log's columns; `$source_*` are the batch's lists of route, slot, … (1-based, as `source` counts). */
const SELECT = `SELECT CASE WHEN starts_with(request_id, '"') THEN json_extract_string(request_id, '$') ELSE request_id END AS request_id,
    epoch_ms($first_time + ms_after_first) AS time, $source_route[source] AS route, $source_slot[source] AS slot, $source_role[source] AS role,
    $source_model[source] AS model, $source_version[source] AS version, rows, inputs, outputs, warnings, CAST(latency_ns AS DOUBLE) / 1e6 AS latency_ms
  FROM read_csv($batch, delim = '\t', quote = '', escape = '', header = false, auto_detect = false, max_line_size = $max_line, buffer_size = $buffer, columns = ${COLUMNS})`;

/** Where a request came from and went: the same for most entries of a batch, so written once per batch. */
interface Source {
  readonly route: string;
  readonly slot: string;
  readonly role: string;
  readonly model: string;
  readonly version: string;
}

/** Whether a text holds a tab or a line break, which would end its field or line (`indexOf` thrice: a fifth of a regular expression's time). */
export function hasFieldBreak(text: string): boolean {
  return text.indexOf('\n') >= 0 || text.indexOf('\t') >= 0 || text.indexOf('\r') >= 0;
}

/**
 * A request id as a field: as it is (a UUID), or as a JSON string — which the SELECT reads back by
 * its opening quote — when it holds a tab, a line break or a NUL, or opens with a quote.
 */
function idField(id: string): string {
  return id.charCodeAt(0) === 0x22 || hasFieldBreak(id) || id.indexOf('\u0000') >= 0 ? JSON.stringify(id) : id;
}

/**
 * A latency in whole nanoseconds (performance.now()'s resolution): an integer's text is cheap, a
 * fraction's shortest one cost 0.13 µs an entry.
 */
function latencyField(ms: number): string {
  return Number.isFinite(ms) ? String(Math.round(ms * 1e6)) : '';
}

/** A JSON value as one line of text: `JsonText` as given (compact by its contract), anything else serialized, typed arrays as lists. */
function jsonField(value: unknown): string {
  if (value instanceof JsonText) return value.text;
  if (ArrayBuffer.isView(value)) return JSON.stringify(Array.from(value as Float64Array));
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return JSON.stringify(value) ?? 'null';
  let views = false;
  for (const key in value) if (ArrayBuffer.isView((value as Record<string, unknown>)[key])) views = true;
  if (!views) return JSON.stringify(value);
  const plain: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) plain[key] = ArrayBuffer.isView(v) ? Array.from(v as Float64Array) : v;
  return JSON.stringify(plain);
}

/**
 * Entries on their way to one Parquet file, kept as the bytes of a tab-separated text: each entry is
 * one line written into reused megabyte chunks when it is appended, so nothing of it stays on the
 * JavaScript heap (queued strings outlived young-generation collections, were copied into the old
 * generation and cost full collections) and the flush writes the chunks as they are. The route,
 * slot, role, model and version of an entry are a number into the batch's list of them.
 */
export class PredictionBatch {
  readonly #spare: Buffer[];
  readonly #chunks: Buffer[] = [];
  /** bytes written in each chunk but the last */
  readonly #filled: number[] = [];
  #used = 0;
  readonly #sources: Source[] = [];
  #last: Source | undefined;
  #lastIndex = 0;
  #rows = 0;
  #longest = 0;
  /** the first entry's time: entries are written as milliseconds from it (a short integer's text is cheaper to make) */
  #firstTime: number | undefined;

  /** `spare`: chunks free for reuse, shared by the batches of one log (taken from, and given back by `release`) */
  constructor(spare: Buffer[]) {
    this.#spare = spare;
  }

  /** Entries in the batch. */
  get entries(): number {
    return this.#rows;
  }

  append(entry: PredictionEntry): void {
    const line = `${idField(entry.requestId)}\t${this.#timeField(entry.time)}\t${this.#sourceOf(entry)}\t${entry.rows}\t${jsonField(entry.inputs)}\t${jsonField(entry.outputs)}\t${entry.warnings}\t${latencyField(entry.latencyMs)}\n`;
    // at most 3 bytes of UTF-8 per UTF-16 unit
    const room = line.length * 3;
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (chunk === undefined || chunk.length - this.#used < room) {
      chunk = room > CHUNK_BYTES ? Buffer.allocUnsafe(room) : (this.#spare.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES));
      if (this.#chunks.length > 0) this.#filled.push(this.#used);
      this.#chunks.push(chunk);
      this.#used = 0;
    }
    const bytes = chunk.write(line, this.#used);
    this.#used += bytes;
    if (bytes > this.#longest) this.#longest = bytes;
    this.#rows++;
  }

  /** Milliseconds after the batch's first entry (a time that is no number: empty, read as null rather than failing the batch). */
  #timeField(time: number): string {
    if (!Number.isFinite(time)) return '';
    this.#firstTime ??= Math.round(time);
    return String(Math.round(time) - this.#firstTime);
  }

  /** The entry's source's number (1-based): the last one's, or found among the batch's few. */
  #sourceOf(entry: PredictionEntry): number {
    const last = this.#last;
    if (last !== undefined && sameSource(last, entry)) return this.#lastIndex;
    let index = this.#sources.findIndex((s) => sameSource(s, entry)) + 1;
    if (index === 0) index = this.#sources.push({ route: entry.route, slot: entry.slot, role: entry.role, model: entry.model, version: entry.version });
    this.#last = this.#sources[index - 1];
    this.#lastIndex = index;
    return index;
  }

  /** Writes the batch's text to an open file. */
  async writeTo(file: FileHandle): Promise<void> {
    for (let i = 0; i < this.#chunks.length; i++) {
      const chunk = this.#chunks[i]!;
      await file.write(chunk, 0, this.#filled[i] ?? this.#used);
    }
  }

  /** The SELECT of the batch's rows in the log's columns from its text at `path`, and its parameters. */
  select(path: string): { readonly sql: string; readonly params: SqlParams } {
    const list = (pick: (s: Source) => string) => listValue(this.#sources.map(pick));
    const maxLine = Math.max(DEFAULT_MAX_LINE, this.#longest + 1);
    return {
      sql: SELECT,
      params: {
        batch: path,
        first_time: this.#firstTime ?? 0,
        max_line: maxLine,
        // DuckDB asks for a buffer larger than the longest line
        buffer: Math.max(16 * DEFAULT_MAX_LINE, 2 * maxLine),
        source_route: list((s) => s.route),
        source_slot: list((s) => s.slot),
        source_role: list((s) => s.role),
        source_model: list((s) => s.model),
        source_version: list((s) => s.version),
      },
    };
  }

  /** Gives the batch's chunks back for reuse (the megabyte ones, up to `SPARE_CHUNKS`) once it is written. */
  release(): void {
    for (const chunk of this.#chunks) if (chunk.length === CHUNK_BYTES && this.#spare.length < SPARE_CHUNKS) this.#spare.push(chunk);
    this.#chunks.length = 0;
  }
}

function sameSource(s: Source, entry: PredictionEntry): boolean {
  return s.route === entry.route && s.slot === entry.slot && s.role === entry.role && s.model === entry.model && s.version === entry.version;
}
