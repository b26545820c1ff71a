import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasLongLine } from './csv-reader.js';

const MB = 1024 * 1024;
/** DuckDB's default max_line_size: a line of more bytes than this is long */
const LIMIT = 2 * MB;

let dir: string;
let fileCount = 0;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-csv-reader-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A file of lines of these lengths in bytes (newline not counted), the last one ended by a newline or not. */
function linesFile(lengths: readonly number[], lastNewline = true): string {
  const path = join(dir, `lines-${fileCount++}.csv`);
  const parts = lengths.flatMap((length, i) => [Buffer.alloc(length, 0x61), ...(i < lengths.length - 1 || lastNewline ? [Buffer.from('\n')] : [])]);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describe('hasLongLine (looked at a megabyte at a time, only where lines cross chunks)', () => {
  it('finds a line one byte over the limit, and not one at the limit', async () => {
    expect(await hasLongLine(linesFile([10, LIMIT, 10]))).toBe(false);
    expect(await hasLongLine(linesFile([10, LIMIT + 1, 10]))).toBe(true);
  });

  it('measures a line that starts just before a chunk ends and spans the next ones', async () => {
    expect(await hasLongLine(linesFile([MB - 5, LIMIT + 1]))).toBe(true);
    expect(await hasLongLine(linesFile([MB - 5, LIMIT, MB]))).toBe(false);
  });

  it('finds a long last line without a newline, and many short lines are fine', async () => {
    expect(await hasLongLine(linesFile([100, LIMIT + 1], false))).toBe(true);
    expect(await hasLongLine(linesFile(Array.from({ length: 50_000 }, (_, i) => 20 + (i % 80)), false))).toBe(false);
  });

  it('looks at the first 32 MB only', async () => {
    expect(await hasLongLine(linesFile([...Array.from({ length: 17 }, () => LIMIT - 1), LIMIT + 1]))).toBe(false);
    expect(await hasLongLine(linesFile([...Array.from({ length: 14 }, () => LIMIT - 1), LIMIT + 1]))).toBe(true);
  });
});
