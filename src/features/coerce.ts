import type { RawColumn } from './frame.js';

/** Text that means "no value" in exported data. */
const MISSING_TOKENS = new Set(['', 'na', 'n/a', 'nan', 'null', 'none', '?', '-', '#n/a']);

export function isMissingText(text: string | null): boolean {
  return text === null || MISSING_TOKENS.has(text.trim().toLowerCase());
}

/** JavaScript's `Number` reads "0x1A", "0b101" and "0o17" as numbers; DuckDB's cast (silver, training's read) does not. */
const RADIX_PREFIX = /^[+-]?0[xXbBoO]/;
/** DuckDB's cast reads "1_000" as 1000 (one underscore between two digits, anywhere), `Number` not at all. */
const MISPLACED_UNDERSCORE = /(^|\D)_|_(\D|$)/;

/** A text as a finite number, NaN when it is missing or no number as DuckDB's cast would read it. */
export function parseNumber(text: string | null): number {
  if (isMissingText(text)) return NaN;
  let trimmed = text!.trim();
  if (RADIX_PREFIX.test(trimmed)) return NaN;
  if (trimmed.includes('_')) {
    if (MISPLACED_UNDERSCORE.test(trimmed)) return NaN;
    trimmed = trimmed.replaceAll('_', '');
  }
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : NaN;
}

const TRUE_TEXT = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_TEXT = new Set(['false', 'f', 'no', 'n', '0']);

export function parseBoolean(text: string | null): number {
  if (isMissingText(text)) return NaN;
  const t = text!.trim().toLowerCase();
  if (TRUE_TEXT.has(t)) return 1;
  if (FALSE_TEXT.has(t)) return 0;
  return NaN;
}

export function parseDatetime(text: string | null): number {
  if (isMissingText(text)) return NaN;
  const t = text!.trim();
  // a bare date is read as UTC midnight by Date.parse; a date-time without zone is taken as UTC too
  const ms = Date.parse(/\d[T ]\d/.test(t) && !/(Z|[+-]\d\d:?\d\d)$/.test(t) ? `${t.replace(' ', 'T')}Z` : t);
  return Number.isFinite(ms) ? ms : NaN;
}

/** The result of reading a column as another kind: the values and the first value that did not fit. */
export interface Coerced<T> {
  readonly values: T;
  readonly badValue?: string;
  readonly badRow?: number;
}

function fromText(values: readonly (string | null)[], parse: (t: string | null) => number): Coerced<Float64Array> {
  const out = new Float64Array(values.length);
  let badValue: string | undefined;
  let badRow: number | undefined;
  for (let i = 0; i < values.length; i++) {
    const text = values[i] ?? null;
    const v = parse(text);
    out[i] = v;
    if (Number.isNaN(v) && !isMissingText(text) && badValue === undefined) {
      badValue = text!;
      badRow = i;
    }
  }
  return badValue === undefined ? { values: out } : { values: out, badValue, badRow: badRow! };
}

export function coerceToNumbers(column: RawColumn): Coerced<Float64Array> {
  return column.kind === 'string' ? fromText(column.values, parseNumber) : { values: column.values };
}

export function coerceToBooleans(column: RawColumn): Coerced<Float64Array> {
  if (column.kind === 'string') return fromText(column.values, parseBoolean);
  if (column.kind === 'number') {
    const bad = column.values.findIndex((v) => !Number.isNaN(v) && v !== 0 && v !== 1);
    if (bad >= 0) return { values: column.values, badValue: String(column.values[bad]), badRow: bad };
  }
  return { values: column.values };
}

export function coerceToDatetimes(column: RawColumn): Coerced<Float64Array> {
  return column.kind === 'string' ? fromText(column.values, parseDatetime) : { values: column.values };
}

export function formatNumber(value: number): string {
  return Number.isInteger(value) ? value.toFixed(0) : String(value);
}

export function coerceToTexts(column: RawColumn): readonly (string | null)[] {
  switch (column.kind) {
    case 'string':
      return column.values;
    case 'number':
      return Array.from(column.values, (v) => (Number.isNaN(v) ? null : formatNumber(v)));
    case 'boolean':
      return Array.from(column.values, (v) => (Number.isNaN(v) ? null : v === 1 ? 'true' : 'false'));
    case 'datetime':
      return Array.from(column.values, (v) => (Number.isFinite(v) ? new Date(v).toISOString() : null));
  }
}
