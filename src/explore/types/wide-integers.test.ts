import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileTable } from '../profile.js';

let conn: DuckDBConnection;
let dir = '';

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  dir = mkdtempSync(join(tmpdir(), 'autolab-wide-int-'));
});
afterAll(() => {
  conn.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

describe('profiling unsigned 64-bit and 128-bit integers', () => {
  const columns = `i::BIGINT AS id,
             '18446744073709551615'::UBIGINT - i::UBIGINT AS big_u,
             '170141183460469231731687303715884105727'::HUGEINT - i::HUGEINT AS big_h,
             '340282366920938463463374607431768211455'::UHUGEINT - i::UHUGEINT AS big_uh,
             (i * 3)::UBIGINT AS small_u,
             (i - 5)::HUGEINT AS small_h,
             CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END AS label`;

  it("reads a table's as BIGINT when they fit and as text (noted) when they do not", async () => {
    await conn.run(`CREATE TABLE wide AS SELECT ${columns} FROM range(3000) t(i)`);
    // a sample smaller than the table: the profile reads the table itself as well as its sample
    const profile = await profileTable(conn, { name: 'wide', tableName: 'wide' }, { sampleRows: 1000 });
    const byName = new Map(profile.columns.map((c) => [c.name, c]));
    expect(profile.rows).toBe(3000);
    for (const name of ['big_u', 'big_h', 'big_uh']) {
      expect(byName.get(name)?.physicalType).toBe('VARCHAR');
      expect(byName.get(name)?.distinct).toBe(3000);
    }
    expect(byName.get('small_u')?.physicalType).toBe('BIGINT');
    expect(byName.get('small_h')?.physicalType).toBe('BIGINT');
    expect(byName.get('small_u')?.numeric?.max).toBe(8997);
    expect(profile.alerts.filter((a) => a.kind === 'wide_integer').map((a) => a.message)).toEqual([
      'big_u holds integers beyond 64 bits (UBIGINT, up to 18446744073709551615): profiled as text',
      'big_h holds integers beyond 64 bits (HUGEINT, up to 170141183460469231731687303715884105727): profiled as text',
      'big_uh holds integers beyond 64 bits (UHUGEINT, up to 340282366920938463463374607431768211455): profiled as text',
    ]);
  });

  it('profiles them from Parquet, where 128-bit integers are stored as doubles', async () => {
    const path = join(dir, 'wide.parquet');
    await conn.run(`COPY (SELECT ${columns} FROM range(3000) t(i)) TO '${path}' (FORMAT parquet)`);
    const profile = await profileTable(conn, { name: 'wide', parquetPath: path }, { sampleRows: 1000 });
    const types = Object.fromEntries(profile.columns.map((c) => [c.name, c.physicalType]));
    expect(types).toMatchObject({ big_u: 'VARCHAR', small_u: 'BIGINT', big_h: 'DOUBLE', small_h: 'DOUBLE' });
    expect(profile.columns.find((c) => c.name === 'big_h')?.numeric?.histogram.length).toBeGreaterThan(0);
  });
});
