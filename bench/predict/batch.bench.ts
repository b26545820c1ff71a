/**
 * Batch scoring of a file: `autolab predict MODEL FILE --out preds.csv` as a user runs it (a new
 * process: start, read, clean, score, write), beside the serving anchor's model — scikit-learn's
 * HistGradientBoosting on credit_data, trained as ../shared/bench/serving/flask_app.py trains it —
 * scoring the same file with pandas (read_csv, the anchor's ordinal encoding, predict_proba,
 * to_csv with the predicted label and each class's probability), in one run.
 *
 *   node --import tsx bench/predict/batch.bench.ts [--rows 1000000] [--time-limit 30] [--model DIR] [--baseline CHECKOUT]
 *
 * The file: credit_data's rows without `Status`, repeated to `--rows`, its values copied as text
 * (DuckDB would turn Records' no/yes into false/true, categories neither model knows). Issue 15's
 * target: a 1M-row file at 200,000 rows/s or more. Ours scores with `--model` (a bundle to reuse)
 * or the best model of a `--time-limit` training on credit_data. Both sides print wall and CPU time
 * (every thread's): the whole `autolab predict` process, then each phase in this process (read,
 * pipeline, scoring, write), beside the peer's phases (its training and Python start left out).
 * `--baseline CHECKOUT`: another built checkout of autolab (e.g. a `git worktree` of the commit
 * before a change) whose `autolab predict` is timed too, in the same run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle, writePredictionsCsv } from '../../src/automl/index.js';
import { readModelInput } from '../../src/automl/predict-file.js';
import { applyPipeline } from '../../src/features/index.js';
import { execute, openDuckEngine, quoteLiteral } from '../../src/lake/index.js';
import { option, time, timedProcess } from '../measure.js';

const rows = Number(option('rows', '1000000'));
const timeLimit = option('time-limit', '30');
const reused = option('model', '');
const baseline = option('baseline', '');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const credit = join(root, '..', 'shared', 'datasets', 'credit_data.csv');
const cli = join(root, 'bin', 'autolab.js');
const dir = mkdtempSync(join(tmpdir(), 'autolab-batch-bench-'));
const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');

try {
  const big = join(dir, 'scoring.csv');
  const engine = await openDuckEngine(dir);
  try {
    await execute(
      engine.conn,
      `COPY (SELECT * EXCLUDE (Status, i, r) FROM (SELECT *, row_number() OVER () AS r FROM read_csv($credit, all_varchar = true)) c, range(CAST(ceil($rows / 4454.0) AS BIGINT)) t(i) ORDER BY i, r LIMIT $rows) TO ${quoteLiteral(big)} (FORMAT csv, HEADER true)`,
      { credit, rows },
    );
  } finally {
    engine.close();
  }
  const model = reused || join(dir, 'model');
  if (!reused) execFileSync(process.execPath, [cli, 'train', credit, '--target', 'Status', '--time-limit', timeLimit, '--out', model], { stdio: 'ignore' });
  const loadAtStart = load();

  const whole = timedProcess(process.execPath, [cli, 'predict', model, big, '--out', join(dir, 'ours.csv')]);
  const before = baseline ? timedProcess(process.execPath, [join(baseline, 'bin', 'autolab.js'), 'predict', model, big, '--out', join(dir, 'baseline.csv')]) : null;

  // the same work in this process, phase by phase (the pipeline is timed on its own, then again inside predictFrame)
  const bundle = loadBundle(model).model;
  const read = await time(async () => (await readModelInput(bundle, big)).frame);
  const pipeline = await time(async () => applyPipeline(bundle.manifest.pipeline, read.value).columns.length);
  const predicted = await time(async () => bundle.predictFrame(read.value));
  const written = await time(() => writePredictionsCsv(join(dir, 'ours-phases.csv'), predicted.value));

  const peer = join(dir, 'peer.py');
  writeFileSync(
    peer,
    `import json, sys, time, pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import OrdinalEncoder
df = pd.read_csv(sys.argv[1]); y = df.pop("Status"); cat = [c for c in df.columns if df[c].dtype == object]
enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(df[cat].astype(str))
X = df.copy(); X[cat] = enc.transform(X[cat].astype(str))
model = HistGradientBoostingClassifier(random_state=0).fit(X, y)
phases = {}
def phase(name, f):
    w, c = time.perf_counter(), time.process_time()
    v = f()
    phases[name] = {"ms": (time.perf_counter() - w) * 1000, "cpuMs": (time.process_time() - c) * 1000}
    return v
rows = phase("read", lambda: pd.read_csv(sys.argv[2]))
def encode():
    rows[cat] = enc.transform(rows[cat].astype(str))
    return rows[df.columns].astype(float)
x = phase("pipeline", encode)
p = phase("scoring", lambda: model.predict_proba(x))
def write():
    out = pd.DataFrame({"prediction": model.classes_[p.argmax(1)]})
    for j, c in enumerate(model.classes_): out["proba_" + str(c)] = p[:, j]
    out.to_csv(sys.argv[3], index=False)
phase("write", write)
print(json.dumps(phases))
`,
  );
  const theirs = JSON.parse(execFileSync('/usr/bin/python3', [peer, credit, big, join(dir, 'peer.csv')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } }).trim()) as Record<
    'read' | 'pipeline' | 'scoring' | 'write',
    { ms: number; cpuMs: number }
  >;
  const peerMs = Object.values(theirs).reduce((s, p) => s + p.ms, 0);
  const peerCpuMs = Object.values(theirs).reduce((s, p) => s + p.cpuMs, 0);
  const rate = (ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en');
  const seconds = (ms: number) => `${(ms / 1000).toFixed(2).padStart(7)} s`;
  const line = (name: string, ours: { ms: number; cpuMs: number }, peerPhase: { ms: number; cpuMs: number }) =>
    console.log(`  ${name.padEnd(34)} ${seconds(ours.ms)} ${seconds(ours.cpuMs)}    ${seconds(peerPhase.ms)} ${seconds(peerPhase.cpuMs)}`);
  console.log(`batch scoring, ${rows.toLocaleString('en')} rows of credit_data to CSV, model ${reused || `of a ${timeLimit} s training`} (load average ${loadAtStart} at start, ${load()} at end):`);
  console.log(`  autolab predict (whole process)         ${seconds(whole.wall * 1000)} wall ${seconds(whole.cpu * 1000)} CPU  ${rate(whole.wall * 1000)} rows/s`);
  if (before) console.log(`  baseline ${baseline}`.padEnd(41) + `${seconds(before.wall * 1000)} wall ${seconds(before.cpu * 1000)} CPU  ${rate(before.wall * 1000)} rows/s`);
  console.log(`  pandas + scikit-learn HGB (after train) ${seconds(peerMs)} wall ${seconds(peerCpuMs)} CPU  ${rate(peerMs)} rows/s`);
  console.log(`  ratio (ours / peer)                     ${(whole.wall * 1000 / peerMs).toFixed(2)}× wall, ${(whole.cpu * 1000 / peerCpuMs).toFixed(2)}× CPU`);
  console.log(`  phase (in this process)                   ours wall       CPU    peer wall       CPU`);
  line('read (file → frame)', read, theirs.read);
  line('pipeline (schema, encoding)', pipeline, theirs.pipeline);
  line('scoring (predictFrame − pipeline)', { ms: predicted.ms - pipeline.ms, cpuMs: predicted.cpuMs - pipeline.cpuMs }, theirs.scoring);
  line('write (predictions CSV)', written, theirs.write);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
