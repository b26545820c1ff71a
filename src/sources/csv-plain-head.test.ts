import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckEngine, queryRows, type DuckEngine } from '../lake/index.js';
import { plainCommaColumns } from './csv-plain-head.js';
import { readDataFile } from './file-reader.js';
import type { RowConsumer } from './read-target.js';

let dir: string;
let engine: DuckEngine;
let fileCount = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-plain-head-'));
  engine = await openDuckEngine(dir);
});

afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

function csvFile(lines: readonly string[], end = '\n', last = end): string {
  const path = join(dir, `head-${fileCount++}.csv`);
  writeFileSync(path, lines.join(end) + last);
  return path;
}

const rows = (n: number, row: (r: number) => string) => Array.from({ length: n }, (_, r) => row(r));
const HEAD_BYTES = 256 * 1024;

/** What DuckDB's search over dialects finds in a file's head. */
async function searched(path: string): Promise<unknown[]> {
  const [row] = await queryRows(engine.conn, 'SELECT Delimiter, Quote, Escape, HasHeader, SkipRows, len(Columns) FROM sniff_csv($src, null_padding=true)', { src: path });
  return row ?? [];
}

describe('plainCommaColumns: the dialect a plain comma-delimited head shows', () => {
  it('says plain only where DuckDB’s search finds a comma, no quote, no escape, a header and nothing to skip', async () => {
    const plain = [
      // wide indicators and decimals, the target as text, missing values
      csvFile(['label,' + rows(300, (i) => `f${i}`).join(','), ...rows(80, (r) => `${r % 3 ? 'yes' : 'no'},` + rows(300, (i) => ((r * i) % 7 === 0 ? '1' : i % 5 ? '0' : '')).join(','))]),
      csvFile(['a,b,label', ...rows(50, (r) => `${r},${(-r * 2.5).toFixed(2)},${r % 2 ? 'x' : 'y'}`)], '\r\n'),
      // text among the numbers of one column, words in another: one plain number column tells the header
      csvFile(['id_x,v,name', ...rows(40, (r) => `${r},${r % 9 ? r : 'NA'},${r % 2 ? 'red' : 'blue'}`)]),
      // a short file read whole, without a last line end
      csvFile(['x,y', '1,2', '3,4'], '\n', ''),
    ];
    for (const path of plain) {
      const columns = await plainCommaColumns(path, HEAD_BYTES);
      expect(columns, path).toBeGreaterThan(1);
      expect(await searched(path), path).toEqual([',', '(empty)', '(empty)', true, 0, String(columns)]);
    }
  });

  it('leaves every other head to the search', async () => {
    const others = [
      csvFile(['a,b', '"1",2', '3,4']),
      csvFile(["a,b", "O'Brien,2", '3,4']),
      csvFile(['a;b,c', '1;2,3', '4;5,6']),
      csvFile(['a\tb', '1\t2']),
      // no name above plain numbers: numbers as names, a header over text or dates only, a first value missing
      csvFile(['1,2', '3,4', '5,6']),
      csvFile(['a,b', 'x,y', 'z,w']),
      csvFile(['a,when', 'x,2020-01-02', 'y,2021-03-04']),
      csvFile(['a,b', ',x', '2,y']),
      // numbers the sniffer does not type as numbers: leading zeros, a plus sign, padding
      csvFile(['a,b', '007,x', '8,y']),
      csvFile(['a,b', '+1,x', '2,y']),
      csvFile(['a,b', ' 1,x', '2,y']),
      // ragged rows, a comment line, mixed line ends, a single column, bytes that are not UTF-8
      csvFile(['a,b,c', '1,2,3', '4,5', '6,7,8']),
      csvFile(['# exported', 'a,b', '1,2']),
      csvFile(['a,b', '1,2\r', '3,4']),
      csvFile(['a', '1', '2']),
    ];
    const latin1 = join(dir, 'latin1.csv');
    writeFileSync(latin1, Buffer.from('a,b\n1,Z\xfcrich\n', 'latin1'));
    for (const path of [...others, latin1]) expect(await plainCommaColumns(path, HEAD_BYTES), path).toBeUndefined();
  });

  it('reads a plain file without the search, and past the head as the search’s dialect would', async () => {
    // past the 256 kB head (40,000 rows of 8 bytes): a quoted field and a longer row (no quoting: skipped
    // and named, as with the dialect the search finds in the head), text where numbers were
    const big = (last: string) => csvFile(['a,b,label', ...rows(40_000, (r) => `${r},${r % 4},z`), last]);
    const cases = [csvFile(['a,b', '1,2', '3,4']), big('5,6,"x,y"'), big('5,6,z,7'), big('5,none,z')];
    const expected = [
      { rows: 2, notes: [] },
      { rows: 40_000, notes: ['malformed rows found: read again skipping them', '1 malformed row(s) skipped (line 40002)'] },
      { rows: 40_000, notes: ['malformed rows found: read again skipping them', '1 malformed row(s) skipped (line 40002)'] },
      { rows: 40_001, notes: ['a value did not fit the type sniffed from a sample: types sniffed from the whole file'] },
    ];
    for (const [i, path] of cases.entries()) {
      let searches = 0;
      const conn = new Proxy(engine.conn, {
        get(target, key) {
          const value: unknown = Reflect.get(target, key);
          if (typeof value !== 'function') return value;
          if (key !== 'runAndReadAll') return value.bind(target);
          return (sql: string, ...rest: unknown[]) => {
            if (sql.includes('sniff_csv') && sql.includes('SkipRows')) searches++;
            return (value as (...args: unknown[]) => unknown).call(target, sql, ...rest);
          };
        },
      });
      const consumer: RowConsumer & { rows: unknown[][] } = {
        rows: [],
        async consume(c, selectSql, params) {
          this.rows = await queryRows(c, selectSql, params);
        },
      };
      const quality = await readDataFile(conn, path, { kind: 'rows', consumer }, { label: path, workDir: mkdtempSync(join(dir, 'work-')) });
      expect({ searches, rows: consumer.rows.length, notes: quality.notes }, path).toEqual({ searches: 0, ...expected[i] });
    }
  });
});
