import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../explore/index.js';
import { execute, openDuckEngine, type DuckEngine } from '../lake/index.js';
import { computeDrift } from './drift.js';
import type { ColumnDriftResult } from './drift-types.js';

/*
 * Fixed samples built by formula in DuckDB and, identically, in Python; the expected figures were
 * computed once with scipy 1.17.1 / numpy and written here:
 *   x  ref (i·7919 mod 1000)/10          cur (i·104729 mod 997)/10 + 8
 *   d  ref chr(97 + i mod 3)             cur chr(97 + (i² mod 7) mod 3)
 *   y  ref null every 10th, else (i mod 37)·1.5;   cur null every 4th, same values
 *   z  ref i mod 3 (a number)            cur (i mod 4) mod 3
 *   e  ref chr(97 + i mod 2)             cur chr(97 + i mod 3)   ('c' is new)
 *   stats.ks_2samp(ref, cur).pvalue; stats.wasserstein_distance(ref, cur) / np.std(ref);
 *   stats.chisquare(cur_counts, ref_counts · n_cur / n_ref).pvalue (Evidently's chi-square test);
 *   distance.jensenshannon(ref_shares, cur_shares);
 *   PSI: edges = np.unique(np.quantile(ref, [.1 … .9])), value < edge → lower bin, missing its own
 *   bin, shares floored at 1e-4, Σ (a − e)·ln(a / e).
 */
const SPECS: ColumnSpec[] = [
  { name: 'x', physicalType: 'DOUBLE', semanticType: 'numeric', datetimeFormat: null },
  { name: 'd', physicalType: 'VARCHAR', semanticType: 'categorical', datetimeFormat: null },
  { name: 'y', physicalType: 'DOUBLE', semanticType: 'numeric', datetimeFormat: null },
  { name: 'z', physicalType: 'BIGINT', semanticType: 'numeric', datetimeFormat: null },
  { name: 'e', physicalType: 'VARCHAR', semanticType: 'categorical', datetimeFormat: null },
];

let dir: string;
let engine: DuckEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'autolab-drift-'));
  engine = await openDuckEngine(dir);
  const side = (name: string, rows: number, current: boolean) =>
    execute(
      engine.conn,
      `CREATE TABLE ${name} AS SELECT
         ${current ? '(i * 104729 % 997) / 10.0 + 8' : '(i * 7919 % 1000) / 10.0'} AS x,
         chr(CAST(97 + ${current ? '(i * i % 7) % 3' : 'i % 3'} AS INTEGER)) AS d,
         CASE WHEN i % ${current ? 4 : 10} = 0 THEN NULL ELSE (i % 37) * 1.5 END AS y,
         ${current ? '(i % 4) % 3' : 'i % 3'} AS z,
         chr(CAST(97 + i % ${current ? 3 : 2} AS INTEGER)) AS e
       FROM range(${rows}) t(i)`,
    );
  await side('ref_small', 200, false);
  await side('cur_small', 300, true);
  await side('ref_large', 1500, false);
  await side('cur_large', 2000, true);
});

afterAll(async () => {
  engine.close();
  await rm(dir, { recursive: true, force: true });
});

const table = (name: string) => ({ from: name, params: {} });
const byName = (columns: readonly ColumnDriftResult[]) => new Map(columns.map((c) => [c.column, c]));

describe('drift per column against scipy, on fixed samples', () => {
  it('a reference of 200 rows: KS for numbers, chi-square for categories (and numbers with ≤ 5 values)', async () => {
    const drift = await computeDrift(engine.conn, { reference: table('ref_small'), current: table('cur_small'), columns: SPECS });
    const c = byName(drift.columns);
    expect(c.get('x')).toMatchObject({ test: 'ks', threshold: 0.05, drifted: false });
    expect(c.get('x')!.ksStatistic).toBeCloseTo(0.09, 12);
    expect(c.get('x')!.statistic).toBeCloseTo(0.2740590678125853, 9);
    expect(c.get('y')!.statistic).toBeCloseTo(0.9978558462066185, 9);
    expect(c.get('d')).toMatchObject({ test: 'chi-square', drifted: true });
    expect(c.get('d')!.statistic / 5.578748666496398e-19).toBeCloseTo(1, 6);
    expect(c.get('z')).toMatchObject({ kind: 'numeric', test: 'chi-square', drifted: true });
    expect(c.get('z')!.statistic / 1.090042515507469e-8).toBeCloseTo(1, 6);
    // PSI, as round 2 computes it
    expect(c.get('x')!.psi).toBeCloseTo(0.1935939517198333, 5);
    expect(c.get('x')!.psiLevel).toBe('moderate');
    expect(c.get('y')!.psi).toBeCloseTo(0.1695663687996176, 5);
    // missing shares and new categories
    expect(c.get('y')!.missingShare.reference).toBeCloseTo(20 / 200, 12);
    expect(c.get('y')!.missingShare.current).toBeCloseTo(75 / 300, 12);
    expect(c.get('e')).toMatchObject({ newCategories: ['c'], newCategoryCount: 1, statistic: 0, drifted: true });
    expect(c.get('d')!.newCategoryCount).toBe(0);
    // d, z, e drifted of 5: 0.6 ≥ 0.5
    expect(drift).toMatchObject({ referenceRows: 200, currentRows: 300, driftedColumns: 3, datasetDrift: true, weightedDriftScore: null });
    expect(drift.driftedShare).toBeCloseTo(0.6, 12);
  });

  it('the same 200 rows with the distances forced (smallReference 0)', async () => {
    const drift = await computeDrift(engine.conn, {
      reference: table('ref_small'),
      current: table('cur_small'),
      columns: SPECS,
      thresholds: { smallReference: 0 },
    });
    const c = byName(drift.columns);
    expect(c.get('x')).toMatchObject({ test: 'wasserstein', drifted: true });
    expect(c.get('x')!.statistic).toBeCloseTo(0.2434419531402355, 9);
    expect(c.get('y')!.statistic).toBeCloseTo(0.05908313893146375, 9);
    expect(c.get('d')!.statistic).toBeCloseTo(0.18958811192738576, 9);
    expect(c.get('z')!.statistic).toBeCloseTo(0.11862162665869098, 9);
  });

  it('a reference of 1,500 rows: normalised Wasserstein and Jensen–Shannon, and the importance-weighted score', async () => {
    const drift = await computeDrift(engine.conn, {
      reference: table('ref_large'),
      current: table('cur_large'),
      columns: SPECS,
      importance: { x: 3, y: 1, d: 0, z: 0, e: 0 },
    });
    const c = byName(drift.columns);
    expect(c.get('x')).toMatchObject({ test: 'wasserstein', threshold: 0.1, drifted: true });
    expect(c.get('x')!.statistic).toBeCloseTo(0.2666115674307829, 9);
    expect(c.get('y')).toMatchObject({ test: 'wasserstein', drifted: false });
    expect(c.get('y')!.statistic).toBeCloseTo(0.007917835870946013, 9);
    expect(c.get('d')).toMatchObject({ test: 'jensen-shannon', drifted: true });
    expect(c.get('d')!.statistic).toBeCloseTo(0.19042081548250744, 9);
    expect(c.get('z')!.statistic).toBeCloseTo(0.11984403015647774, 9);
    expect(c.get('x')!.psi).toBeCloseTo(0.17403806438450087, 5);
    expect(c.get('y')!.psi).toBeCloseTo(0.164922487753053, 5);
    expect(c.get('x')!.importance).toBeCloseTo(0.75, 12);
    // x (weight 3 of 4) drifted, y did not
    expect(drift.weightedDriftScore).toBeCloseTo(0.75, 12);
  });

  it('a table against itself drifts nowhere', async () => {
    const drift = await computeDrift(engine.conn, { reference: table('ref_small'), current: table('ref_small'), columns: SPECS });
    expect(drift.driftedColumns).toBe(0);
    expect(drift.datasetDrift).toBe(false);
    for (const c of drift.columns) expect(c.psi).toBeLessThan(1e-9);
  });
});
