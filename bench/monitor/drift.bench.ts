/**
 * Drift of 1M current rows × 30 columns against a 1M-row reference (issue 16: within 2× of DuckDB
 * computing the same histograms in one query). Both tables are Parquet files made here: 20 numeric
 * columns (normal, 3 decimals; the current's shifted on every 4th) and 10 categorical ones (12
 * categories, the current's shares tilted on every 3rd). Ours: `computeDrift` (reference > 1,000
 * rows: normalised Wasserstein and Jensen–Shannon, plus PSI, missing shares, new categories). The
 * peer: one DuckDB statement computing every column's value counts (`histogram`) on both files —
 * the counts the tests need, with nothing done on them.
 * Run: node --import tsx bench/monitor/drift.bench.ts [rows=1000000] [runs=3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnSpec } from '../../src/explore/index.js';
import { execute, openDuckEngine, queryRows, quoteIdent } from '../../src/lake/index.js';
import { computeDrift } from '../../src/monitor/index.js';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const NUMERIC = 20;
const CATEGORICAL = 10;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function tableSql(current: boolean): string {
  const numeric = Array.from({ length: NUMERIC }, (_, i) => {
    const shift = current && i % 4 === 0 ? 3 : 0;
    return `round(50 + ${shift} + 10 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), 3) AS n${i}`;
  });
  const categorical = Array.from({ length: CATEGORICAL }, (_, i) => {
    const power = current && i % 3 === 0 ? 1.6 : 2;
    return `'cat_' || CAST(floor(12 * pow(random(), ${power})) AS INTEGER) AS c${i}`;
  });
  return `SELECT ${[...numeric, ...categorical].join(', ')} FROM range(${ROWS})`;
}

const dir = mkdtempSync(join(tmpdir(), 'autolab-bench-monitor-'));
const engine = await openDuckEngine(dir);
try {
  const reference = join(dir, 'reference.parquet');
  const current = join(dir, 'current.parquet');
  await execute(engine.conn, `SELECT setseed(0.42)`);
  await execute(engine.conn, `COPY (${tableSql(false)}) TO '${reference}' (FORMAT parquet)`);
  await execute(engine.conn, `COPY (${tableSql(true)}) TO '${current}' (FORMAT parquet)`);
  const columns: ColumnSpec[] = [
    ...Array.from({ length: NUMERIC }, (_, i): ColumnSpec => ({ name: `n${i}`, physicalType: 'DOUBLE', semanticType: 'numeric', datetimeFormat: null })),
    ...Array.from({ length: CATEGORICAL }, (_, i): ColumnSpec => ({ name: `c${i}`, physicalType: 'VARCHAR', semanticType: 'categorical', datetimeFormat: null })),
  ];
  const ours: number[] = [];
  const peer: number[] = [];
  let drifted = '';
  for (let run = 0; run < RUNS; run++) {
    let t0 = performance.now();
    const drift = await computeDrift(engine.conn, {
      reference: { from: 'read_parquet($ref)', params: { ref: reference } },
      current: { from: 'read_parquet($cur)', params: { cur: current } },
      columns,
    });
    ours.push((performance.now() - t0) / 1000);
    drifted = drift.columns.filter((c) => c.drifted).map((c) => c.column).join(' ');
    t0 = performance.now();
    const histograms = columns.map((c) => `histogram(${quoteIdent(c.name)})`).join(', ');
    await queryRows(engine.conn, `SELECT ${histograms} FROM read_parquet($ref) UNION ALL SELECT ${histograms} FROM read_parquet($cur)`, { ref: reference, cur: current });
    peer.push((performance.now() - t0) / 1000);
  }
  console.log(`drift, ${ROWS.toLocaleString('en-US')} rows × ${NUMERIC + CATEGORICAL} columns against as many (median of ${RUNS}):`);
  console.log(`  autolab computeDrift                  ${median(ours).toFixed(2)} s   (drifted: ${drifted})`);
  console.log(`  DuckDB histogram() of every column    ${median(peer).toFixed(2)} s`);
  console.log(`  ratio                                 ${(median(ours) / median(peer)).toFixed(2)}×`);
} finally {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
}
