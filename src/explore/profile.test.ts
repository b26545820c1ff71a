import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnProfile, TableProfile } from './profile-types.js';
import { profileTable } from './profile.js';

let conn: DuckDBConnection;
let dir = '';

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  dir = mkdtempSync(join(tmpdir(), "autolab-profile-it's-"));
  // 1,000 rows with known statistics, then 5 exact copies of rows 0..4
  await conn.run(`CREATE TABLE known AS
    SELECT i AS row_no,
           i::DOUBLE AS x,
           2 * i + 1 AS y,
           CASE WHEN i % 10 = 0 THEN NULL ELSE i % 7 END AS sparse,
           CASE WHEN i % 10 = 0 THEN NULL ELSE 'v' || (i % 3) END AS sparse_cat,
           CASE WHEN i % 50 = 0 THEN -999 ELSE i % 100 END AS reading,
           CASE WHEN i % 20 = 0 THEN 'N/A' ELSE CAST(i % 13 AS VARCHAR) END AS num_text,
           CASE WHEN i = 3 THEN 'infinity'::DOUBLE ELSE i / 10.0 END AS with_inf,
           'same' AS constant_col,
           NULL::VARCHAR AS empty_col,
           CASE i % 4 WHEN 0 THEN 'north' WHEN 1 THEN 'south' WHEN 2 THEN 'east' ELSE 'west' END AS region,
           CASE i % 4 WHEN 0 THEN 10.0 WHEN 1 THEN 20.0 WHEN 2 THEN 30.0 ELSE 40.0 END AS spend,
           i // 10 AS grp,
           i % 10 AS seq,
           strftime(DATE '2020-01-01' + INTERVAL (i) DAY, '%d/%m/%Y') AS day_text,
           CASE WHEN i % 2 = 0 THEN 'yes' ELSE 'no' END AS flag_text
    FROM range(1000) t(i)`);
  await conn.run(`INSERT INTO known SELECT * FROM known WHERE row_no < 5`);
});

afterAll(() => {
  conn?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const col = (p: TableProfile, name: string): ColumnProfile => {
  const c = p.columns.find((x) => x.name === name);
  if (!c) throw new Error(`no column ${name}`);
  return c;
};

describe('profileTable on a table with known statistics', () => {
  let p: TableProfile;
  beforeAll(async () => {
    p = await profileTable(conn, { name: 'known', tableName: 'known' });
  });

  it('counts rows, duplicates, missing values and distinct values exactly', () => {
    expect(p.rows).toBe(1005);
    expect(p.duplicateRows).toBe(5);
    expect(p.alerts.some((a) => a.kind === 'duplicate_rows')).toBe(true);
    const sparse = col(p, 'sparse');
    expect(sparse.missing).toBe(101); // rows 0,10,…,990 and the copy of row 0
    expect(sparse.distinct).toBe(7);
    expect(sparse.distinctApprox).toBe(false);
  });

  it('computes moments, quantiles, histogram and outliers of a numeric column', () => {
    const x = col(p, 'x');
    expect(x.semanticType).toBe('numeric');
    const n = x.numeric!;
    expect(n.min).toBe(0);
    expect(n.max).toBe(999);
    expect(n.zeros).toBe(2);
    expect(n.negatives).toBe(0);
    expect(n.histogram.reduce((s, b) => s + b.count, 0)).toBe(1005);
    expect(n.histogram).toHaveLength(20);
    expect(n.mean).toBeCloseTo((499.5 * 1000 + 10) / 1005, 6);
    expect(n.quantiles.p50).toBeGreaterThan(490);
    expect(n.quantiles.p50).toBeLessThan(510);
    expect(n.outliers).toBe(0);
  });

  it('infers semantic types and reads numbers, dates and booleans out of strings', () => {
    expect(col(p, 'row_no').semanticType).not.toBe('numeric');
    expect(col(p, 'constant_col').semanticType).toBe('constant');
    expect(col(p, 'empty_col').semanticType).toBe('empty');
    expect(col(p, 'region').semanticType).toBe('categorical');
    expect(col(p, 'flag_text').semanticType).toBe('boolean');
    const day = col(p, 'day_text');
    expect(day.semanticType).toBe('datetime');
    expect(day.datetime?.format).toBe('%d/%m/%Y');
    expect(day.datetime?.min).toBe('2020-01-01T00:00:00');
    expect(day.alerts.some((a) => a.kind === 'date_as_string')).toBe(true);
    const numText = col(p, 'num_text');
    expect(numText.semanticType).toBe('numeric');
    expect(numText.numeric?.max).toBe(12);
    expect(numText.alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['number_as_string', 'placeholder']));
  });

  it('raises alerts for sentinels, infinities, constants and empty columns', () => {
    const reading = col(p, 'reading');
    expect(reading.placeholders).toContainEqual({ value: '-999', count: 21 });
    expect(reading.alerts.some((a) => a.kind === 'placeholder')).toBe(true);
    expect(col(p, 'with_inf').numeric?.infinite).toBe(2); // row 3 and its copy
    expect(col(p, 'with_inf').alerts.some((a) => a.kind === 'infinite')).toBe(true);
    expect(col(p, 'constant_col').alerts.some((a) => a.kind === 'constant')).toBe(true);
    expect(col(p, 'empty_col').alerts.some((a) => a.kind === 'empty')).toBe(true);
    expect(col(p, 'sparse').alerts.some((a) => a.kind === 'many_missing')).toBe(true);
  });

  it('finds correlations of every kind', () => {
    const pearson = p.correlations.find((m) => m.method === 'pearson')!;
    const i = pearson.columns.indexOf('x');
    const j = pearson.columns.indexOf('y');
    expect(pearson.values[i]?.[j]).toBeCloseTo(1, 6);
    const eta = p.correlations.find((m) => m.method === 'correlation_ratio')!;
    const r = eta.columns.indexOf('region');
    const b = eta.columns.indexOf('spend');
    expect(eta.values[r]?.[b]).toBeCloseTo(1, 6);
    const auto = p.correlations.find((m) => m.method === 'auto')!;
    expect(auto.columns.length).toBe(auto.values.length);
    expect(p.alerts.some((a) => a.kind === 'high_correlation')).toBe(true);
  });

  it('counts rows where columns are missing together', () => {
    const m = p.missingCooccurrence!;
    const a = m.columns.indexOf('sparse');
    const c = m.columns.indexOf('sparse_cat');
    expect(m.bothMissing[a]?.[c]).toBe(101);
    expect(m.nullityCorrelation[a]?.[c]).toBeCloseTo(1, 6);
  });
});

describe('profileTable on large-table paths (sample, sketches, Parquet)', () => {
  it('samples, estimates distinct counts, then confirms keys exactly', async () => {
    const path = join(dir, "keys 'quoted'.parquet");
    await conn.run(`COPY (SELECT i AS order_id, i // 4 AS basket, i % 4 AS line, 'c' || (i % 97) AS "we""ird; name" FROM range(20000) t(i)) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`);
    const p = await profileTable(conn, { name: 'keys', parquetPath: path }, { sampleRows: 2000, exactDistinctRowLimit: 1000 });
    expect(p.rows).toBe(20000);
    expect(p.sampleRows).toBeGreaterThan(500);
    expect(p.sampleRows).toBeLessThan(20000);
    const id = col(p, 'order_id');
    expect(id.distinct).toBe(20000);
    expect(id.distinctApprox).toBe(false); // confirmed exactly after the sketch
    expect(id.unique).toBe(true);
    expect(col(p, 'basket')).toMatchObject({ distinct: 5000, distinctApprox: false }); // few values: recounted exactly
    expect(p.candidateKeys[0]?.columns).toEqual(['order_id']);
    expect(p.candidateKeys.some((k) => k.columns.join('+') === 'basket+line')).toBe(true);
    expect(col(p, 'we"ird; name').topValues).toHaveLength(10);
    expect(p.duplicateRows).toBe(0);
  });

  it('says what is wrong when the file cannot be read', async () => {
    await expect(profileTable(conn, { name: 'missing', parquetPath: join(dir, 'nope.parquet') })).rejects.toThrow(/cannot read table missing/);
  });

  it('profiles a wide table in chunks', async () => {
    const cols = Array.from({ length: 300 }, (_, k) => `(i * ${k + 1}) % 17 AS c${k}`).join(', ');
    await conn.run(`CREATE TABLE wide AS SELECT i AS id, ${cols} FROM range(200) t(i)`);
    const p = await profileTable(conn, { name: 'wide', tableName: 'wide' });
    expect(p.columnCount).toBe(301);
    expect(p.columns.every((c) => c.count === 200)).toBe(true);
    expect(col(p, 'c299').numeric?.max).toBe(16);
  });
});
