/**
 * The learning core beside XGBoost (hist) and scikit-learn HistGradientBoosting, same data, same
 * hyperparameters, one run. Data sets: a seeded Higgs-like binary set (default 1M × 28), a
 * letter-like 26-class set, and diamonds (regression, read from ../shared/datasets when present).
 *
 *   npm run bench:learn -- [--rows 1000000] [--rounds 500] [--threads 2 (training and prediction)] [--no-peers] [--no-sklearn]
 *                          [--only higgs,letter,diamonds] [--runs 1]
 *
 * With --runs N the two sides alternate N times (ours on every dataset, then the peers); the table
 * shows each learner's median run by training time, and the ratio of the medians.
 *
 * OpenMP threads of the peers wait passively (OMP_WAIT_POLICY=PASSIVE): on a shared machine spinning
 * threads made XGBoost many times slower than it is.
 * Data are written once to /tmp/autolab-bench-learn as little-endian float64 rows (features, then
 * the label), which peers.py reads.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { accuracy, argmaxLabels, positiveColumn, rmse, rocAuc, setPredictionThreads, trainGbdt, type FeatureTable, type GbdtParams } from '../../src/learn/index.js';
import { makeHiggsLike, makeLetterLike, type SyntheticData } from '../../src/learn/synthetic.js';
import { Rng } from '../../src/learn/random.js';
import { option } from '../measure.js';

const args = process.argv.slice(2);
const rows = Number(option('rows', '1000000'));
const rounds = Number(option('rounds', '500'));
const threads = Number(option('threads', '2'));
setPredictionThreads(threads);
const only = new Set(option('only', 'higgs,letter,diamonds').split(','));
const withPeers = !args.includes('--no-peers');
const runs = Number(option('runs', '1'));
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number, e.g. --runs 3');
const here = dirname(fileURLToPath(import.meta.url));
const dir = '/tmp/autolab-bench-learn';
mkdirSync(dir, { recursive: true });

type BenchTask = 'binary' | 'multiclass' | 'regression';
interface Dataset {
  name: string;
  task: BenchTask;
  numClasses: number;
  train: SyntheticData;
  test: SyntheticData;
  latency: boolean;
}

function writeRows(path: string, data: SyntheticData): void {
  const f = data.table.columns.length;
  const out = new Float64Array(data.table.rows * (f + 1));
  for (let r = 0; r < data.table.rows; r++) {
    for (let c = 0; c < f; c++) out[r * (f + 1) + c] = data.table.columns[c]!.values[r]!;
    out[r * (f + 1) + f] = data.y[r]!;
  }
  writeFileSync(path, Buffer.from(out.buffer));
}

function diamonds(): { train: SyntheticData; test: SyntheticData } | null {
  const path = join(here, '../../../shared/datasets/diamonds.csv');
  if (!existsSync(path)) return null;
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const header = lines[0]!.split(',').map((h) => h.replace(/"/g, ''));
  const cells = lines.slice(1).map((l) => l.split(',').map((v) => v.replace(/"/g, '')));
  const target = header.indexOf('price');
  const features = header.filter((_, i) => i !== target);
  const n = cells.length;
  const columns = features.map((name) => {
    const j = header.indexOf(name);
    const numeric = cells.every((c) => c[j] === '' || !Number.isNaN(Number(c[j])));
    if (numeric) return { name, type: 'numeric' as const, values: Float64Array.from(cells, (c) => Number(c[j])) };
    const categories = [...new Set(cells.map((c) => c[j]!))].sort();
    const code = new Map(categories.map((c, i) => [c, i]));
    return { name, type: 'categorical' as const, categories, values: Float64Array.from(cells, (c) => code.get(c[j]!)!) };
  });
  const y = Float64Array.from(cells, (c) => Number(c[target]));
  const rng = new Rng(7);
  const isTest = Array.from({ length: n }, () => rng.next() < 0.2);
  const pick = (test: boolean): SyntheticData => {
    const idx = isTest.flatMap((t, i) => (t === test ? [i] : []));
    const table: FeatureTable = { rows: idx.length, columns: columns.map((c) => ({ ...c, values: Float64Array.from(idx, (i) => c.values[i]!) })) };
    return { table, y: Float64Array.from(idx, (i) => y[i]!) };
  };
  return { train: pick(false), test: pick(true) };
}

const datasets: Dataset[] = [];
// the issue measures batch prediction on 1M rows: as many test rows as training rows, up to 1M
const testRows = Math.max(10_000, Math.min(rows, 1_000_000));
if (only.has('higgs')) datasets.push({ name: `higgs-like ${rows}×28`, task: 'binary', numClasses: 2, train: makeHiggsLike(rows, 1), test: makeHiggsLike(testRows, 2), latency: true });
if (only.has('letter')) datasets.push({ name: 'letter-like 20000×16, 26 classes', task: 'multiclass', numClasses: 26, train: makeLetterLike(20_000, 3), test: makeLetterLike(5_000, 4), latency: false });
const dia = only.has('diamonds') ? diamonds() : null;
if (dia !== null) datasets.push({ name: `diamonds ${dia.train.table.rows} rows`, task: 'regression', numClasses: 1, train: dia.train, test: dia.test, latency: false });

const params = (task: BenchTask, numClasses: number): Partial<GbdtParams> & { objective: GbdtParams['objective'] } => ({
  objective: task,
  numClasses,
  numRounds: task === 'multiclass' ? Math.min(rounds, 200) : rounds,
  learningRate: 0.1,
  maxLeaves: 63,
  maxDepth: 0,
  maxBins: 255,
  minDataInLeaf: 20,
  minHessianInLeaf: 1,
  lambdaL2: 1,
  threads,
  earlyStoppingRounds: 0,
});

function score(task: BenchTask, y: Float64Array, p: Float64Array, k: number): Record<string, number> {
  if (task === 'binary') return { auc: rocAuc(y, positiveColumn(p)) };
  if (task === 'multiclass') return { accuracy: accuracy(y, argmaxLabels(p, k)) };
  return { rmse: rmse(y, p) };
}

const specs: unknown[] = [];
for (const ds of datasets) {
  const trainPath = join(dir, `${ds.name.replace(/\W+/g, '_')}_train.f64`);
  const testPath = join(dir, `${ds.name.replace(/\W+/g, '_')}_test.f64`);
  writeRows(trainPath, ds.train);
  writeRows(testPath, ds.test);
  specs.push({ name: ds.name, task: ds.task, numClasses: ds.numClasses, features: ds.train.table.columns.length, train: trainPath, test: testPath, params: params(ds.task, ds.numClasses), latency: ds.latency });
}

function runOurs(ds: Dataset): Record<string, unknown> {
  const p = params(ds.task, ds.numClasses);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const model = trainGbdt(ds.train.table, ds.train.y, p);
  const trainS = (performance.now() - t0) / 1000;
  const c1 = process.cpuUsage(c0);
  const t1 = performance.now();
  const pred = model.predict(ds.test.table);
  const predictS = (performance.now() - t1) / 1000;
  const row: Record<string, unknown> = { dataset: ds.name, peer: 'autolab', train_s: trainS, train_cpu_s: (c1.user + c1.system) / 1e6, predict_rows_per_s: ds.test.table.rows / predictS, ...score(ds.task, ds.test.y, pred, ds.numClasses), rss_mb: process.memoryUsage().rss / 2 ** 20 };
  if (ds.latency) {
    const one: FeatureTable = { rows: 1, columns: ds.test.table.columns.map((c) => ({ ...c, values: c.values.subarray(0, 1) })) };
    for (let i = 0; i < 50; i++) model.predict(one);
    const reps = 2000;
    const t2 = performance.now();
    for (let i = 0; i < reps; i++) model.predict(one);
    row.single_row_us = ((performance.now() - t2) / reps) * 1000;
  }
  return row;
}

function runPeers(): Record<string, unknown>[] {
  const specPath = join(dir, 'spec.json');
  writeFileSync(specPath, JSON.stringify({ threads, sklearn: !args.includes('--no-sklearn'), datasets: specs }));
  const out = execFileSync('/usr/bin/python3', [join(here, 'peers.py'), specPath], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: String(threads), OMP_WAIT_POLICY: 'PASSIVE' }, maxBuffer: 1 << 24 });
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const allRuns: Record<string, unknown>[] = [];
for (let run = 1; run <= runs; run++) {
  for (const ds of datasets) allRuns.push({ ...runOurs(ds), run });
  if (withPeers && specs.length > 0) for (const row of runPeers()) allRuns.push({ ...row, run });
  for (const row of allRuns.filter((r) => r.run === run)) console.log(JSON.stringify(row));
}
/** each (dataset, learner)'s median run by training time */
const results: Record<string, unknown>[] = [];
for (const key of new Set(allRuns.map((r) => `${String(r.dataset)}\u0000${String(r.peer)}`))) {
  const same = allRuns.filter((r) => `${String(r.dataset)}\u0000${String(r.peer)}` === key).sort((a, b) => (a.train_s as number) - (b.train_s as number));
  results.push(same[Math.floor(same.length / 2)]!);
}

// wall time is what the targets name; CPU seconds (all threads) are printed too because the
// bench machine is shared and wall time moves with the neighbours' load
console.log('\n| data | learner | train s | train CPU s | score | predict rows/s | single row µs |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of results) {
  const s = r.auc !== undefined ? `AUC ${(r.auc as number).toFixed(4)}` : r.accuracy !== undefined ? `acc ${(r.accuracy as number).toFixed(4)}` : `RMSE ${(r.rmse as number).toFixed(1)}`;
  const lat = r.single_row_us === undefined ? '' : (r.single_row_us as number).toFixed(1);
  console.log(`| ${String(r.dataset)} | ${String(r.peer)} | ${(r.train_s as number).toFixed(2)} | ${(r.train_cpu_s as number).toFixed(2)} | ${s} | ${Math.round(r.predict_rows_per_s as number)} | ${lat} |`);
}
for (const ds of datasets) {
  const ours = results.find((r) => r.dataset === ds.name && r.peer === 'autolab');
  const xgb = results.find((r) => r.dataset === ds.name && r.peer === 'xgboost');
  if (ours && xgb) {
    const ratio = (key: string): string => ((ours[key] as number) / (xgb[key] as number)).toFixed(2);
    console.log(`${ds.name}: autolab / xgboost train time = ${ratio('train_s')}× wall, ${ratio('train_cpu_s')}× CPU${runs > 1 ? ` (medians of ${runs} runs)` : ''}`);
    if (runs > 1) {
      const perRun = Array.from({ length: runs }, (_, i) => {
        const a = allRuns.find((r) => r.dataset === ds.name && r.peer === 'autolab' && r.run === i + 1);
        const b = allRuns.find((r) => r.dataset === ds.name && r.peer === 'xgboost' && r.run === i + 1);
        return a && b ? `${(a.train_s as number).toFixed(1)} / ${(b.train_s as number).toFixed(1)} s = ${((a.train_s as number) / (b.train_s as number)).toFixed(2)}×` : '—';
      });
      console.log(`  runs: ${perRun.join('; ')}`);
    }
  }
}
