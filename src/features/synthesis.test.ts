import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGold, execute, openDuckEngine, queryRows, quoteIdent, quoteLiteral, type DuckEngine, type GoldPlan } from '../lake/index.js';
import { synthesizeFeatures, type SynthesisColumn, type SynthesisInput } from './synthesis.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-synthesis-'));
let engine: DuckEngine;
beforeAll(async () => {
  engine = await openDuckEngine(dir);
});
afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A name that would end the statement if it were ever pasted into SQL unquoted. */
const HOSTILE = 'a"; drop table x; --';

const column = (name: string, kind: SynthesisColumn['kind'], extra: Partial<SynthesisColumn> = {}): SynthesisColumn => ({
  name,
  kind,
  role: 'feature',
  semantic: kind === 'number' ? 'numeric' : kind === 'time' ? 'datetime' : 'categorical',
  distinct: 10,
  topValues: [],
  personal: false,
  ...extra,
});

/** visits (the target, dated by `at`) of shops; the visits' table and its shop column have hostile names. */
function visitsInput(time: string | null): SynthesisInput {
  return {
    tables: [
      {
        name: HOSTILE,
        time: null,
        rows: 5,
        columns: [column('id', 'number', { role: 'id', semantic: 'identifier' }), column(HOSTILE, 'text', { topValues: ["it's", 'plain'], distinct: 2 }), column('at', 'time', { role: 'time' }), column('amount', 'number'), column('kind', 'text', { topValues: ['a', "it's"], distinct: 3 })],
      },
      { name: 'shops', time: null, rows: 2, columns: [column('shop_id', 'text', { role: 'id', semantic: 'identifier' }), column('region', 'text')] },
    ],
    relationships: [{ child: HOSTILE, fk: HOSTILE, parent: 'shops', key: 'shop_id' }],
    target: { table: HOSTILE, label: { kind: 'expression', name: 'big', expression: 'amount > 15' }, time, reads: ['amount'] },
  };
}

async function writeParquet(name: string, sql: string): Promise<string> {
  const path = join(dir, `${name}.parquet`);
  await execute(engine.conn, `COPY (${sql}) TO ${quoteLiteral(path)} (FORMAT parquet)`);
  return path;
}

const VISITS = `SELECT * FROM (VALUES
  (0, 'S1', TIMESTAMP '2024-01-01 10:00', 10.0::DOUBLE, 'a'),
  (1, 'S1', TIMESTAMP '2024-01-02 10:00', 20.0, 'it''s'),
  (2, 'S1', TIMESTAMP '2024-01-02 10:00', 30.0, 'a'),
  (3, 'S2', TIMESTAMP '2024-01-03 00:00', 5.0, 'c'),
  (4, 'S1', TIMESTAMP '2024-01-05 00:00', 40.0, 'a')) v(id, ${quoteIdent(HOSTILE)}, "at", amount, kind)`;
const SHOPS = `SELECT * FROM (VALUES ('S1', 'north'), ('S2', 'south')) v(shop_id, region)`;

/** Same rows, same texts and counts; numbers equal to 1e-6 relative (sums add in another order, and a slope from running sums loses digits to cancellation). */
function expectRowsClose(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((row, i) => {
    const other = expected[i]!;
    expect(Object.keys(row)).toEqual(Object.keys(other));
    for (const [key, value] of Object.entries(row)) {
      const want = other[key];
      if (typeof value === 'number' && typeof want === 'number') expect(Math.abs(value - want), `row ${i} ${key}`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want)));
      else expect(value, `row ${i} ${key}`).toEqual(want);
    }
  });
}

async function goldRows(plan: GoldPlan, targetPath: string, tablePaths: Record<string, string>, out: string): Promise<Record<string, unknown>[]> {
  const path = join(dir, `${out}.parquet`);
  const { columns } = await buildGold(engine.conn, { plan, targetPath, tablePaths, withLabel: true }, path);
  const rows = await queryRows(engine.conn, 'SELECT * FROM read_parquet($p)', { p: path });
  return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])));
}

describe('feature synthesis and the gold table', () => {
  it('plans parent columns, date parts and the depth-2 history of the same parent, never the columns the label reads', () => {
    const plan = synthesizeFeatures(visitsInput('at'));
    const names = plan.features.map((f) => f.name);
    expect(names).toContain(HOSTILE);
    expect(names).toContain(`${HOSTILE}.shops.region`);
    expect(names).toContain('at.month');
    expect(names).toContain(`${HOSTILE}.shops.count(${HOSTILE} by ${HOSTILE})`);
    expect(names).toContain(`${HOSTILE}.shops.mean(${HOSTILE}.amount by ${HOSTILE})`);
    expect(names).not.toContain('amount');
    expect(names).not.toContain('id');
    expect(names).not.toContain('at');
    // without a cut-off, the siblings' amounts would hold this row's own label: left out
    const timeless = synthesizeFeatures(visitsInput(null)).features.map((f) => f.name);
    expect(timeless).toContain(`${HOSTILE}.shops.count(${HOSTILE} by ${HOSTILE})`);
    expect(timeless.some((n) => n.includes('.amount by'))).toBe(false);
    expect(timeless).toContain(`${HOSTILE}.shops.mode(${HOSTILE}.kind by ${HOSTILE})`);
  });

  it('computes each aggregate from rows strictly before the row\'s time, with hostile names as plain names', async () => {
    const plan = synthesizeFeatures({ ...visitsInput('at'), recentDays: [7] });
    const visits = await writeParquet('visits', VISITS);
    const shops = await writeParquet('shops', SHOPS);
    const rows = await goldRows(plan, visits, { [HOSTILE]: visits, shops }, 'gold-exact');
    const p = `${HOSTILE}.shops.`;
    expect(rows.map((r) => r['big'])).toEqual([false, true, true, false, true]);
    expect(rows.map((r) => r[`${p}region`])).toEqual(['north', 'north', 'north', 'south', 'north']);
    expect(rows.map((r) => Number(r[`${p}count(${HOSTILE} by ${HOSTILE})`]))).toEqual([0, 1, 1, 0, 3]);
    expect(rows.map((r) => r[`${p}mean(${HOSTILE}.amount by ${HOSTILE})`])).toEqual([null, 10, 10, null, 20]);
    expect(rows.map((r) => r[`${p}max(${HOSTILE}.amount by ${HOSTILE})`])).toEqual([null, 10, 10, null, 30]);
    expect(rows[4]![`${p}days_since_last(${HOSTILE} by ${HOSTILE})`]).toBeCloseTo(2 + 14 / 24, 9);
    expect(rows.map((r) => Number(r[`${p}distinct(${HOSTILE}.kind by ${HOSTILE})`]))).toEqual([0, 1, 1, 0, 2]);
    expect(rows.map((r) => r[`${p}mode(${HOSTILE}.kind by ${HOSTILE})`])).toEqual([null, 'a', 'a', null, 'a']);
    // the last 7 days before Jan 5: the three visits of Jan 1 and 2
    expect(rows.map((r) => Number(r[`${p}count(${HOSTILE} by ${HOSTILE}, 7 days)`]))).toEqual([0, 1, 1, 0, 3]);
    expect(rows.map((r) => Number(r[`${p}count(${HOSTILE}.kind = it's by ${HOSTILE})`]))).toEqual([0, 0, 0, 0, 1]);
    expect(rows.map((r) => r[`${p}last(${HOSTILE}.amount by ${HOSTILE})`])).toEqual([null, 10, 10, null, expect.any(Number) as unknown]);
    expect(rows.map((r) => r['at.day'])).toEqual([1, 2, 2, 3, 5]);
    expect(rows.map((r) => r['at.weekday'])).toEqual([1, 2, 2, 3, 5]);
    // the database still has its tables: nothing the names held was run
    expect(await queryRows(engine.conn, 'SELECT 1')).toEqual([[1]]);
  });

  it('counts a related row only once it is known, when the table says when its rows became known', async () => {
    const input = visitsInput('at');
    // a visit's amount is known a day after it
    const known: SynthesisInput = { ...input, tables: input.tables.map((t) => (t.name === HOSTILE ? { ...t, knownAt: '"at" + INTERVAL 1 DAY' } : t)) };
    const plan = synthesizeFeatures(known);
    expect(plan.tables.find((t) => t.name === HOSTILE)?.knownAt).toBe('"at" + INTERVAL 1 DAY');
    const visits = await writeParquet('visits-known', VISITS);
    const shops = await writeParquet('shops-known', SHOPS);
    const rows = await goldRows(plan, visits, { [HOSTILE]: visits, shops }, 'gold-known');
    const p = `${HOSTILE}.shops.`;
    // r1 and r2 (Jan 2, 10:00): r0 (Jan 1, 10:00) is known at Jan 2, 10:00 — not strictly before
    expect(rows.map((r) => Number(r[`${p}count(${HOSTILE} by ${HOSTILE})`]))).toEqual([0, 0, 0, 0, 3]);
    expect(rows.map((r) => Number(r[`${p}distinct(${HOSTILE}.kind by ${HOSTILE})`]))).toEqual([0, 0, 0, 0, 2]);
    // a known-at before the row's own time does not make a row its own history
    const early: SynthesisInput = { ...input, tables: input.tables.map((t) => (t.name === HOSTILE ? { ...t, knownAt: '"at" - INTERVAL 3 DAY' } : t)) };
    const earlyRows = await goldRows(synthesizeFeatures(early), visits, { [HOSTILE]: visits, shops }, 'gold-early');
    expect(earlyRows.map((r) => Number(r[`${p}count(${HOSTILE} by ${HOSTILE})`]))).toEqual([0, 1, 1, 0, 3]);
  });

  it('no feature sees the future: rows dated after every target row change no value', async () => {
    // 400 visits over 60 days in 7 shops, then 300 more after the last of them
    const base = `SELECT i AS id, 'S' || (hash(i) % 7) AS ${quoteIdent(HOSTILE)}, TIMESTAMP '2024-01-01' + to_minutes(CAST(hash(i * 3) % 86400 AS BIGINT)) AS "at", round((hash(i * 5) % 1000) / 10.0, 1) AS amount, CASE hash(i * 11) % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'it''s' ELSE 'c' END AS kind FROM range(400) t(i)`;
    const later = `SELECT i AS id, 'S' || (hash(i) % 7) AS ${quoteIdent(HOSTILE)}, TIMESTAMP '2024-03-01' + to_minutes(CAST(hash(i * 3) % 1000 AS BIGINT)) AS "at", 1000.0 + i AS amount, 'new' || (i % 5) AS kind FROM range(400, 700) t(i)`;
    const shops = await writeParquet('shops7', `SELECT 'S' || i AS shop_id, CASE WHEN i % 2 = 0 THEN 'north' ELSE 'south' END AS region FROM range(7) t(i)`);
    const now = await writeParquet('visits-now', base);
    const withFuture = await writeParquet('visits-future', `${base} UNION ALL ${later}`);
    const plan = synthesizeFeatures(visitsInput('at'));
    const before = await goldRows(plan, now, { [HOSTILE]: now, shops }, 'gold-now');
    const after = await goldRows(plan, now, { [HOSTILE]: withFuture, shops }, 'gold-future');
    expectRowsClose(after, before);
    expect(before.some((r) => Number(r[`${HOSTILE}.shops.count(${HOSTILE} by ${HOSTILE})`]) > 50)).toBe(true);
    // the same plan without the cut-off does see them: the comparison above can fail
    const timeless = synthesizeFeatures(visitsInput(null));
    const seen = await goldRows(timeless, now, { [HOSTILE]: withFuture, shops }, 'gold-timeless');
    const unseen = await goldRows(timeless, now, { [HOSTILE]: now, shops }, 'gold-timeless-now');
    expect(() => expectRowsClose(seen, unseen)).toThrow();
  });
});

/** trips (the target: `fare > 15`, cut off at `at`) with no other table: the city is an entity of its own. */
function tripsInput(time: string | null, rows = 8): SynthesisInput {
  return {
    tables: [
      {
        name: 'trips',
        time: null,
        rows,
        columns: [
          column('id', 'number', { role: 'id', semantic: 'identifier' }),
          column('city', 'text', { distinct: 2, topValues: ['A', 'B'] }),
          column('at', 'time', { role: 'time' }),
          column('fare', 'number'),
          column('kind', 'text', { distinct: 2, topValues: ['x', 'y'] }),
          column('note', 'text', { distinct: 8, semantic: 'text' }),
          column('email', 'text', { distinct: 2, personal: true }),
        ],
      },
    ],
    relationships: [],
    target: { table: 'trips', label: { kind: 'expression', name: 'dear', expression: 'fare > 15' }, time, reads: ['fare'] },
    recentDays: [7, 30],
  };
}

// r1 and r3 share city A and an instant; r6 is exactly 7 days after r4; in B, x and y tie 1-1 before r7
const TRIPS = `SELECT * FROM (VALUES
  (0, 'A', TIMESTAMP '2023-12-20 00:00', 10.0::DOUBLE, 'x', 'one', 'a@x.org'),
  (1, 'A', TIMESTAMP '2024-01-03 00:00', 20.0, 'y', 'two', 'a@x.org'),
  (2, 'B', TIMESTAMP '2024-01-03 00:00', 30.0, 'y', 'three', 'b@x.org'),
  (3, 'A', TIMESTAMP '2024-01-03 00:00', 40.0, 'x', 'four', 'b@x.org'),
  (4, 'A', TIMESTAMP '2024-01-20 00:00', 50.0, 'y', 'five', 'a@x.org'),
  (5, 'B', TIMESTAMP '2024-01-20 00:00', 60.0, 'x', 'six', 'a@x.org'),
  (6, 'A', TIMESTAMP '2024-01-27 00:00', 70.0, 'y', 'seven', 'b@x.org'),
  (7, 'B', TIMESTAMP '2024-01-27 00:00', 80.0, 'x', 'eight', 'b@x.org')) v(id, city, "at", fare, kind, note, email)`;

describe('entities that exist only as a repeated value, most frequent values and recent windows under a cut-off', () => {
  it('makes each repeated category of the target an entity under a cut-off, and none without one (said in the notes)', () => {
    const plan = synthesizeFeatures(tripsInput('at'));
    const names = plan.features.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['count(trips by city)', 'mean(trips.dear by city)', 'mean(trips.fare by city)', 'mean(trips.fare by city, 30 days)', 'mode(trips.kind by city)', 'count(trips by kind)']));
    // windows only when asked
    expect(synthesizeFeatures({ ...tripsInput('at'), recentDays: [] }).features.some((f) => f.name.endsWith(' days)'))).toBe(false);
    // not the id, free text or personal data; not a category that is nearly a key
    expect(names.some((n) => / by (id|note|email)\b/.test(n))).toBe(false);
    expect(synthesizeFeatures(tripsInput('at', 3)).features.some((f) => f.name.includes(' by '))).toBe(false);
    // a foreign key whose parent is in the plan has this history through it
    const withCities: SynthesisInput = {
      ...tripsInput('at'),
      tables: [...tripsInput('at').tables, { name: 'cities', time: null, rows: 2, columns: [column('code', 'text', { role: 'id', semantic: 'identifier' })] }],
      relationships: [{ child: 'trips', fk: 'city', parent: 'cities', key: 'code' }],
    };
    const related = synthesizeFeatures(withCities).features.map((f) => f.name);
    expect(related).toContain('city.cities.count(trips by city)');
    expect(related).not.toContain('count(trips by city)');
    expect(related).toContain('count(trips by kind)');
    const timeless = synthesizeFeatures(tripsInput(null));
    expect(timeless.features.some((f) => f.kind === 'aggregate')).toBe(false);
    expect(timeless.notes).toEqual([expect.stringMatching(/^city, kind of trips: no history per value without a time column/)]);
  });

  it('computes an entity\'s history from the rows strictly before each row (ties excluded), with the last 7 and 30 days and the most frequent value, by hand', async () => {
    const trips = await writeParquet('trips', TRIPS);
    const rows = await goldRows(synthesizeFeatures(tripsInput('at')), trips, { trips }, 'gold-trips');
    const of = (name: string) => rows.map((r) => (typeof r[name] === 'bigint' ? Number(r[name]) : r[name]));
    expect(of('dear')).toEqual([false, true, true, true, true, true, true, true]);
    expect(of('count(trips by city)')).toEqual([0, 1, 0, 1, 3, 1, 4, 2]);
    // r1 and r3 (A, Jan 3) see r0 only: neither the other's fare nor their own
    expectRowsClose(
      rows.map((r) => ({ mean: r['mean(trips.fare by city)'] })),
      [null, 10, null, 10, 70 / 3, 30, 30, 45].map((mean) => ({ mean })),
    );
    // [cut-off − 7 days, cut-off): r6 (Jan 27) sees r4 (Jan 20) at the boundary, r7 sees r5
    expect(of('count(trips by city, 7 days)')).toEqual([0, 0, 0, 0, 0, 0, 1, 1]);
    expect(of('mean(trips.fare by city, 7 days)')).toEqual([null, null, null, null, null, null, 50, 60]);
    // r4 (Jan 20): r0 (Dec 20) is 31 days before
    expect(of('count(trips by city, 30 days)')).toEqual([0, 1, 0, 1, 2, 1, 3, 2]);
    expectRowsClose(
      rows.map((r) => ({ mean: r['mean(trips.fare by city, 30 days)'] })),
      [null, 10, null, 10, 30, 30, 110 / 3, 45].map((mean) => ({ mean })),
    );
    // r6: x and y 2-2, x reached 2 first (Jan 3); r7: x and y 1-1, y came first (Jan 3)
    expect(of('mode(trips.kind by city)')).toEqual([null, 'x', null, 'x', 'x', 'y', 'x', 'y']);
    expect(of('days_since_last(trips by city)')).toEqual([null, 14, null, 14, 17, 17, 7, 7]);
    // the share of earlier trips of the city whose fare > 15: r0 (10) is not, r1, r3, r4 are
    expect(of('mean(trips.dear by city)')).toEqual([null, 0, null, 0, 2 / 3, 1, 0.75, 1]);
    // the other entity: trips of the same kind before
    expect(of('count(trips by kind)')).toEqual([0, 0, 0, 1, 2, 2, 3, 3]);
  });

  it('never reads a row\'s own label, nor a row dated after it', async () => {
    const plan = synthesizeFeatures(tripsInput('at', 600));
    const base = `SELECT i AS id, 'C' || (hash(i) % 9) AS city, TIMESTAMP '2024-01-01' + to_minutes(CAST(hash(i * 3) % 86400 AS BIGINT)) AS "at", round((hash(i * 5) % 1000) / 10.0, 1) AS fare, CASE hash(i * 11) % 3 WHEN 0 THEN 'x' WHEN 1 THEN 'y' ELSE 'z' END AS kind, 'n' || i AS note, 'e' AS email FROM range(400) t(i)`;
    const later = `SELECT i AS id, 'C' || (hash(i) % 9) AS city, TIMESTAMP '2024-03-01' + to_minutes(CAST(hash(i * 3) % 1000 AS BIGINT)) AS "at", 1000.0 + i AS fare, 'new' || (i % 5) AS kind, 'n' AS note, 'e' AS email FROM range(400, 600) t(i)`;
    const now = await writeParquet('trips-now', base);
    const before = await goldRows(plan, now, { trips: now }, 'gold-trips-now');
    const after = await goldRows(plan, now, { trips: await writeParquet('trips-future', `${base} UNION ALL ${later}`) }, 'gold-trips-future');
    expectRowsClose(after, before);
    expect(before.some((r) => Number(r['count(trips by city, 30 days)']) > 20)).toBe(true);
    // a row's fare changed (its label with it): only its label moves — and later rows' features, which may read it
    const row = 123;
    const changed = await writeParquet('trips-changed', `SELECT * REPLACE (CASE WHEN id = ${row} THEN fare + 500 ELSE fare END AS fare) FROM (${base})`);
    const own = await goldRows(plan, changed, { trips: changed }, 'gold-trips-changed');
    const { dear: _was, ...features } = before[row]!;
    const { dear: _is, ...ownFeatures } = own[row]!;
    expectRowsClose([ownFeatures], [features]);
    expect(() => expectRowsClose(own, before)).toThrow();
  });
});
