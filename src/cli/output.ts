import { redactSecrets } from '../common/index.js';

/**
 * What commands print. stdout carries the answer (plain lines, or JSON with --json, nothing
 * else); every line passes through `redactSecrets` on its way out. With --json a failure is one
 * line of JSON on stdout instead (`printJsonFailure`), so that stdout always holds one document.
 */

/** The flag every command accepts for machine output. */
export interface JsonFlag {
  json?: boolean;
}

export function printLine(line = ''): void {
  process.stdout.write(redactSecrets(line) + '\n');
}

export function printLines(lines: readonly string[]): void {
  if (lines.length) process.stdout.write(redactSecrets(lines.join('\n')) + '\n');
}

/** Pretty JSON, one document per command run. */
export function printJson(value: unknown): void {
  process.stdout.write(redactSecrets(JSON.stringify(value, null, 2)) + '\n');
}

export interface Column {
  readonly header: string;
  /** right-align numbers */
  readonly align?: 'left' | 'right';
  /** cut longer cells with an ellipsis */
  readonly maxWidth?: number;
}

/** A plain-text table: a header row, then one line per row, columns padded to their widest cell. */
export function formatTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const cell = (row: readonly string[], i: number) => clip(row[i] ?? '', columns[i]?.maxWidth);
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => cell(r, i).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((text, i) => (columns[i]?.align === 'right' ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map((r) => line(columns.map((_, i) => cell(r, i))))];
}

export function printTable(columns: readonly Column[], rows: readonly (readonly string[])[]): void {
  printLines(formatTable(columns, rows));
}

function clip(text: string, maxWidth: number | undefined): string {
  const oneLine = text.replace(/\s*\n\s*/g, ' ');
  return maxWidth !== undefined && oneLine.length > maxWidth ? oneLine.slice(0, Math.max(0, maxWidth - 1)) + '…' : oneLine;
}

/** `2026-01-02T03:04:05.678Z` → `2026-01-02 03:04:05` (UTC, as recorded) */
export function shortTime(iso: string): string {
  return iso.length >= 19 ? iso.slice(0, 10) + ' ' + iso.slice(11, 19) : iso;
}

/** What a failure prints with --json: one line on stdout. */
export interface JsonFailure {
  /** what went wrong, and where */
  readonly error: string;
  /** what to do about it */
  readonly hint: string | null;
  /** the process's exit code */
  readonly exit: number;
  /** the kind of error: InputError, UsageError, … or `internal` (a bug) */
  readonly kind: string;
  /** the part of the answer made before the failure (ingest's tables, log --verify's findings) */
  readonly result?: unknown;
}

const partialResults = new WeakMap<object, unknown>();

/**
 * Throws `error` after an answer was made but not printed (tables ingested before one failed): with
 * --json the failure's line carries it as `result`, so stdout stays one document.
 */
export function failWithResult(error: unknown, result: unknown): never {
  if (typeof error === 'object' && error !== null) partialResults.set(error, result);
  throw error;
}

export function printJsonFailure(failure: Omit<JsonFailure, 'result'>, error: unknown): void {
  const result = typeof error === 'object' && error !== null ? partialResults.get(error) : undefined;
  // the texts are redacted before JSON escapes them: a secret holding a quote would not match after
  const redacted = { ...failure, error: redactSecrets(failure.error), hint: failure.hint === null ? null : redactSecrets(failure.hint) };
  process.stdout.write(redactSecrets(JSON.stringify(result === undefined ? redacted : { ...redacted, result })) + '\n');
}
