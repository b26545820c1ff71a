import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bitmapCheck, runBitmapChecks } from './exact-distinct-bitmap.js';
import type { ColumnPlan, RawColumnStats } from './column-stats.js';
import { profileTable } from '../profile.js';
import { queryRows } from '../sql.js';

let conn: DuckDBConnection;

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  // 60,000 rows: unique ids (with a gap and negatives), repeated integers, dates, whole-second and
  // sub-second timestamps, and no duplicate rows only because of `id`
  await conn.run(`CREATE TABLE t AS
    SELECT CASE WHEN i < 30000 THEN i - 15000 ELSE i + 100000 END AS id,
           i % 997 AS repeated,
           DATE '2020-01-01' + CAST(i % 1500 AS INTEGER) AS day,
           TIMESTAMP '2021-06-01 00:00:00' + to_seconds(CAST(i * 37 AS BIGINT)) AS at_second,
           TIMESTAMP '2021-06-01 00:00:00' + to_microseconds(CAST(i * 250000 AS BIGINT)) AS at_quarter_second,
           CASE WHEN i % 5 = 0 THEN NULL ELSE i % 50 END AS sparse,
           'x' AS filler
    FROM range(60000) t(i)`);
  // one exact duplicate row (its id repeats too)
  await conn.run(`INSERT INTO t SELECT * FROM t WHERE id = 42`);
});

afterAll(() => conn?.closeSync());

describe('exact distinct counts by bitmap, beyond the exact-scan row limit', () => {
  it('agree with count(DISTINCT …) for integers, dates and timestamps, and keys stay exact', async () => {
    // a row limit below the table's size forces the sketch-then-recount path
    const p = await profileTable(conn, { name: 't', tableName: 't' }, { exactDistinctRowLimit: 1000 });
    const truth = (await queryRows(conn, `SELECT count(DISTINCT id), count(DISTINCT repeated), count(DISTINCT day), count(DISTINCT at_second), count(DISTINCT at_quarter_second), count(DISTINCT sparse) FROM t`))[0]!;
    const distinct = (name: string) => p.columns.find((c) => c.name === name)!;
    const names = ['id', 'repeated', 'day', 'at_second', 'at_quarter_second', 'sparse'];
    names.forEach((name, i) => {
      expect(distinct(name).distinctApprox, name).toBe(false);
      expect(distinct(name).distinct, name).toBe(Number(truth[i]));
    });
    // the duplicated row makes id not unique, so the whole-row count had to run
    expect(p.duplicateRows).toBe(1);
    expect(distinct('id').unique).toBe(false);
    expect(p.timings.phases).toHaveProperty('exact_bitmaps');
  });

  it('counts by bitmap only where the values fit a small whole-number range', async () => {
    const plan = (name: string, kind: ColumnPlan['kind'], physicalType: string): ColumnPlan => ({
      name,
      index: 0,
      physicalType,
      kind,
      numericSource: kind === 'integer' ? 'native' : null,
      temporalSource: kind === 'temporal' ? 'native' : null,
      formats: null,
    });
    const stats = (numeric: [number, number] | null, temporal: [number, number] | null) =>
      ({
        nonMissing: 1,
        distinct: 1,
        distinctApprox: true,
        numeric: numeric && { min: numeric[0], max: numeric[1] },
        temporal: temporal && { parsed: 1, minIso: null, maxIso: null, minMs: temporal[0], maxMs: temporal[1] },
        strings: null,
        placeholders: [],
      }) as unknown as RawColumnStats;
    const ms = (sql: string) => Date.parse(sql);
    const checks = [
      bitmapCheck(plan('id', 'integer', 'BIGINT'), stats([-15000, 159999], null), 0),
      bitmapCheck(plan('day', 'temporal', 'DATE'), stats(null, [ms('2020-01-01T00:00:00Z'), ms('2024-02-08T00:00:00Z')]), 0),
      bitmapCheck(plan('at_second', 'temporal', 'TIMESTAMP'), stats(null, [ms('2021-06-01T00:00:00Z'), ms('2021-06-26T16:39:23Z')]), 0),
      bitmapCheck(plan('at_quarter_second', 'temporal', 'TIMESTAMP'), stats(null, [ms('2021-06-01T00:00:00Z'), ms('2021-06-01T04:10:00Z')]), 0),
    ];
    expect(checks.every((c) => c !== null)).toBe(true);
    // a range wider than the bitmap allows is left to the hash count
    expect(bitmapCheck(plan('wide', 'integer', 'BIGINT'), stats([0, 2 ** 40], null), 0)).toBeNull();
    // and so is a column with few distinct values, where hashing is cheaper
    expect(bitmapCheck(plan('id', 'integer', 'BIGINT'), stats([-15000, 159999], null))).toBeNull();
    const counts = await runBitmapChecks(conn, { from: 't', params: {}, label: 't' }, checks.flatMap((c) => c ?? []));
    expect(Object.fromEntries(counts)).toEqual({ id: 60000, day: 1500, at_second: 60000 });
  });

  it('a unique integer column proves there are no duplicate rows', async () => {
    await conn.run(`CREATE TABLE u AS SELECT * FROM t WHERE rowid < 60000`);
    const p = await profileTable(conn, { name: 'u', tableName: 'u' }, { exactDistinctRowLimit: 1000 });
    const id = p.columns.find((c) => c.name === 'id')!;
    expect(id).toMatchObject({ distinct: 60000, distinctApprox: false, unique: true });
    expect(p.duplicateRows).toBe(0);
    expect(p.candidateKeys[0]?.columns).toEqual(['id']);
  });
});
