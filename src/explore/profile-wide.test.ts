/**
 * Issue 12: a wide table is explored in statements that each read the table once, whatever its
 * width, with the same top values as counting column by column gives. Structure is asserted,
 * never wall time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TableProfile, ValueCount } from './profile-types.js';
import { profileTable } from './profile.js';
import { parquetRelation, queryRows, quoteIdent, tableRelation, toCount, toDisplay } from './sql.js';
import { topValues } from './stats/index.js';

const WIDTH = 600;
const ROWS = 1500;

let conn: DuckDBConnection;
let dir = '';
let path = '';
let names: string[] = [];

/** Every statement the profile sends, through a connection that records them. */
function recording(target: DuckDBConnection): { conn: DuckDBConnection; statements: string[] } {
  const statements: string[] = [];
  const conn = new Proxy(target, {
    get(obj, prop) {
      const value: unknown = Reflect.get(obj, prop, obj);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof args[0] === 'string') statements.push(args[0]);
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
  return { conn, statements };
}

/** Top values of one column by its own GROUP BY: the answer column-at-a-time counting gives. */
async function topOf(from: string, params: Record<string, string>, name: string): Promise<ValueCount[]> {
  const c = quoteIdent(name);
  const rows = await queryRows(conn, `SELECT ${c}::VARCHAR AS v, count(*) AS n FROM ${from} WHERE ${c} IS NOT NULL GROUP BY ${c} ORDER BY n DESC, v LIMIT 10`, params);
  const list = rows.map((r) => ({ value: toDisplay(r[0]), count: toCount(r[1]) }));
  return list.sort((a, b) => b.count - a.count || String(a.value).localeCompare(String(b.value)));
}

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  dir = mkdtempSync(join(tmpdir(), 'autolab-profile-wide-'));
  path = join(dir, 'wide.parquet');
  // integers with ties at the k-th place, decimals, short codes, dates with gaps, near-unique
  // text (counted on the sample), a constant and an empty column
  const exprs = Array.from({ length: WIDTH - 3 }, (_, k) => {
    switch (k % 5) {
      case 0:
        return `(i * ${k + 1}) % ${7 + (k % 13)} AS n${k}`;
      case 1:
        return `((i * ${k + 3}) % 97) / 8.0 AS f${k}`;
      case 2:
        return `'c' || ((i + ${k}) % 23) AS s${k}`;
      case 3:
        return `CASE WHEN (i + ${k}) % 9 = 0 THEN NULL ELSE DATE '2021-01-01' + INTERVAL ((i * ${k}) % 40) DAY END AS d${k}`;
      default:
        return `'id-' || (i * ${k + 1}) AS u${k}`;
    }
  });
  await conn.run(`COPY (SELECT i AS id, 'same' AS constant_col, NULL::VARCHAR AS empty_col, ${exprs.join(', ')} FROM range(${ROWS}) t(i)) TO '${path}' (FORMAT parquet)`);
  names = (await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}') LIMIT 0`)).columnNames();
});

afterAll(() => {
  conn?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe(`a ${WIDTH}-column table`, () => {
  let profile: TableProfile;
  let statements: string[] = [];
  beforeAll(async () => {
    const recorded = recording(conn);
    // a sample smaller than the table: top values are counted on the Parquet file itself
    profile = await profileTable(recorded.conn, { name: 'wide', parquetPath: path }, { sampleRows: 1000 });
    statements = recorded.statements;
    console.log(profile.timings.phases);
  }, 300_000);

  it('is read once per statement, in a number of statements that does not grow per column', () => {
    expect(profile.columnCount).toBe(WIDTH);
    expect(profile.sampleRows).toBeLessThan(ROWS);
    const reads = statements.map((sql) => sql.split('read_parquet(').length - 1);
    expect(Math.max(...reads)).toBe(1);
    const sampleTable = /autolab_sample_[a-z0-9_]+/.exec(statements.find((s) => s.includes('autolab_sample_')) ?? '')?.[0];
    expect(sampleTable).toBeDefined();
    expect(Math.max(...statements.map((sql) => sql.split(sampleTable!).length - 1))).toBe(1);
    // chunks of 100–300 columns per statement, per phase: a few dozen in all, never one per column
    expect(statements.length).toBeLessThan(WIDTH / 5);
  });

  it('gives each column the top values and distinct count its own GROUP BY gives, on the whole file', async () => {
    // few rows: every column is counted on the file before the main scan, near-unique ones too
    expect(profile.timings.phases).toHaveProperty('value_counts');
    expect(profile.columns.every((c) => !c.topValuesFromSample && !c.distinctApprox)).toBe(true);
    // every 7th column (all five kinds, ties at the 10th place among them): the next test compares all of them
    for (const c of profile.columns.filter((_, i) => i % 7 === 0)) expect(c.topValues, c.name).toEqual(await topOf('read_parquet($p)', { p: path }, c.name));
    const distinct = (await queryRows(conn, `SELECT ${names.map((n) => `count(DISTINCT ${quoteIdent(n)})`).join(', ')} FROM read_parquet($p)`, { p: path }))[0] ?? [];
    expect(profile.columns.map((c) => c.distinct)).toEqual(distinct.map(toCount));
    expect(profile.columns.find((c) => c.name === 'constant_col')?.topValues).toEqual([{ value: 'same', count: ROWS }]);
    expect(profile.columns.find((c) => c.name === 'empty_col')?.topValues).toEqual([]);
    expect(profile.columns.find((c) => c.name === 'u4')?.unique).toBe(true);
  });

  it('counts the same top values a chunk of columns at a time as one GROUP BY per column', async () => {
    await conn.run(`CREATE TEMP TABLE wide_sample AS SELECT * FROM read_parquet('${path}') USING SAMPLE reservoir(500 ROWS) REPEATABLE (7)`);
    const full = parquetRelation(path);
    const sample = tableRelation('wide_sample');
    const requests = names.map((name, i) => ({ name, fromSample: i % 3 === 0 }));
    const batched = await topValues(conn, full, sample, requests, 10, names.length);
    const perColumn = await topValues(conn, full, sample, requests, 10, 1);
    for (const { name } of requests) expect(batched.get(name) ?? [], name).toEqual(perColumn.get(name) ?? []);
  });
});
