import { redactSecrets } from '../common/index.js';

/**
 * What commands print. stdout carries the answer (plain lines, or JSON with --json, nothing
 * else); every line passes through `redactSecrets` on its way out.
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
