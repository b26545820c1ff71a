/**
 * Batch scoring of a file: `autolab predict MODEL FILE --out preds.csv` as a user runs it (a new
 * process: start, read, clean, score, write), beside the serving anchor's model — scikit-learn's
 * HistGradientBoosting on credit_data, trained as ../shared/bench/serving/flask_app.py trains it —
 * scoring the same file with pandas (read_csv, the anchor's ordinal encoding, predict_proba,
 * to_csv with the predicted label and each class's probability), in one run.
 *
 *   node --import tsx bench/predict/batch.bench.ts [--rows 1000000] [--time-limit 30]
 *
 * The file: credit_data's rows without `Status`, repeated to `--rows` (issue 15's target: a 1M-row
 * file at 200,000 rows/s or more). Ours scores with the best model of a `--time-limit` training on
 * credit_data. Wall time per side; the peer's time excludes its training and its Python start.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execute, openDuckEngine, quoteLiteral } from '../../src/lake/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const rows = Number(option('rows', '1000000'));
const timeLimit = option('time-limit', '30');
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const credit = join(root, '..', 'shared', 'datasets', 'credit_data.csv');
const cli = join(root, 'bin', 'autolab.js');
const dir = mkdtempSync(join(tmpdir(), 'autolab-batch-bench-'));

try {
  const big = join(dir, 'scoring.csv');
  const engine = await openDuckEngine(dir);
  try {
    await execute(
      engine.conn,
      `COPY (SELECT * EXCLUDE (Status, i, r) FROM (SELECT *, row_number() OVER () AS r FROM read_csv($credit)) c, range(CAST(ceil($rows / 4454.0) AS BIGINT)) t(i) ORDER BY i, r LIMIT $rows) TO ${quoteLiteral(big)} (FORMAT csv, HEADER true)`,
      { credit, rows },
    );
  } finally {
    engine.close();
  }
  const model = join(dir, 'model');
  execFileSync(process.execPath, [cli, 'train', credit, '--target', 'Status', '--time-limit', timeLimit, '--out', model], { stdio: 'ignore' });

  const ours = join(dir, 'ours.csv');
  const started = performance.now();
  execFileSync(process.execPath, [cli, 'predict', model, big, '--out', ours], { stdio: 'ignore' });
  const oursMs = performance.now() - started;

  const peer = join(dir, 'peer.py');
  writeFileSync(
    peer,
    `import sys, time, pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import OrdinalEncoder
df = pd.read_csv(sys.argv[1]); y = df.pop("Status"); cat = [c for c in df.columns if df[c].dtype == object]
enc = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(df[cat].astype(str))
X = df.copy(); X[cat] = enc.transform(X[cat].astype(str))
model = HistGradientBoostingClassifier(random_state=0).fit(X, y)
t = time.perf_counter()
rows = pd.read_csv(sys.argv[2]); rows[cat] = enc.transform(rows[cat].astype(str))
p = model.predict_proba(rows[df.columns].astype(float))
out = pd.DataFrame({"prediction": model.classes_[p.argmax(1)]})
for j, c in enumerate(model.classes_): out["proba_" + str(c)] = p[:, j]
out.to_csv(sys.argv[3], index=False)
print((time.perf_counter() - t) * 1000)
`,
  );
  const peerMs = Number(execFileSync('/usr/bin/python3', [peer, credit, big, join(dir, 'peer.csv')], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '2' } }).trim());
  const load = execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/.*load average: /, '');
  const rate = (ms: number) => Math.round(rows / (ms / 1000)).toLocaleString('en');
  console.log(`batch scoring, ${rows.toLocaleString('en')} rows of credit_data to CSV (load average ${load}):`);
  console.log(`  autolab predict (whole process)         ${(oursMs / 1000).toFixed(2)} s  ${rate(oursMs)} rows/s`);
  console.log(`  pandas + scikit-learn HGB (after train) ${(peerMs / 1000).toFixed(2)} s  ${rate(peerMs)} rows/s`);
  console.log(`  ratio (ours / peer, time)               ${(oursMs / peerMs).toFixed(2)}×`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
