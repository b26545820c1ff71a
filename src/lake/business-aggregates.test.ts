import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBusinessAggregate, businessAggregateName } from './business-aggregates.js';
import { openDuckEngine, type DuckEngine } from './engine.js';
import { execute, queryRows, quoteLiteral } from './sql.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-business-'));
let engine: DuckEngine;
beforeAll(async () => {
  engine = await openDuckEngine(dir);
});
afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const HOSTILE = 'a"; drop table x; --';

describe('business aggregates', () => {
  it('sums each measure per week and category value, in order, with any names', async () => {
    const path = join(dir, 'flights.parquet');
    await execute(
      engine.conn,
      `COPY (SELECT * FROM (VALUES
        (TIMESTAMP '2024-01-01 08:00', 'SFO', 10.0::DOUBLE), (TIMESTAMP '2024-01-03 09:00', 'SFO', 30.0),
        (TIMESTAMP '2024-01-02 10:00', 'LAX', 5.0), (TIMESTAMP '2024-01-09 10:00', 'SFO', NULL),
        (NULL, 'SFO', 99.0)) v("date", "${HOSTILE.replaceAll('"', '""')}", delay)) TO ${quoteLiteral(path)} (FORMAT parquet)`,
    );
    const aggregate = { table: 'flights', time: 'date', by: HOSTILE, measures: ['delay'], period: 'week' as const };
    expect(businessAggregateName(aggregate)).toBe(`flights.by-${HOSTILE}.week`);
    const out = join(dir, 'weekly.parquet');
    expect(await buildBusinessAggregate(engine.conn, aggregate, path, out)).toEqual({ rows: 3 });
    const rows = await queryRows(engine.conn, 'SELECT CAST(period AS VARCHAR), * EXCLUDE (period) FROM read_parquet($p)', { p: out });
    expect(rows).toEqual([
      ['2024-01-01 00:00:00', 'LAX', '1', 5, 5, 5, 5],
      ['2024-01-01 00:00:00', 'SFO', '2', 20, 40, 10, 30],
      ['2024-01-08 00:00:00', 'SFO', '1', null, null, null, null],
    ]);
    const monthly = join(dir, 'monthly.parquet');
    expect(await buildBusinessAggregate(engine.conn, { ...aggregate, by: null, period: 'month' }, path, monthly)).toEqual({ rows: 1 });
  });
});
