import type { Frame, InputColumnSchema, RawColumn } from '../features/index.js';
import { formatNumber, isMissingText, parseNumber } from '../features/index.js';
import { RequestError } from './request-error.js';

/** Records checked against a bundle's input schema: the frame to score and what was noticed. */
export interface CheckedRecords {
  readonly frame: Frame;
  /** unseen categories (scored as missing) and values outside the training range (scored as given) */
  readonly warnings: readonly string[];
}

/** Input values as they come: from JSON (any type) or from a CSV read (text, numbers). */
export type RecordValues = Readonly<Record<string, unknown>>;

/** Training range of a numeric input, when the bundle records it. */
export interface ValueRange {
  readonly min: number;
  readonly max: number;
}

type ColumnReader = (records: readonly RecordValues[], warnings: string[]) => RawColumn;

function isMissing(value: unknown): boolean {
  return value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
}

function wrongType(name: string, row: number, expected: string, value: unknown): RequestError {
  const shown = typeof value === 'string' ? `'${value.slice(0, 40)}'` : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : String(value);
  return new RequestError(400, `column '${name}' of record ${row} should be ${expected}, not ${shown}`, name, `send ${expected} or null in '${name}'`);
}

const TRUE_TEXT = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_TEXT = new Set(['false', 'f', 'no', 'n', '0']);

function numberReader(name: string, range: ValueRange | undefined): ColumnReader {
  return (records, warnings) => {
    const values = new Float64Array(records.length);
    let outside = 0;
    let example = 0;
    for (let i = 0; i < records.length; i++) {
      const value = records[i]![name];
      let v: number;
      if (typeof value === 'number') v = value;
      else if (isMissing(value)) v = NaN;
      else if (typeof value === 'string') {
        v = parseNumber(value);
        if (Number.isNaN(v) && !isMissingText(value)) throw wrongType(name, i, 'a number', value);
      } else throw wrongType(name, i, 'a number', value);
      if (!Number.isFinite(v) && !Number.isNaN(v)) throw wrongType(name, i, 'a finite number', value);
      if (range && (v < range.min || v > range.max)) {
        if (outside++ === 0) example = v;
      }
      values[i] = v;
    }
    if (outside > 0) warnings.push(`column '${name}': ${outside === 1 ? `${formatNumber(example)} is` : `${outside} values (e.g. ${formatNumber(example)}) are`} outside the training range [${formatNumber(range!.min)}, ${formatNumber(range!.max)}]; scored as given`);
    return { name, kind: 'number', values };
  };
}

function booleanReader(name: string): ColumnReader {
  return (records) => {
    const values = new Float64Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const value = records[i]![name];
      if (typeof value === 'boolean') values[i] = value ? 1 : 0;
      else if (isMissing(value)) values[i] = NaN;
      else if (value === 0 || value === 1) values[i] = value;
      else if (typeof value === 'string') {
        const t = value.trim().toLowerCase();
        if (TRUE_TEXT.has(t)) values[i] = 1;
        else if (FALSE_TEXT.has(t)) values[i] = 0;
        else if (t === '') values[i] = NaN;
        else throw wrongType(name, i, 'true or false', value);
      } else throw wrongType(name, i, 'true or false', value);
    }
    return { name, kind: 'boolean', values };
  };
}

function datetimeReader(name: string): ColumnReader {
  return (records) => {
    const values: (string | null)[] = new Array<string | null>(records.length);
    for (let i = 0; i < records.length; i++) {
      const value = records[i]![name];
      if (isMissing(value)) values[i] = null;
      // epoch milliseconds, as the TypeScript API's Date values become
      // (a Date holds ±8.64e15 ms; a number beyond is no date, not a server error)
      else if (typeof value === 'number' && Math.abs(value) <= 8.64e15) values[i] = new Date(value).toISOString();
      else if (typeof value === 'string') {
        values[i] = value;
      } else throw wrongType(name, i, 'a date (ISO 8601 text or epoch milliseconds)', value);
    }
    // the pipeline parses date text as training did, and names a value that is not a date
    return { name, kind: 'string', values };
  };
}

function textReader(name: string, categories: readonly string[] | undefined): ColumnReader {
  const known = categories ? new Set(categories) : undefined;
  return (records, warnings) => {
    const values: (string | null)[] = new Array<string | null>(records.length);
    let unseen = 0;
    let example = '';
    for (let i = 0; i < records.length; i++) {
      const value = records[i]![name];
      let text: string | null;
      if (typeof value === 'string') text = value;
      else if (isMissing(value)) text = null;
      else if (typeof value === 'number' && Number.isFinite(value)) text = formatNumber(value);
      else if (typeof value === 'boolean') text = value ? 'true' : 'false';
      else throw wrongType(name, i, 'text', value);
      if (known && text !== null && !known.has(text)) {
        if (unseen++ === 0) example = text;
      }
      values[i] = text;
    }
    if (unseen > 0) {
      const what = unseen === 1 ? `'${example.slice(0, 40)}' was` : `${unseen} values (e.g. '${example.slice(0, 40)}') were`;
      warnings.push(`column '${name}': ${what} not seen in training; scored as missing`);
    }
    return { name, kind: 'string', values };
  };
}

function readerOf(column: InputColumnSchema, ranges: Readonly<Record<string, ValueRange>>): ColumnReader {
  switch (column.kind) {
    case 'number':
      return numberReader(column.name, ranges[column.name]);
    case 'boolean':
      return booleanReader(column.name);
    case 'datetime':
      return datetimeReader(column.name);
    case 'string':
      return textReader(column.name, column.categories);
  }
}

/**
 * Compiles a bundle's input schema into one check per column, run over a request's records: a
 * missing column or a value of the wrong type is a 400 naming the column; an unseen category or a
 * value outside the training range is a warning, and scored (the category as missing). Extra
 * fields are ignored, as batch scoring ignores extra columns.
 */
export function compileRecordValidator(
  schema: readonly InputColumnSchema[],
  ranges: Readonly<Record<string, ValueRange>> = {},
): (records: readonly RecordValues[]) => CheckedRecords {
  const readers = schema.map((column) => ({ name: column.name, read: readerOf(column, ranges) }));
  return (records) => {
    for (let i = 0; i < records.length; i++) {
      const record = records[i];
      if (typeof record !== 'object' || record === null || Array.isArray(record)) {
        throw new RequestError(400, `record ${i} is not an object of column values`, undefined, 'send each record as {"column": value, …}');
      }
      for (const { name } of readers) {
        if (!Object.hasOwn(record, name)) throw new RequestError(400, `column '${name}' is missing from record ${i}`, name, `the model needs '${name}'; send null when it is unknown`);
      }
    }
    const warnings: string[] = [];
    const columns = readers.map(({ read }) => read(records, warnings));
    return { frame: { rows: records.length, columns }, warnings };
  };
}
