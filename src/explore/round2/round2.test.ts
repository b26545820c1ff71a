import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnProfile, SemanticType } from '../profile-types.js';
import { parquetSource } from './bins.js';
import { joinCoverage } from './coverage.js';
import { tableDrift } from './drift.js';
import { correlationRatio } from '../correlation-ratio.js';
import { aucFromRanks, mutualInformation, populationStabilityIndex } from './math.js';
import { analyseTarget } from './target.js';
import { fixtureColumn, fixtureTable } from '../tags/tags.testutil.js';

let dir: string;
let conn: DuckDBConnection;

/** deterministic uniform(0,1) from the row number and a salt */
const u = (salt: number) => `((hash(i * 7919 + ${salt}) % 1000000) / 1000000.0)`;

function column(name: string, index: number, physicalType: string, semanticType: SemanticType, extra: Partial<ColumnProfile> = {}): ColumnProfile {
  return { ...fixtureColumn(name, index, semanticType, 2000, 100), physicalType, ...extra };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-round2-'));
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  // churn ~30%; `signal` shifts with churn, `noise` does not, `leaked` copies it,
  // `cancelled_at` exists only for churners, `last_seen` is after `observed_at` for every row
  await conn.run(`COPY (
    SELECT i AS customer_id,
           ${u(1)} < 0.3 AS churn,
           (${u(1)} < 0.3)::INTEGER AS leaked,
           ${u(2)} * 10 + CASE WHEN ${u(1)} < 0.3 THEN 3 ELSE 0 END AS signal,
           ${u(3)} * 10 AS noise,
           CASE WHEN ${u(4)} < 0.5 THEN 'a' ELSE 'b' END AS plan,
           CASE WHEN ${u(1)} < 0.3 THEN TIMESTAMP '2024-06-01' + to_days(i % 30) END AS cancelled_at,
           TIMESTAMP '2024-01-01' + to_days(i % 100) AS observed_at,
           TIMESTAMP '2024-01-01' + to_days(i % 100 + 10) AS last_seen
    FROM range(2000) t(i)) TO '${join(dir, 'customers.parquet')}' (FORMAT parquet)`);
  await conn.run(`COPY (
    SELECT i AS id, ${u(5)} * 100 AS x, ${u(5)} * 300 + 7 AS y_copy, ${u(5)} * 100 * 2 + ${u(6)} * 60 AS y
    FROM range(2000) t(i)) TO '${join(dir, 'houses.parquet')}' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT i AS order_id, CASE WHEN i % 10 = 0 THEN 100000 + i ELSE i % 1000 END AS customer_id FROM range(3000) t(i))
    TO '${join(dir, 'orders.parquet')}' (FORMAT parquet)`);
  await conn.run(`COPY (SELECT ${u(7)} * 10 + 5 AS noise, CASE WHEN ${u(8)} < 0.5 THEN 'a' ELSE 'b' END AS plan FROM range(2000) t(i))
    TO '${join(dir, 'customers-shifted.parquet')}' (FORMAT parquet)`);
});

afterAll(() => {
  conn?.closeSync();
  rmSync(dir, { recursive: true, force: true });
});

const customers = () =>
  fixtureTable('customers', 2000, [
    column('customer_id', 0, 'BIGINT', 'identifier'),
    column('churn', 1, 'BOOLEAN', 'boolean', { distinct: 2 }),
    column('leaked', 2, 'INTEGER', 'numeric', { distinct: 2 }),
    column('signal', 3, 'DOUBLE', 'numeric'),
    column('noise', 4, 'DOUBLE', 'numeric'),
    column('plan', 5, 'VARCHAR', 'categorical', { distinct: 2 }),
    column('cancelled_at', 6, 'TIMESTAMP', 'datetime', { missingShare: 0.7, missing: 1400 }),
    column('observed_at', 7, 'TIMESTAMP', 'datetime'),
    column('last_seen', 8, 'TIMESTAMP', 'datetime'),
  ]);

describe('round 2 on a classification target', () => {
  it('finds the balance, ranks the features, and flags the leaks', async () => {
    const analysis = await analyseTarget(conn, {
      source: parquetSource(join(dir, 'customers.parquet')),
      profile: customers(),
      target: 'churn',
      roles: { customer_id: 'id', observed_at: 'time' },
    });
    expect(analysis.target.task).toBe('binary');
    expect(analysis.target.classes?.map((c) => c.value)).toEqual(['false', 'true']);
    expect(analysis.target.classes?.[1]?.share).toBeGreaterThan(0.25);
    expect(analysis.target.classes?.[1]?.share).toBeLessThan(0.35);
    expect(analysis.target.imbalanceRatio).toBeGreaterThan(2);

    const by = new Map(analysis.associations.map((a) => [a.column, a]));
    expect(by.has('customer_id')).toBe(false);
    expect(by.get('leaked')?.auc).toBeCloseTo(1, 5);
    expect(by.get('leaked')?.normalizedMI).toBeCloseTo(1, 3);
    expect(by.get('signal')?.auc).toBeGreaterThan(0.75);
    expect(by.get('signal')?.auc).toBeLessThan(0.95);
    expect(Math.abs((by.get('noise')?.auc ?? 0) - 0.5)).toBeLessThan(0.05);
    expect(by.get('noise')?.normalizedMI).toBeLessThan(0.02);
    expect(by.get('plan')?.normalizedMI).toBeLessThan(0.02);
    // both determine the target: the copy, and the date that exists only for churners
    expect(analysis.associations.slice(0, 2).map((a) => a.column).sort()).toEqual(['cancelled_at', 'leaked']);

    const leaks = new Map<string, string[]>();
    for (const l of analysis.leakage) leaks.set(l.column, [...(leaks.get(l.column) ?? []), l.kind]);
    expect(leaks.get('leaked')).toEqual(['near_copy']);
    // cancellations are both filled only for churners and dated after the observation time
    expect(leaks.get('cancelled_at')?.sort()).toEqual(['after_outcome', 'presence_reveals_target']);
    expect(leaks.get('last_seen')).toEqual(['after_outcome']);
    expect(leaks.has('signal')).toBe(false);
    expect(leaks.has('noise')).toBe(false);

    const partial = analysis.partialFeatures.find((p) => p.column === 'cancelled_at');
    expect(partial?.presentShareByClass).toEqual([
      { value: 'false', presentShare: 0 },
      { value: 'true', presentShare: 1 },
    ]);
  });
});

describe('round 2 on a regression target', () => {
  it('measures correlation and flags a linear copy', async () => {
    const profile = fixtureTable('houses', 2000, [
      column('id', 0, 'BIGINT', 'identifier'),
      column('x', 1, 'DOUBLE', 'numeric', { distinct: 2000 }),
      column('y_copy', 2, 'DOUBLE', 'numeric', { distinct: 2000 }),
      column('y', 3, 'DOUBLE', 'numeric', { distinct: 2000 }),
    ]);
    const analysis = await analyseTarget(conn, { source: parquetSource(join(dir, 'houses.parquet')), profile, target: 'y' });
    expect(analysis.target.task).toBe('regression');
    expect(analysis.target.mean).toBeGreaterThan(100);
    const by = new Map(analysis.associations.map((a) => [a.column, a]));
    // y = 2x + uniform noise: r = 2·σx / sqrt(4σx² + σn²) with σx = 100/√12, σn = 60/√12
    expect(by.get('x')?.pearson).toBeCloseTo(200 / Math.sqrt(200 ** 2 + 60 ** 2), 1);
    expect(analysis.leakage.map((l) => l.column)).toEqual([]);
  });
});

describe('drift and join coverage', () => {
  it('PSI is ~0 for identical snapshots and large for shifted data', async () => {
    const profile = customers();
    const same = await tableDrift(conn, {
      table: 'customers',
      profile,
      from: { version: 1, parquetPath: join(dir, 'customers.parquet') },
      to: { version: 2, parquetPath: join(dir, 'customers.parquet') },
    });
    expect(same.columns.length).toBeGreaterThan(5);
    for (const c of same.columns) expect(c.psi).toBeLessThan(1e-9);

    const shifted = await tableDrift(conn, {
      table: 'customers',
      profile,
      from: { version: 1, parquetPath: join(dir, 'customers.parquet') },
      to: { version: 2, parquetPath: join(dir, 'customers-shifted.parquet') },
    });
    const by = new Map(shifted.columns.map((c) => [c.column, c]));
    expect(by.get('noise')?.level).toBe('large');
    expect(by.get('noise')?.psi).toBeGreaterThan(1);
    expect(by.get('plan')?.psi).toBeLessThan(0.05);
    expect(shifted.removed).toContain('signal');
  });

  it('measures how many child rows find their parent', async () => {
    const coverage = await joinCoverage(conn, {
      from: { table: 'orders', column: 'customer_id', parquetPath: join(dir, 'orders.parquet') },
      to: { table: 'customers', column: 'customer_id', parquetPath: join(dir, 'customers.parquet') },
      cardinality: 'one-to-many',
    });
    expect(coverage.fromRows).toBe(3000);
    expect(coverage.matchedShare).toBeCloseTo(0.9, 4);
    // orders refer to customers 0..999 except multiples of 10: 900 of 2000
    expect(coverage.referencedShare).toBeCloseTo(0.45, 4);
  });
});

describe('round 2 formulas', () => {
  it('MI is 0 for independent and H(y) for identical variables', () => {
    const independent = mutualInformation({ rows: 2, cols: 2, counts: Float64Array.from([25, 25, 25, 25]) });
    expect(independent.mi).toBeCloseTo(0, 12);
    const identical = mutualInformation({ rows: 2, cols: 2, counts: Float64Array.from([50, 0, 0, 50]) });
    expect(identical.mi).toBeCloseTo(Math.log(2), 12);
    expect(identical.targetEntropy).toBeCloseTo(Math.log(2), 12);
  });

  it('PSI is non-negative, zero on equal shares, and symmetric', () => {
    const hist = fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 2, maxLength: 12 });
    fc.assert(
      fc.property(hist, hist, (a, b) => {
        const n = Math.min(a.length, b.length);
        const x = a.slice(0, n);
        const y = b.slice(0, n);
        const psi = populationStabilityIndex(x, y);
        expect(psi).toBeGreaterThanOrEqual(0);
        expect(populationStabilityIndex(y, x)).toBeCloseTo(psi, 9);
        expect(populationStabilityIndex(x, x.map((v) => v * 3))).toBeCloseTo(0, 12);
      }),
    );
  });

  it('η is 1 when groups are constant and AUC follows the ranks', () => {
    expect(correlationRatio([{ n: 2, sum: 2, sumSq: 2 }, { n: 2, sum: 6, sumSq: 18 }])).toBeCloseTo(1, 12);
    // positives hold ranks 3 and 4 of 4: perfect separation
    expect(aucFromRanks(7, 2, 2)).toBe(1);
    expect(aucFromRanks(3, 2, 2)).toBe(0);
  });
});
