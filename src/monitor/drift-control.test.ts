import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../explore/index.js';
import { execute, openDuckEngine } from '../lake/index.js';
import { Rng, shuffledIndex } from '../learn/index.js';
import { computeDrift } from './drift.js';

const SEATTLE = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/vega-datasets/data/seattle-weather.csv');
const SPLITS = 20;
const COLUMNS: ColumnSpec[] = ['precipitation', 'temp_max', 'temp_min', 'wind'].map((name) => ({
  name,
  physicalType: 'DOUBLE',
  semanticType: 'numeric',
  datetimeFormat: null,
}));

/**
 * The no-drift control: 2012–2013 of seattle-weather cut in two at random, 20 times; at the default
 * thresholds (p < 0.05 per column, dataset drift at a drifted share ≥ 0.5) the halves should almost
 * never be called drifted. The rate found is printed and put in the test's name.
 */
describe('no-drift control on seattle-weather 2012–2013', () => {
  it(`random halves: dataset drift flagged in at most 1 of ${SPLITS} splits`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'autolab-drift-control-'));
    const engine = await openDuckEngine(dir);
    try {
      await execute(engine.conn, `CREATE TABLE days AS SELECT row_number() OVER () - 1 AS i, * FROM read_csv($p) WHERE year(date) IN (2012, 2013)`, { p: SEATTLE });
      let alarms = 0;
      let columnAlarms = 0;
      for (let split = 0; split < SPLITS; split++) {
        const order = shuffledIndex(731, new Rng(1000 + split));
        const half = new Set(Array.from(order.subarray(0, 365)));
        await execute(engine.conn, 'CREATE OR REPLACE TEMP TABLE side_a (i BIGINT)');
        const appender = await engine.conn.createAppender('side_a');
        for (const i of half) {
          appender.appendBigInt(BigInt(i));
          appender.endRow();
        }
        appender.closeSync();
        const drift = await computeDrift(engine.conn, {
          reference: { from: '(SELECT * FROM days WHERE i IN (SELECT i FROM side_a))', params: {} },
          current: { from: '(SELECT * FROM days WHERE i NOT IN (SELECT i FROM side_a))', params: {} },
          columns: COLUMNS,
        });
        expect(drift.referenceRows + drift.currentRows).toBe(731);
        if (drift.datasetDrift) alarms++;
        columnAlarms += drift.driftedColumns;
      }
      console.log(`no-drift control: dataset drift in ${alarms}/${SPLITS} random splits; ${columnAlarms}/${SPLITS * COLUMNS.length} column tests at p < 0.05`);
      expect(alarms).toBeLessThanOrEqual(1);
    } finally {
      engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
