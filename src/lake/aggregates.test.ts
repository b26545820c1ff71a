import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAggregates, type AggregateGrain } from './aggregates.js';
import { openDuckEngine, type DuckEngine } from './engine.js';
import { execute, queryRows } from './sql.js';

const HOSTILE = 'a"; drop table x; --';

describe('business aggregates', () => {
  let dir: string;
  let engine: DuckEngine;
  let silver: string;
  const outs = (): Record<AggregateGrain, string> => ({ day: join(dir, 'day.parquet'), week: join(dir, 'week.parquet'), month: join(dir, 'month.parquet') });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autolab-aggregates-'));
    engine = await openDuckEngine(dir);
    silver = join(dir, 'silver.parquet');
    // Monday 2026-03-02 … : two origins, a delay, a distance; one row without a time
    await execute(
      engine.conn,
      `COPY (SELECT * FROM (VALUES
        (TIMESTAMP '2026-03-02 08:00', 'SEA', 10.0, 100),
        (TIMESTAMP '2026-03-02 19:30', 'SEA', 30.0, 300),
        (TIMESTAMP '2026-03-02 12:00', 'LAX', -5.0, 50),
        (TIMESTAMP '2026-03-04 09:00', 'LAX', 15.0, 150),
        (TIMESTAMP '2026-03-10 10:00', 'SEA', NULL, 200),
        (TIMESTAMP '2026-04-01 10:00', NULL, 40.0, 400),
        (NULL, 'SEA', 99.0, 999)
      ) AS t("date", "${HOSTILE.replaceAll('"', '""')}", delay, distance)) TO '${join(dir, 'silver.parquet')}' (FORMAT parquet)`,
    );
  });
  afterAll(() => {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts, sums and averages each measure per period, over all rows and per member, and leaves out rows without a time', async () => {
    const report = await buildAggregates(engine.conn, { table: 'flights', time: 'date', measures: ['delay', 'distance'], dimensions: [HOSTILE] }, silver, outs());
    expect(report).toMatchObject({ rowsIn: 7, withoutTime: 1 });
    expect(report.tables.map((t) => [t.grain, t.periods, t.firstPeriod, t.lastPeriod])).toEqual([
      ['day', 4, '2026-03-02 00:00:00', '2026-04-01 00:00:00'],
      ['week', 3, '2026-03-02 00:00:00', '2026-03-30 00:00:00'],
      ['month', 2, '2026-03-01 00:00:00', '2026-04-01 00:00:00'],
    ]);
    const weekly = await queryRows(engine.conn, 'SELECT CAST(period AS VARCHAR), dimension, member, CAST("rows" AS INTEGER), delay_sum, delay_mean, delay_min, delay_max, distance_sum FROM read_parquet($p)', { p: outs().week });
    expect(weekly).toEqual([
      ['2026-03-02 00:00:00', '(all)', null, 4, 50, 12.5, -5, 30, 600],
      ['2026-03-09 00:00:00', '(all)', null, 1, null, null, null, null, 200],
      ['2026-03-30 00:00:00', '(all)', null, 1, 40, 40, 40, 40, 400],
      // the category's name is bound, never spliced: a hostile name is just a name
      ['2026-03-02 00:00:00', HOSTILE, 'LAX', 2, 10, 5, -5, 15, 200],
      ['2026-03-02 00:00:00', HOSTILE, 'SEA', 2, 40, 20, 10, 30, 400],
      ['2026-03-09 00:00:00', HOSTILE, 'SEA', 1, null, null, null, null, 200],
      ['2026-03-30 00:00:00', HOSTILE, null, 1, 40, 40, 40, 40, 400],
    ]);
    // every row with a time is in each grain's total once
    for (const grain of ['day', 'week', 'month'] as const) {
      const [[total]] = (await queryRows(engine.conn, `SELECT sum("rows") FROM read_parquet($p) WHERE dimension = '(all)'`, { p: outs()[grain] })) as [[unknown]];
      expect(Number(total)).toBe(6);
    }
  });

  it('names a column the silver table lacks in one line', async () => {
    await expect(buildAggregates(engine.conn, { table: 'flights', time: 'when', measures: [], dimensions: [] }, silver, outs())).rejects.toThrow(/aggregates of flights: the silver table has no column when/);
  });
});
