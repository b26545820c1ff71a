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
