import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../common/index.js';
import { execute, openDuckEngine, quoteLiteral } from '../lake/index.js';
import type { Frame } from './frame.js';
import { readFrame, readFrameSlices, readFrameWithNotes } from './read-frame.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-read-frame-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('readFrameSlices', () => {
  it('hands over the rows a slice at a time, the same values as one frame, each slice placed by firstRow', async () => {
    const lines = ['n,t,d,flag'];
    for (let i = 0; i < 5000; i++) lines.push([i % 7 === 0 ? '' : String(i / 4), i % 11 === 0 ? '' : `w${i % 13}`, `2024-01-${String(1 + (i % 28)).padStart(2, '0')}`, i % 3 === 0].join(','));
    const path = file('slices.csv', lines.join('\n') + '\n');
    const whole = await readFrame(path, { expectedColumns: [{ name: 'n', kind: 'number' }, { name: 't', kind: 'string', categories: ['w1', 'w2'] }] });
    const taken: { firstRow: number | undefined; rows: number; columns: Frame['columns'] }[] = [];
    const { rows } = await readFrameSlices(path, { expectedColumns: [{ name: 'n', kind: 'number' }, { name: 't', kind: 'string', categories: ['w1', 'w2'] }] }, 2048, (frame) => {
      // copied: the next slice overwrites this one's columns
      taken.push({ firstRow: frame.firstRow, rows: frame.rows, columns: frame.columns.map((c) => ({ ...c, values: c.values.slice() }) as Frame['columns'][number]) });
    });
    expect(rows).toBe(5000);
    expect(taken.map((t) => [t.firstRow, t.rows])).toEqual([
      [0, 2048],
      [2048, 2048],
      [4096, 904],
    ]);
    whole.columns.forEach((column, c) => {
      const joined = taken.flatMap((t) => Array.from(t.columns[c]!.values as ArrayLike<unknown>));
      expect(taken.every((t) => t.columns[c]!.name === column.name && t.columns[c]!.kind === column.kind)).toBe(true);
      expect(joined).toEqual(Array.from(column.values as ArrayLike<unknown>));
    });
    expect(whole.columns.find((c) => c.name === 't')!.values.slice(0, 3)).toEqual([null, 'w1', 'w2']);
  });
});

describe('readFrame', () => {
  it('sniffs the delimiter and types of a CSV as ingest does (true/false stays text, as bronze keeps it)', async () => {
    const path = file('semi.csv', 'a;b;c;d\n1;x;true;2021-01-02\n2.5;y;false;2021-02-03\n;z;;\n');
    const { frame, notes } = await readFrameWithNotes(path);
    expect(notes).toContain('delimiter ";" sniffed');
    expect(frame.rows).toBe(3);
    expect(frame.columns.map((c) => [c.name, c.kind])).toEqual([
      ['a', 'number'],
      ['b', 'string'],
      ['c', 'string'],
      ['d', 'datetime'],
    ]);
    const a = frame.columns[0]!.values as Float64Array;
    expect(Array.from(a.slice(0, 2))).toEqual([1, 2.5]);
    expect(Number.isNaN(a[2])).toBe(true);
    expect((frame.columns[3]!.values as Float64Array)[0]).toBe(Date.UTC(2021, 0, 2));
    expect(frame.columns[2]!.values).toEqual(['true', 'false', null]);
  });

  it('makes a missing number or datetime NaN wherever it falls in DuckDB’s vectors of 2,048 rows', async () => {
    const gaps = new Set([0, 31, 32, 63, 64, 65, 2047, 2048, 2049, 4095, 4096, 4999]);
    const missing = (r: number) => gaps.has(r) || r % 37 === 0;
    const lines = ['x,t,y', ...Array.from({ length: 5000 }, (_, r) => `${missing(r) ? '' : r * 0.5},${missing(r + 1) ? '' : `2021-01-0${1 + (r % 9)}`},${r % 2}`)];
    const frame = await readFrame(file('gaps.csv', lines.join('\n') + '\n'));
    expect(frame.columns.map((c) => c.kind)).toEqual(['number', 'datetime', 'number']);
    const [x, t, y] = frame.columns.map((c) => Array.from(c.values as Float64Array));
    expect(x).toEqual(Array.from({ length: 5000 }, (_, r) => (missing(r) ? NaN : r * 0.5)));
    expect(t).toEqual(Array.from({ length: 5000 }, (_, r) => (missing(r + 1) ? NaN : Date.UTC(2021, 0, 1 + (r % 9)))));
    expect(y).toEqual(Array.from({ length: 5000 }, (_, r) => r % 2));
  });

  it('keeps forced text columns exactly as written', async () => {
    const path = file('labels.csv', 'y,x\nyes,1\nno,2\n007,3\n');
    const frame = await readFrame(path, { textColumns: ['y', 'not-there'] });
    expect(frame.columns[0]).toEqual({ name: 'y', kind: 'string', values: ['yes', 'no', '007'] });
  });

  it('reads TSV, NDJSON, JSON and Parquet', async () => {
    const tsv = await readFrame(file('t.tsv', 'a\tb\n1\tu\n2\tv\n'));
    expect(tsv.columns.map((c) => c.name)).toEqual(['a', 'b']);
    const nd = await readFrame(file('t.ndjson', '{"a":1,"b":"u"}\n{"a":2,"b":"v"}\n'));
    expect(nd.rows).toBe(2);
    const json = await readFrame(file('t.json', '[{"a":1,"b":"u"},{"a":2,"b":null}]'));
    expect(json.columns[1]).toEqual({ name: 'b', kind: 'string', values: ['u', null] });
    const parquet = join(dir, 't.parquet');
    const engine = await openDuckEngine(dir);
    try {
      await execute(engine.conn, `COPY (SELECT range AS a, 'r' || range AS b FROM range(5)) TO ${quoteLiteral(parquet)} (FORMAT parquet)`);
    } finally {
      engine.close();
    }
    const pq = await readFrame(parquet);
    expect(pq.rows).toBe(5);
    expect(pq.columns[0]!.kind).toBe('number');
  });

  it('reads the first sheet of an .xlsx workbook', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('data');
    sheet.addRows([
      ['a', 'b', 'when'],
      [1, 'x', new Date(Date.UTC(2020, 1, 3))],
      [2.5, 'y', null],
    ]);
    const path = join(dir, 't.xlsx');
    await workbook.xlsx.writeFile(path);
    const frame = await readFrame(path, { textColumns: ['a'] });
    expect(frame.rows).toBe(2);
    expect(frame.columns[0]).toEqual({ name: 'a', kind: 'string', values: ['1', '2.5'] });
    expect(frame.columns[1]).toEqual({ name: 'b', kind: 'string', values: ['x', 'y'] });
    expect(frame.columns[2]!.kind).toBe('datetime');
  });

  it('reads through the sources reader: its repairs and notes come with the frame', async () => {
    const path = join(dir, 'stray.csv');
    writeFileSync(path, Buffer.concat([Buffer.from('id,city\n1,Zürich\n2,Zürich\n'), Buffer.from('3,Z\xfcrich\n', 'latin1')]));
    const { frame, notes } = await readFrameWithNotes(path);
    expect(frame.columns[1]).toEqual({ name: 'city', kind: 'string', values: ['Zürich', 'Zürich', 'Zürich'] });
    expect(notes.join('\n')).toMatch(/not all UTF-8: 1 byte\(s\) outside UTF-8 \(line 4\)/);
    const cut = file('cut.json', '[{"a":1},{"a":2},');
    await expect(readFrame(cut)).rejects.toThrow(/cut\.json is cut off/);
  });

  it('reads a file whose header names the expected columns as the sniffer would, on any usual delimiter', async () => {
    const wide = ['y,' + Array.from({ length: 300 }, (_, i) => `f${i}`).join(','), ...Array.from({ length: 40 }, (_, r) => `${r % 3 === 0 ? 'a' : 'b'},` + Array.from({ length: 300 }, (_, i) => ((r * i) % 7 === 0 ? '1' : '0')).join(','))];
    const cases = [
      file('expected-wide.csv', wide.join('\n') + '\n'),
      file('expected-semi.csv', 'a;b;c\n1,5;x;"q;r"\n2,25;y;""\n'),
      file('expected-tab.tsv', 'a\tb\r\n1\t2020-01-01\r\n\t2020-01-02\r\n'),
      file('expected-ragged.csv', 'a,b,c\n1,2\n3,4,5\n'),
    ];
    for (const path of cases) {
      const sniffed = await readFrameWithNotes(path, { textColumns: ['y'] });
      // the model's columns, in another order, and fewer than the file has; a datetime among them leaves the types to the sniffer
      const columns = sniffed.frame.columns.map((c) => ({ name: c.name, kind: c.kind }));
      const named = columns.slice(1).reverse();
      const expected = await readFrameWithNotes(path, { textColumns: ['y'], expectedColumns: named });
      expect(expected.notes).toEqual(sniffed.notes);
      expect(expected.frame.rows).toBe(sniffed.frame.rows);
      // (the first column, not named, is text when the types were given: see the next test)
      expect(expected.frame.columns.slice(1)).toEqual(sniffed.frame.columns.slice(1));
    }
    // a header without one of them: the sniffer decides, as before
    const other = await readFrameWithNotes(cases[1]!, { expectedColumns: [{ name: 'a', kind: 'number' }, { name: 'z', kind: 'number' }] });
    expect(other).toEqual(await readFrameWithNotes(cases[1]!));
  });

  it('reads a CSV with the expected columns\' types as the sniffer reads it, and falls back to the sniffer when a value does not fit', async () => {
    const many = ['x,label,z', ...Array.from({ length: 25_000 }, (_, r) => `${r === 24_000 ? 'seven' : r % 10},${r % 2 ? 'a' : 'b'},${r * 0.5}`)];
    const cases = [
      // numbers, missing values, quoted text with a comma and a newline, a byte order mark
      file('typed.csv', '\ufeffx,label,z\n1,a,2.5\n,"b,c",-3e2\n4,"d\ne",\n'),
      file('typed-crlf.csv', 'x,label,z\r\n1,a,2\r\n2,b,3\r\n'),
      // short rows padded with NULL, and a row longer than the header
      file('typed-short.csv', 'x,label,z\n1,a\n2,b,3\n'),
      file('typed-long.csv', 'x,label,z\n1,a,2\n2,b,3,4\n'),
      // text where a number is expected, and exported missing values: read as without the types
      file('typed-text.csv', 'x,label,z\nabc,a,1\n2,b,2\n'),
      file('typed-na.csv', 'x,label,z\nNA,a,1\n2,b,?\n'),
      // text past the sniffer's sample: the sniffing read fails, then types from the whole file
      file('typed-late-text.csv', many.join('\n') + '\n'),
    ];
    const kinds = { x: 'number', label: 'string', z: 'number' } as const;
    for (const path of cases) {
      const sniffed = await readFrameWithNotes(path, { textColumns: ['label'] });
      const columns = sniffed.frame.columns.filter((c) => c.name in kinds).map((c) => ({ name: c.name, kind: kinds[c.name as keyof typeof kinds] }));
      const typed = await readFrameWithNotes(path, { textColumns: ['label'], expectedColumns: columns });
      expect(typed, path).toEqual(sniffed);
    }
    const late = await readFrameWithNotes(cases[6]!, { expectedColumns: [{ name: 'x', kind: 'number' }] });
    expect(late.frame.rows).toBe(25_000);
    expect(late.frame.columns[0]!.kind).toBe('string');
    expect(late.notes).toContain('a value did not fit the type sniffed from a sample: types sniffed from the whole file');
    // the types are used: an empty column the sniffer calls text is read as the number column expected,
    // and a column the caller did not name comes as text
    const empty = file('typed-empty.csv', 'x,z,other\n,1,5\n,2,6\n');
    expect((await readFrame(empty)).columns.map((c) => c.kind)).toEqual(['string', 'number', 'number']);
    const read = await readFrame(empty, { expectedColumns: [{ name: 'x', kind: 'number' }, { name: 'z', kind: 'number' }] });
    expect(read.columns.map((c) => c.kind)).toEqual(['number', 'number', 'string']);
    expect(read.columns[2]!.values).toEqual(['5', '6']);
  });

  it('sees a decimal past the sniffer’s sample as written, for training and for a model’s inputs (duckdb/duckdb#25824)', async () => {
    const late = 25_000;
    const FAR = 'a value did not fit the type sniffed from a sample: types sniffed from the whole file';
    const lines = ['x,d,label', ...Array.from({ length: 30_000 }, (_, r) => `${r === late ? '2.5' : r % 9},2024-01-0${1 + (r % 9)},${r % 2 ? 'a' : 'b'}`)];
    const path = file('late-decimal.csv', lines.join('\n') + '\n');
    const training = await readFrameWithNotes(path, { textColumns: ['label'] });
    // a model's inputs: with a datetime among them the types are the sniffer's; numbers and text only: given
    const withDates = await readFrameWithNotes(path, { expectedColumns: [{ name: 'x', kind: 'number' }, { name: 'd', kind: 'datetime' }] });
    const numbersOnly = await readFrameWithNotes(path, { textColumns: ['label'], expectedColumns: [{ name: 'x', kind: 'number' }] });
    for (const { frame } of [training, withDates, numbersOnly]) {
      expect(frame.columns[0]!.kind).toBe('number');
      const x = frame.columns[0]!.values as Float64Array;
      expect([x[late - 1], x[late], x[late + 1]]).toEqual([(late - 1) % 9, 2.5, (late + 1) % 9]);
    }
    // (read as the DOUBLE expected, 2.5 fits from the start)
    expect([training.notes, withDates.notes, numbersOnly.notes]).toEqual([[FAR], [FAR], []]);
    // a leading zero past the sample makes the column text, as the sniffer types it on the whole file;
    // where numbers are expected (read as DOUBLE) it is the number it writes
    const padded = file('late-padded.csv', lines.map((line, r) => (r === late + 1 ? line.replace(/^2\.5/, '007') : line)).join('\n') + '\n');
    const sniffed = await readFrameWithNotes(padded, { textColumns: ['label'] });
    expect(sniffed.frame.columns[0]!.kind).toBe('string');
    expect(sniffed.frame.columns[0]!.values[late]).toBe('007');
    const expected = await readFrameWithNotes(padded, { textColumns: ['label'], expectedColumns: [{ name: 'x', kind: 'number' }, { name: 'label', kind: 'string' }] });
    expect((expected.frame.columns[0]!.values as Float64Array)[late]).toBe(7);
  });

  it('gives one-line input errors for missing, empty and header-only files', async () => {
    await expect(readFrame(join(dir, 'nope.csv'))).rejects.toThrow(InputError);
    await expect(readFrame(join(dir, 'nope.csv'))).rejects.toThrow(/file not found/);
    await expect(readFrame(file('empty.csv', ''))).rejects.toThrow(/is empty/);
    await expect(readFrame(file('header.csv', 'a,b\n'))).rejects.toThrow(/no rows/);
    await expect(readFrame(file('x.xyz', 'a\n1\n'))).rejects.toThrow(/unknown kind of data file/);
  });
});

describe('readFrame with the expected text columns\' labels', () => {
  it('gives the frame it gives without them: known labels, others, missing and empty values, across vectors', async () => {
    const labels = ['a', "o'k", 'b,c', 'Zürich', ''];
    const value = (r: number) => (r % 97 === 0 ? '' : r % 89 === 0 ? 'unseen' : r % 83 === 0 ? '"b,c"' : r % 7 === 0 ? 'Zürich' : r % 5 === 0 ? "o'k" : 'a');
    const lines = ['c,x', ...Array.from({ length: 5000 }, (_, r) => `${value(r)},${r}`)];
    const path = file('labelled.csv', lines.join('\n') + '\n');
    const plain = await readFrameWithNotes(path, { textColumns: ['c'] });
    const expectedColumns = [
      { name: 'c', kind: 'string' as const, categories: labels },
      { name: 'x', kind: 'number' as const },
    ];
    const labelled = await readFrameWithNotes(path, { textColumns: ['c'], expectedColumns });
    expect(labelled).toEqual(plain);
    expect(new Set<unknown>(labelled.frame.columns[0]!.values)).toEqual(new Set(['a', "o'k", 'b,c', 'Zürich', null, 'unseen']));
    // two labelled columns, values that are no label in one or both, with JSON's special characters
    const odd = (r: number) => (r % 11 === 0 ? '"back\\slash ""quoted"""' : r % 13 === 0 ? 'tab\there' : r % 3 === 0 ? 'x' : 'y');
    const two = file('labelled-two.csv', ['c,d', ...Array.from({ length: 3000 }, (_, r) => `${value(r)},${odd(r)}`)].join('\n') + '\n');
    const plainTwo = await readFrameWithNotes(two, { textColumns: ['c', 'd'] });
    const labelledTwo = await readFrameWithNotes(two, { textColumns: ['c', 'd'], expectedColumns: [expectedColumns[0]!, { name: 'd', kind: 'string', categories: ['x', 'y'] }] });
    expect(labelledTwo).toEqual(plainTwo);
    expect(labelledTwo.frame.columns[1]!.values).toContain('back\\slash "quoted"');
    // a label list with a repeat cannot be an ENUM: read as text, the same frame
    const repeated = await readFrameWithNotes(path, { textColumns: ['c'], expectedColumns: [{ ...expectedColumns[0]!, categories: ['a', 'a'] }, expectedColumns[1]!] });
    expect(repeated).toEqual(plain);
  });
});
