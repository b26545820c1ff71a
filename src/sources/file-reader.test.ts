import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../common/index.js';
import { openDuckEngine, queryRows, type DuckEngine, type SqlParams } from '../lake/index.js';
import { readDataFile } from './file-reader.js';
import type { ReadTarget, RowConsumer } from './read-target.js';

let dir: string;
let engine: DuckEngine;
let fileCount = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-file-reader-'));
  engine = await openDuckEngine(dir);
});

afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, bytes: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** Takes the rows as arrays, as a Frame's collector would take them. */
class RowsCollector implements RowConsumer {
  rows: unknown[][] = [];
  async consume(conn: DuckDBConnection, selectSql: string, params: SqlParams): Promise<void> {
    this.rows = await queryRows(conn, selectSql, params);
  }
}

/** One body, both targets: bronze Parquet (ingest) and rows taken by a consumer (train, predict). */
async function readBoth(path: string): Promise<{ target: string; rows: unknown[][]; notes: string[] }[]> {
  const out = [];
  for (const kind of ['parquet', 'rows'] as const) {
    const workDir = mkdtempSync(join(dir, `work-${fileCount++}-`));
    const collector = new RowsCollector();
    const parquet = join(workDir, 'out.parquet');
    const target: ReadTarget = kind === 'parquet' ? { kind, path: parquet } : { kind, consumer: collector };
    const quality = await readDataFile(engine.conn, path, target, { label: path, workDir });
    const rows = kind === 'parquet' ? await queryRows(engine.conn, 'SELECT * FROM read_parquet($p)', { p: parquet }) : collector.rows;
    out.push({ target: kind, rows, notes: quality.notes });
  }
  return out;
}

describe('readDataFile: no silent corruption (issue 12)', () => {
  it('reads a UTF-8 file with one stray Latin-1 byte as UTF-8, decodes that byte, and names its line', async () => {
    const lines = ['id,city', ...Array.from({ length: 5000 }, (_, i) => `${i + 1},Zürich`)];
    const path = file('mostly-utf8.csv', Buffer.concat([Buffer.from(lines.join('\n') + '\n'), Buffer.from('5001,Z\xfcrich\n', 'latin1'), Buffer.from('5002,Zürich\n')]));
    for (const { target, rows, notes } of await readBoth(path)) {
      expect(rows.length, target).toBe(5002);
      expect(new Set(rows.map((r) => r[1])), target).toEqual(new Set(['Zürich']));
      expect(notes.join('\n'), target).toMatch(/not all UTF-8: 1 byte\(s\) outside UTF-8 \(line 5002\) decoded as Latin-1, the rest read as UTF-8/);
    }
  });

  it('still reads a true Latin-1 file as Latin-1, and says so', async () => {
    const path = file('latin1.csv', Buffer.from('id,city\n1,München\n2,Zürich\n3,São Paulo\n', 'latin1'));
    for (const { target, rows, notes } of await readBoth(path)) {
      expect(rows.map((r) => r[1]), target).toEqual(['München', 'Zürich', 'São Paulo']);
      expect(notes.join('\n'), target).toMatch(/not UTF-8: read as Latin-1 \(lines 2, 3, 4\)/);
    }
  });

  it('keeps quoting on when the last line opens a quote and never closes it, and names that line', async () => {
    const lines = ['id,name,n', ...Array.from({ length: 100 }, (_, i) => `${i + 1},"Doe, J${i + 1}",${i + 1}`), '101,"Doe, Ja'];
    const path = file('open-quote.csv', lines.join('\n') + '\n');
    for (const { target, rows, notes } of await readBoth(path)) {
      expect(rows.length, target).toBe(100);
      expect(rows.every((r) => r.length === 3), target).toBe(true);
      expect(rows[41]?.map(String), target).toEqual(['42', 'Doe, J42', '42']);
      expect(notes.join('\n'), target).toMatch(/a quote that never closes: 1 row\(s\) skipped \(line 102\)/);
    }
  });

  it('looks at a gzipped CSV through gzip: its dialect, header and broken quote as in the plain file', async () => {
    const lines = ['id;name;n', ...Array.from({ length: 100 }, (_, i) => `${i + 1};"Doe; J${i + 1}";${i + 1}`), '101;"Doe; Ja'];
    const path = file('open-quote.csv.gz', gzipSync(lines.join('\n') + '\n'));
    for (const { target, rows, notes } of await readBoth(path)) {
      expect(rows.length, target).toBe(100);
      expect(rows[0]?.map(String), target).toEqual(['1', 'Doe; J1', '1']);
      expect(notes, target).toEqual(['a quote that never closes: 1 row(s) skipped (line 102); the other rows read with "-quoted fields', 'delimiter ";" sniffed']);
    }
  });

  it('refuses a JSON array cut off after a complete object, in one line that says what to do', async () => {
    const path = file('cut.json', '[{"a":1},{"a":2},');
    const workDir = mkdtempSync(join(dir, 'json-'));
    const read = readDataFile(engine.conn, path, { kind: 'rows', consumer: new RowsCollector() }, { label: 'cut.json', workDir });
    await expect(read).rejects.toThrow(InputError);
    const error = await read.catch((e: unknown) => e as InputError);
    expect(error.message).toMatch(/^cut\.json is cut off: it ends with "\[\{\\"a\\":1\},\{\\"a\\":2\}," at byte 17, inside the JSON array it opens — .*get or export it again$/);
    expect(error.message).not.toContain('\n');
    // a complete file next to it reads
    const whole = await readBoth(file('whole.json', '[{"a":1},{"a":2}]\n'));
    expect(whole.map((w) => w.rows.length)).toEqual([2, 2]);
  });
});

describe('readDataFile: encodings and line endings (issue 12)', () => {
  const text = 'id,city,note\n1,Zürich,"a, b"\n2,Genève,😀\n3,Łódź,plain\n';
  const expected = [
    ['1', 'Zürich', 'a, b'],
    ['2', 'Genève', '😀'],
    ['3', 'Łódź', 'plain'],
  ];
  const swapped = (le: Buffer) => Buffer.from(le).swap16();

  it.each([
    ['utf-16le', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])],
    ['utf-16be', Buffer.concat([Buffer.from([0xfe, 0xff]), swapped(Buffer.from(text, 'utf16le'))])],
    ['utf-16le, gzipped', gzipSync(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text.replaceAll('\n', '\r\n'), 'utf16le')]))],
  ])('reads a %s CSV with its byte order mark as the text it holds', async (encoding, bytes) => {
    const path = file(`utf16-${fileCount++}.csv${encoding.endsWith('gzipped') ? '.gz' : ''}`, bytes);
    for (const { target, rows, notes } of await readBoth(path)) {
      expect(rows.map((r) => r.map(String)), target).toEqual(expected);
      expect(notes, target).toEqual([`${encoding.slice(0, 8).toUpperCase()} text: read as UTF-8`]);
    }
  });

  it('reads a UTF-16 file longer than a read chunk, with characters cut at chunk ends', async () => {
    const lines = ['id,city', ...Array.from({ length: 40_000 }, (_, i) => `${i},Zürich😀${i}`)];
    const path = file('utf16-long.csv', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(lines.join('\n') + '\n', 'utf16le').subarray(0)]));
    const [parquet] = await readBoth(path);
    expect(parquet?.rows.length).toBe(40_000);
    expect(parquet?.rows.at(-1)?.map(String)).toEqual(['39999', 'Zürich😀39999']);
  });

  it('reads every row of a file mixing CRLF and LF line ends, with no CR left in a value', async () => {
    const path = file('mixed-eol.csv', 'id,name,note\r\n1,a,"two\r\nlines"\n2,b,x\r\n3,c,y\n');
    for (const { target, rows, notes } of await readBoth(path)) {
      expect(rows.map((r) => r.map(String)), target).toEqual([
        ['1', 'a', 'two\r\nlines'],
        ['2', 'b', 'x'],
        ['3', 'c', 'y'],
      ]);
      expect(notes, target).toEqual(['mixed line endings (2 CRLF, 2 LF): read as one kind']);
    }
  });

  it('reads a file whose LF lines turn CRLF far beyond the sniffer’s sample', async () => {
    const lines = Array.from({ length: 60_000 }, (_, i) => `${i},n${i}${i < 50_000 ? '\n' : '\r\n'}`);
    const path = file('late-crlf.csv', 'id,name\n' + lines.join(''));
    const [parquet] = await readBoth(path);
    expect(parquet?.rows.length).toBe(60_000);
    expect(parquet?.rows.filter((r) => String(r[1]).includes('\r'))).toEqual([]);
  });

  it('reads a CR-only (old Mac) file without a note about renamed columns', async () => {
    const path = file('cr.csv', 'id,name\r1,a\r2,b\r');
    for (const { target, rows, notes } of await readBoth(path)) {
      expect(rows.map((r) => r.map(String)), target).toEqual([
        ['1', 'a'],
        ['2', 'b'],
      ]);
      expect(notes, target).toEqual([]);
    }
  });
});

/** Takes each column's DuckDB type and every value as text (a BIGINT exactly as stored, not as a JS number). */
class TextRowsCollector implements RowConsumer {
  types: string[] = [];
  rows: unknown[][] = [];
  async consume(conn: DuckDBConnection, selectSql: string, params: SqlParams): Promise<void> {
    const described = await queryRows(conn, `DESCRIBE ${selectSql}`, params);
    this.types = described.map((r) => String(r[1]));
    this.rows = await queryRows(conn, `SELECT COLUMNS(*)::VARCHAR FROM (${selectSql})`, params);
  }
}

/** As `readBoth`, with each column's type and the values as text. */
async function readBothAsText(path: string): Promise<{ target: string; types: string[]; rows: unknown[][]; notes: string[] }[]> {
  const out = [];
  for (const kind of ['parquet', 'rows'] as const) {
    const workDir = mkdtempSync(join(dir, `work-${fileCount++}-`));
    const collector = new TextRowsCollector();
    const parquet = join(workDir, 'out.parquet');
    const target: ReadTarget = kind === 'parquet' ? { kind, path: parquet } : { kind, consumer: collector };
    const quality = await readDataFile(engine.conn, path, target, { label: path, workDir });
    if (kind === 'parquet') await collector.consume(engine.conn, 'SELECT * FROM read_parquet($p)', { p: parquet });
    out.push({ target: kind, types: collector.types, rows: collector.rows, notes: quality.notes });
  }
  return out;
}

describe('readDataFile: values past the sniffer’s sample are never changed (duckdb/duckdb#25824)', () => {
  /** DuckDB types columns from 20,480 rows: one value far beyond them, in a file of 30,000 */
  const LATE_ROW = 25_000;
  const ROWS = 30_000;
  const FAR = 'types sniffed from the whole file';

  /** A CSV with an id beyond 2^53 on every row, and `late` in column x at LATE_ROW, `x(i)` elsewhere. */
  function lateValueFile(name: string, late: string, x: (i: number) => string): string {
    const lines = ['id,x,n', ...Array.from({ length: ROWS }, (_, i) => `${9_007_199_254_740_993n + BigInt(i)},${i === LATE_ROW ? late : x(i)},${i % 7}`)];
    return file(name, lines.join('\n') + '\n');
  }

  it('keeps a decimal in a column of whole numbers as it is written: the column is DOUBLE, the ids exact BIGINT', async () => {
    const path = lateValueFile('late-decimal.csv', '2.5', (i) => String(i % 9));
    for (const { target, types, rows, notes } of await readBothAsText(path)) {
      expect(types, target).toEqual(['BIGINT', 'DOUBLE', 'BIGINT']);
      expect(rows[LATE_ROW], target).toEqual([String(9_007_199_254_740_993n + BigInt(LATE_ROW)), '2.5', String(LATE_ROW % 7)]);
      expect(rows[LATE_ROW + 1]?.[1], target).toBe(String((LATE_ROW + 1) % 9) + '.0');
      expect(notes.join('\n'), target).toContain(FAR);
    }
  });

  it.each([
    ['a leading zero in whole numbers', '007', (i: number) => String(i % 9)],
    ['a plus sign in whole numbers', '+5', (i: number) => String(i % 9)],
    ['a digit separator in whole numbers', '1_000', (i: number) => String(i % 9)],
    ['a time of day after noon in a TIME column', '10:00:00 PM', (i: number) => `10:0${i % 9}:00`],
  ])('keeps %s as text, as the sniffer types the column on the whole file', async (_what, late, x) => {
    const path = lateValueFile(`late-${fileCount++}.csv`, late, x);
    for (const { target, types, rows, notes } of await readBothAsText(path)) {
      expect(types, target).toEqual(['BIGINT', 'VARCHAR', 'BIGINT']);
      expect(rows[LATE_ROW]?.[1], target).toBe(late);
      expect(notes.join('\n'), target).toContain(FAR);
    }
  });

  it('reads a leading zero or a digit separator in a DOUBLE column as the number it writes, without a second look', async () => {
    for (const [late, read] of [
      ['00.5', '0.5'],
      ['1_000.5', '1000.5'],
    ]) {
      const path = lateValueFile(`late-${fileCount++}.csv`, late!, (i) => `${i % 9}.5`);
      for (const { target, types, rows, notes } of await readBothAsText(path)) {
        expect(types, target).toEqual(['BIGINT', 'DOUBLE', 'BIGINT']);
        expect(rows[LATE_ROW]?.[1], target).toBe(read);
        expect(notes, target).toEqual([]);
      }
    }
  });

  it('checks a column whatever its name holds (quotes, a comma, spaces)', async () => {
    const lines = ['"it\'s ""x"", or y",n', ...Array.from({ length: ROWS }, (_, i) => `${i === LATE_ROW ? '2.5' : i % 9},${i % 7}`)];
    const path = file('late-named.csv', lines.join('\n') + '\n');
    for (const { target, types, rows } of await readBothAsText(path)) {
      expect(types, target).toEqual(['DOUBLE', 'BIGINT']);
      expect(rows[LATE_ROW]?.[0], target).toBe('2.5');
    }
  });

  it('keeps the time of day of a timestamp in a DATE column', async () => {
    const path = lateValueFile('late-timestamp.csv', '2024-01-05 12:34:56', (i) => `2024-01-0${1 + (i % 9)}`);
    for (const { target, types, rows } of await readBothAsText(path)) {
      expect(types, target).toEqual(['BIGINT', 'TIMESTAMP', 'BIGINT']);
      expect(rows[LATE_ROW]?.[1], target).toBe('2024-01-05 12:34:56');
    }
  });

  it('reads a file whose numbers are all written as the sniffer types them as before: no second look, no note', async () => {
    const numbers = ['0', '-0.5', '0.25', '1e3', '-12.75', ' 3.5', '.5', '5.'];
    const lines = ['id,n,x,t', ...Array.from({ length: ROWS }, (_, i) => `${i},${i % 2 ? ' ' : ''}${(i % 11) - 5},${numbers[i % numbers.length]},1${i % 10}:30:00`)];
    const path = file('plain-numbers.csv', lines.join('\n') + '\n');
    for (const { target, types, rows, notes } of await readBothAsText(path)) {
      expect(types, target).toEqual(['BIGINT', 'BIGINT', 'DOUBLE', 'TIME']);
      expect(rows[LATE_ROW + 1], target).toEqual([String(LATE_ROW + 1), String(((LATE_ROW + 1) % 11) - 5), '-0.5', '11:30:00']);
      expect(notes, target).toEqual([]);
    }
  });
});
