/**
 * The gold build against a reference written the plain way: each aggregate of each target row as
 * a correlated subquery over the related rows known strictly before its cut-off. On real flights
 * (vega-datasets' flights-20k, the first 3,000, with airports), where many flights of one airport
 * share an instant, with nulls put into the values and the keys.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGold, execute, openDuckEngine, queryRows, quoteIdent, quoteLiteral, type DuckEngine, type GoldAggregate, type GoldFeature, type GoldPlan } from '../lake/index.js';
import { synthesizeFeatures, type SynthesisColumn, type SynthesisTable } from './synthesis.js';

const q = quoteIdent;
const data = join(import.meta.dirname, '../../node_modules/vega-datasets/data');
const dir = mkdtempSync(join(tmpdir(), 'autolab-gold-reference-'));
let engine: DuckEngine;
let flights: string;
let airports: string;
beforeAll(async () => {
  engine = await openDuckEngine(dir);
  flights = join(dir, 'flights.parquet');
  airports = join(dir, 'airports.parquet');
  // nulls in both measures and in the key; a low-cardinality category for the counts per value
  await execute(
    engine.conn,
    `COPY (SELECT strptime(date, '%Y/%m/%d %H:%M') AS date,
        CASE WHEN i % 17 = 3 THEN NULL ELSE delay END AS delay,
        CASE WHEN i % 13 = 5 THEN NULL ELSE distance END AS distance,
        CASE WHEN i % 101 = 7 THEN NULL ELSE origin END AS origin,
        destination,
        CASE WHEN i % 23 = 1 THEN NULL WHEN hour(strptime(date, '%Y/%m/%d %H:%M')) < 12 THEN 'am' ELSE 'pm' END AS half
      FROM (SELECT *, row_number() OVER () AS i FROM read_json($f)) WHERE i <= 3000) TO ${quoteLiteral(flights)} (FORMAT parquet)`,
    { f: join(data, 'flights-20k.json') },
  );
  await execute(engine.conn, `COPY (SELECT * FROM read_csv($a)) TO ${quoteLiteral(airports)} (FORMAT parquet)`, { a: join(data, 'airports.csv') });
});
afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const column = (name: string, kind: SynthesisColumn['kind'], extra: Partial<SynthesisColumn> = {}): SynthesisColumn => ({
  name,
  kind,
  role: 'feature',
  semantic: kind === 'number' ? 'numeric' : kind === 'time' ? 'datetime' : 'categorical',
  distinct: 300,
  topValues: [],
  personal: false,
  ...extra,
});

function flightsPlan(knownAt: string | undefined): GoldPlan {
  const tables: SynthesisTable[] = [
    {
      name: 'flights',
      time: 'date',
      rows: 3000,
      ...(knownAt ? { knownAt } : {}),
      columns: [column('date', 'time', { role: 'time' }), column('delay', 'number'), column('distance', 'number'), column('origin', 'text'), column('destination', 'text'), column('half', 'text', { distinct: 2, topValues: ['pm', 'am'] })],
    },
    { name: 'airports', time: null, rows: 3376, columns: [column('iata', 'text', { role: 'id', semantic: 'identifier' }), column('state', 'text'), column('latitude', 'number')] },
  ];
  return synthesizeFeatures({
    tables,
    relationships: [
      { child: 'flights', fk: 'origin', parent: 'airports', key: 'iata' },
      { child: 'flights', fk: 'destination', parent: 'airports', key: 'iata' },
    ],
    target: { table: 'flights', label: { kind: 'expression', name: 'late', expression: 'delay > 15' }, time: 'date', reads: ['delay'] },
    recentDays: [7, 30],
  });
}

/** One aggregate over the related rows `c` (already cut off), as the textbook writes it. */
function referenceAggregate(a: GoldAggregate, cutoff: string): string | null {
  switch (a.fn) {
    case 'count':
      return 'count(*)';
    case 'days_since_last':
      return `(epoch(${cutoff}) - epoch(max(c."date"))) / 86400.0`;
    case 'mean':
      return `avg(c.${q(a.column)})`;
    case 'sum':
    case 'min':
    case 'max':
      return `${a.fn}(c.${q(a.column)})`;
    case 'std':
      return `stddev_samp(c.${q(a.column)})`;
    case 'distinct':
      return `count(DISTINCT c.${q(a.column)})`;
    case 'count_value':
      return `count(*) FILTER (WHERE CAST(c.${q(a.column)} AS VARCHAR) = ${quoteLiteral(a.value)})`;
    // the latest row (by when it became known, then its time, then its place in the file) whose value is not null
    case 'last':
      return `arg_max(c.${q(a.column)}, (c.__known, c."date", c.__r)) FILTER (WHERE c.${q(a.column)} IS NOT NULL)`;
    case 'trend':
      return `nullif(regr_slope(c.${q(a.column)}, epoch(c."date") / 86400.0), 'NaN'::DOUBLE) * 1.0`;
    // the most frequent value; on a tie the one that reached its count first (its last row the
    // earliest known), then the smaller value — a subquery of its own (`modeSubquery`)
    case 'mode':
      return null;
    case 'recent_count':
      return `count(*) FILTER (WHERE c.__known >= ${cutoff} - to_days(${a.days}))`;
    case 'recent_mean':
      return `avg(c.${q(a.column)}) FILTER (WHERE c.__known >= ${cutoff} - to_days(${a.days}))`;
    case 'label_mean':
      return 'avg(CAST(c."delay" > 15 AS DOUBLE))';
  }
}

function modeSubquery(column: string, related: string, where: string): string {
  const c = `c.${q(column)}`;
  return `(SELECT ${c} FROM (${related}) AS c WHERE ${where} AND ${c} IS NOT NULL GROUP BY ${c} ORDER BY count(*) DESC, max(c.__known), ${c} LIMIT 1)`;
}

/** Every aggregate feature of `plan`, per target row in file order, by correlated subqueries. */
async function reference(plan: GoldPlan, knownAt: string | undefined): Promise<Record<string, unknown>[]> {
  const aggregates = plan.features.filter((f): f is Extract<GoldFeature, { kind: 'aggregate' }> => f.kind === 'aggregate');
  const known = knownAt ? `greatest("date", ${knownAt})` : '"date"';
  // the related rows read once (each subquery below scans them), the target's rows the same rows
  await execute(engine.conn, `CREATE OR REPLACE TEMP TABLE related AS SELECT *, file_row_number AS __r, ${known} AS __known FROM read_parquet($f, file_row_number = true)`, { f: flights });
  await execute(engine.conn, 'CREATE OR REPLACE TEMP TABLE airports AS SELECT * FROM read_parquet($a)', { a: airports });
  const selects = aggregates.map((f) => {
    // a row with no related row at all (its key null, or no such parent) counts 0; the distinct
    // values of its parent's earlier rows are 0 when there are none, missing without a parent
    const counted = f.aggregate.fn === 'count' || f.aggregate.fn === 'count_value' || f.aggregate.fn === 'recent_count';
    const related = 'SELECT * FROM related';
    // an entity of repeated values (no path): the target's own rows with this row's value
    const hop = f.path[0];
    expect(f.path.length).toBeLessThanOrEqual(1);
    const where = `c.${q(f.fk)} = ${hop ? `p.${q(hop.key)}` : `t.${q(f.key)}`} AND c.__known < t."date"`;
    const aggregate = referenceAggregate(f.aggregate, 't."date"');
    const value =
      f.aggregate.fn === 'mode' ? modeSubquery(f.aggregate.column, related, where) : `(SELECT ${f.aggregate.fn === 'distinct' ? `coalesce(${aggregate}, 0)` : aggregate} FROM (${related}) AS c WHERE ${where})`;
    const parent = hop ? `(SELECT ${value} FROM airports AS p WHERE p.${q(hop.key)} = t.${q(hop.via)})` : `CASE WHEN t.${q(f.key)} IS NOT NULL THEN ${value} END`;
    return `${counted ? `coalesce(${parent}, 0)` : parent} AS ${q(f.name)}`;
  });
  // a few aggregates a query: DuckDB plans one query of 157 correlated subqueries about twice as slow as eight at a time
  const rows: Record<string, unknown>[] = [];
  for (let from = 0; from < selects.length; from += 8) {
    const part = aggregates.slice(from, from + 8);
    const values = await queryRows(engine.conn, `SELECT ${selects.slice(from, from + 8).join(', ')} FROM related AS t ORDER BY t.__r`);
    values.forEach((r, i) => Object.assign((rows[i] ??= {}), Object.fromEntries(part.map((f, j) => [f.name, valueOf(r[j], f.name)]))));
  }
  return rows;
}

async function built(plan: GoldPlan, out: string): Promise<Record<string, unknown>[]> {
  const path = join(dir, `${out}.parquet`);
  const names = plan.features.filter((f) => f.kind === 'aggregate').map((f) => f.name);
  await buildGold(engine.conn, { plan, targetPath: flights, tablePaths: { flights, airports }, withLabel: false, features: names }, path);
  const rows = await queryRows(engine.conn, `SELECT ${names.map(q).join(', ')} FROM read_parquet($p)`, { p: path });
  return rows.map((r) => Object.fromEntries(names.map((n, i) => [n, valueOf(r[i], n)])));
}

/** A most frequent value as its text, any other value as a number (DuckDB gives some as text or bigint). */
function valueOf(value: unknown, feature: string): unknown {
  return value === null ? null : feature.includes('mode(') ? String(value) : Number(value);
}

/** Same nulls; counts exact; other numbers to 1e-6 relative (sums add in another order; a slope from running sums loses digits to cancellation). */
function expectSameFeatures(actual: Record<string, unknown>[], expected: Record<string, unknown>[]): void {
  expect(actual.length).toBe(expected.length);
  const wrong: string[] = [];
  actual.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) {
      const want = expected[i]![name];
      const same = typeof value === 'number' && typeof want === 'number' ? Math.abs(value - want) <= 1e-6 * Math.max(1, Math.abs(want)) : value === want;
      if (!same) wrong.push(`row ${i} ${name}: ${String(value)}, reference ${String(want)}`);
    }
  });
  expect(wrong.slice(0, 10)).toEqual([]);
}

describe('the gold build against correlated subqueries', () => {
  it('the data has what makes it hard: flights of one airport at one instant, nulls in values and keys', async () => {
    const [[ties, nullDelays, nullOrigins]] = (await queryRows(
      engine.conn,
      `SELECT (SELECT count(*) FROM (SELECT origin, date FROM read_parquet($f) WHERE origin IS NOT NULL GROUP BY ALL HAVING count(*) > 1))
          + (SELECT count(*) FROM (SELECT destination, date FROM read_parquet($f) GROUP BY ALL HAVING count(*) > 1)),
        count(*) FILTER (WHERE delay IS NULL), count(*) FILTER (WHERE origin IS NULL) FROM read_parquet($f)`,
      { f: flights },
    )) as [[bigint, bigint, bigint]];
    expect(Number(ties)).toBeGreaterThanOrEqual(15);
    expect(Number(nullDelays)).toBeGreaterThan(100);
    expect(Number(nullOrigins)).toBeGreaterThan(10);
  });

  for (const knownAt of [undefined, '"date" + to_minutes(CAST(delay AS BIGINT))']) {
    it(`computes every aggregate as the reference does, rows cut off at their time${knownAt ? ', known once they left' : ''}`, async () => {
      const plan = flightsPlan(knownAt);
      const kinds = new Set(plan.features.flatMap((f) => (f.kind === 'aggregate' ? [f.aggregate.fn] : [])));
      expect([...kinds].sort()).toEqual(['count', 'count_value', 'days_since_last', 'distinct', 'label_mean', 'last', 'max', 'mean', 'min', 'mode', 'recent_count', 'recent_mean', 'std', 'sum', 'trend']);
      // `half` is an entity of its own: no table holds it
      expect(plan.features.some((f) => f.kind === 'aggregate' && f.path.length === 0 && f.fk === 'half')).toBe(true);
      expectSameFeatures(await built(plan, knownAt ? 'known' : 'plain'), await reference(plan, knownAt));
    });
  }
});
