/**
 * What monitoring keeps for a year of daily windows (issue 16: under 100 MB in the catalog). A
 * reference table and a year of current rows, 30 columns (20 numeric, 10 categorical with 12
 * categories; the current drifts slowly through the year), go through the monitor's own path:
 * `windowDrift` (one `computeDrift` per UTC day of the time column), `computeDrift` on the whole,
 * CBPE and realised accuracy per window on generated scores. Measured: the result JSON the store
 * keeps for the check (gzip-compressed, as `putJson` stores it; its plain size beside), and the
 * action detail the catalog keeps (`monitorDetail`).
 * Run: node --import tsx bench/monitor/state.bench.ts [referenceRows=20000] [rowsPerDay=100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { monitorDetail, windowDrift } from '../../src/app/monitor.js';
import type { ColumnSpec, Source } from '../../src/explore/index.js';
import { execute, openDuckEngine } from '../../src/lake/index.js';
import { accuracy, argmaxLabels, Rng, rocAuc } from '../../src/learn/index.js';
import { computeDrift, estimatePerformance, type MonitorResult } from '../../src/monitor/index.js';

const REFERENCE_ROWS = Number(process.argv[2] ?? 20_000);
const ROWS_PER_DAY = Number(process.argv[3] ?? 100);
const DAYS = 365;
const NUMERIC = 20;
const CATEGORICAL = 10;

/** `day` is the row's day of the year for the current side (its drift grows through the year), 0 for the reference. */
function tableSql(rows: number, current: boolean): string {
  const day = current ? `(i // ${ROWS_PER_DAY})` : '0';
  const numeric = Array.from({ length: NUMERIC }, (_, c) => `round(50 + ${c % 4 === 0 ? `${day} / 60.0` : '0'} + 10 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), 3) AS n${c}`);
  const categorical = Array.from({ length: CATEGORICAL }, (_, c) => `'cat_' || CAST(floor(12 * pow(random(), ${c % 3 === 0 ? `2 - ${day} / 400.0` : '2'})) AS INTEGER) AS c${c}`);
  const time = current ? `TIMESTAMP '2026-01-01' + to_days(CAST(${day} AS INTEGER)) AS day` : `TIMESTAMP '2025-12-01' AS day`;
  return `SELECT ${time}, ${[...numeric, ...categorical].join(', ')} FROM range(${rows}) t(i)`;
}

const dir = mkdtempSync(join(tmpdir(), 'autolab-bench-monitor-state-'));
const engine = await openDuckEngine(dir);
try {
  const referencePath = join(dir, 'reference.parquet');
  const currentPath = join(dir, 'current.parquet');
  await execute(engine.conn, `SELECT setseed(0.16)`);
  await execute(engine.conn, `COPY (${tableSql(REFERENCE_ROWS, false)}) TO '${referencePath}' (FORMAT parquet)`);
  await execute(engine.conn, `COPY (${tableSql(DAYS * ROWS_PER_DAY, true)}) TO '${currentPath}' (FORMAT parquet)`);
  const columns: ColumnSpec[] = [
    ...Array.from({ length: NUMERIC }, (_, i): ColumnSpec => ({ name: `n${i}`, physicalType: 'DOUBLE', semanticType: 'numeric', datetimeFormat: null })),
    ...Array.from({ length: CATEGORICAL }, (_, i): ColumnSpec => ({ name: `c${i}`, physicalType: 'VARCHAR', semanticType: 'categorical', datetimeFormat: null })),
  ];
  const reference: Source = { from: 'read_parquet($ref)', params: { ref: referencePath } };
  const current: Source = { from: 'read_parquet($cur)', params: { cur: currentPath } };
  const t0 = performance.now();
  const drift = await computeDrift(engine.conn, { reference, current, columns });
  const windows = await windowDrift(engine.conn, { reference, current, columns }, 'day', 'day');
  const seconds = (performance.now() - t0) / 1000;
  // each window's estimated and realised accuracy, as a classifier's check holds them (scores generated: the sizes are what is measured)
  const rng = new Rng(16);
  const scored = windows.map((w) => {
    const proba = Float64Array.from(Array.from({ length: ROWS_PER_DAY }, () => rng.next()).flatMap((p) => [1 - p, p]));
    const y = Float64Array.from({ length: ROWS_PER_DAY }, (_, i) => (rng.next() < proba[2 * i + 1]! ? 1 : 0));
    const positive = Float64Array.from({ length: ROWS_PER_DAY }, (_, i) => proba[2 * i + 1]!);
    return { ...w, estimated: estimatePerformance(proba, 2), realised: { rows: ROWS_PER_DAY, accuracy: accuracy(y, argmaxLabels(proba, 2)), auc: rocAuc(y, positive) } };
  });
  const result: MonitorResult = {
    version: 1,
    project: 'bench',
    table: 'events',
    target: 'label',
    model: { bundleHash: 'f'.repeat(64), trainedAt: '2025-12-31T00:00:00.000Z', snapshotVersion: 1, metric: 'auc', score: 0.8 },
    reference: { snapshotVersion: 1, silver: 'f'.repeat(64), rows: REFERENCE_ROWS },
    current: { snapshotVersion: 2, silver: 'e'.repeat(64), rows: DAYS * ROWS_PER_DAY },
    window: { column: 'day', period: 'day' },
    drift,
    windows: scored,
    prediction: drift,
    predictedClasses: [
      { label: 'no', reference: 0.5, current: 0.5 },
      { label: 'yes', reference: 0.5, current: 0.5 },
    ],
    performance: { training: { metric: 'auc', score: 0.8 }, estimated: scored[0]!.estimated, calibration: 'calibrated', calibrationCheck: null, realised: scored[0]!.realised },
    notes: [],
  };
  const plain = Buffer.byteLength(JSON.stringify(result));
  // what the store holds: app/stored-json.ts's putJson, gzip-compressed
  const stored = gzipSync(Buffer.from(JSON.stringify(result))).length;
  const detail = Buffer.byteLength(JSON.stringify(monitorDetail(result)));
  const perWindow = (stored - gzipSync(Buffer.from(JSON.stringify({ ...result, windows: [] }))).length) / windows.length;
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(2)} MB`;
  console.log(`monitoring state, ${windows.length} daily windows × ${columns.length} columns (${ROWS_PER_DAY} rows a day against ${REFERENCE_ROWS.toLocaleString('en-US')}), drift in ${seconds.toFixed(1)} s:`);
  console.log(`  the check's result JSON (store, gzip)      ${mb(stored)}   (${(perWindow / 1000).toFixed(1)} kB a window, ${windows.filter((w) => w.drift.datasetDrift).length} windows drifted; ${mb(plain)} as plain JSON)`);
  console.log(`  its action detail (catalog)                ${detail} bytes`);
  // a check a day, each on the rows since the model's training: the d-th check holds d windows
  const daily = Array.from({ length: DAYS }, (_, d) => stored - perWindow * (DAYS - d - 1)).reduce((a, b) => a + b, 0);
  console.log(`  a check every day for the year, every result kept: ${mb(daily)} in the store, ${mb(detail * DAYS)} of detail in the catalog`);
} finally {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
}
