/**
 * Each side's default booster on one table of the shape suite, on the suite's own folds (issue 11:
 * "the GBDT alone reaches XGBoost's default log loss within 10 %"). Ours two ways:
 * - `firstBooster`: the configuration AutoML fits first (LightGBM's defaults, up to 2,000 rounds),
 *   fitted as AutoML fits it (`fitModel`: early stopping after 50 rounds without a gain of 0.01 %
 *   of the best loss on the fold's validation rows, the model cut back to its best round);
 * - `learn default`: `trainGbdt` with no parameters but the objective (100 rounds, no validation);
 * - XGBClassifier()'s hyperparameters given to `trainGbdt` (learning rate 0.3, depth 6, 100 rounds …);
 * against XGBoost's `XGBClassifier()` defaults (100 rounds), and the same with AutoML's stopping
 * rule (2,000 rounds, stopped after 50 without improvement on the same validation rows, best round
 * kept) — `defaults_peer.py`, one process, right after ours. Log loss per fold and mean, both
 * computed as learn's `logLoss` (probabilities clipped to [1e-15, 1 − 1e-15], rows renormalised).
 * Needs the data (`/usr/bin/python3 bench/automl/shapes/make_shapes.py`) and /usr/bin/python3 with xgboost.
 * Run: node --import tsx bench/learn/defaults.bench.ts [--dataset shuttle] [--folds 0,1,2,3,4] [--no-peers]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildCvData } from '../../src/automl/cv-data.js';
import { fitModel } from '../../src/automl/model-factory.js';
import { firstBooster } from '../../src/automl/portfolio.js';
import { detectTask } from '../../src/automl/task.js';
import { findColumn, fitPipeline, readFrameWithNotes } from '../../src/features/index.js';
import type { GbdtModel} from '../../src/learn/index.js';
import { binTable, logLoss, trainGbdt, type Fold } from '../../src/learn/index.js';

/** XGBClassifier()'s hyperparameters as ours name them (depth-wise trees of depth 6 are at most 64 leaves; its exact splits against our 255 bins) */
const XGBOOST_DEFAULTS = { numRounds: 100, learningRate: 0.3, maxDepth: 6, maxLeaves: 64, minDataInLeaf: 1, minHessianInLeaf: 1, lambdaL2: 1, maxDeltaStep: 0 } as const;

const HERE = dirname(fileURLToPath(import.meta.url));
const SHAPES = join(HERE, '../automl/shapes');

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

interface SuiteEntry {
  readonly name: string;
  readonly target: string;
  readonly task: string;
  readonly path: string;
}

/** The folds of the suite's fold file (one fold number per data row), as train/valid row sets. */
function foldsOf(path: string, rows: number): Fold[] {
  const assigned = readFileSync(path, 'utf8').trim().split('\n').map(Number);
  if (assigned.length !== rows) throw new Error(`${path} has ${assigned.length} fold numbers for ${rows} rows`);
  const k = Math.max(...assigned) + 1;
  return Array.from({ length: k }, (_, f) => ({
    train: Uint32Array.from(assigned.flatMap((a, i) => (a === f ? [] : [i]))),
    valid: Uint32Array.from(assigned.flatMap((a, i) => (a === f ? [i] : []))),
  }));
}

interface Result {
  readonly learner: string;
  readonly logLoss: number;
  /** validation rows whose true class gets under half the probability */
  readonly errors: number;
  readonly rounds: number;
  readonly cpuSeconds: number;
}

/** Rows whose true class has probability under 0.5: at log losses of 1e-4 a handful of them is the whole difference. */
function errorsOf(y: Float64Array, proba: Float64Array, k: number): number {
  let errors = 0;
  for (let i = 0; i < y.length; i++) if (proba[i * k + y[i]!]! < 0.5) errors++;
  return errors;
}

async function main(): Promise<void> {
  const name = flag('dataset', 'shuttle');
  const suite = JSON.parse(readFileSync(join(SHAPES, 'suite.json'), 'utf8')) as { datasets: SuiteEntry[] };
  const entry = suite.datasets.find((d) => d.name === name);
  if (!entry) throw new Error(`--dataset ${name} is not in the shape suite: ${suite.datasets.map((d) => d.name).join(', ')}`);
  if (entry.task !== 'multiclass' && entry.task !== 'binary') throw new Error(`--dataset ${name} is a ${entry.task} table; this bench compares log loss of classifiers`);
  const path = join(SHAPES, entry.path);
  const foldsPath = join(SHAPES, 'folds', `${name}.txt`);
  console.log(`${name}: ${path}, folds ${foldsPath}; load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const { frame } = await readFrameWithNotes(path, { textColumns: [entry.target] });
  const target = detectTask(findColumn(frame, entry.target)!, undefined);
  if (target.rows.length !== frame.rows) throw new Error(`${name}: rows without a label; the fold file numbers every row`);
  const k = target.classes.length;
  const fitted = fitPipeline(frame, entry.target, { task: target.task, values: target.values, numClasses: k }, { seed: 0 });
  const table = fitted.table;
  const folds = foldsOf(foldsPath, table.rows);
  const chosen = flag('folds', folds.map((_, i) => i).join(',')).split(',').map(Number);
  const cv = buildCvData(target.task, k, table, target.values, chosen.map((f) => folds[f]!), binTable(table, { maxBins: 255 }));
  const counts = new Array<number>(k).fill(0);
  for (const v of target.values) counts[v]!++;
  console.log(`${table.rows} rows, ${table.columns.length} features, ${k} classes: ${target.classes.map((c, i) => `${c} ${counts[i]}`).join(', ')}`);

  const ours: Result[][] = cv.folds.map((fold, f) => {
    const timed = (learner: string, fit: () => GbdtModel): Result => {
      const cpu = process.cpuUsage();
      const model = fit();
      const used = process.cpuUsage(cpu);
      const proba = model.predict(fold.valid);
      return { learner, logLoss: logLoss(fold.yValid, proba, k), errors: errorsOf(fold.yValid, proba, k), rounds: model.bestIteration, cpuSeconds: (used.user + used.system) / 1e6 };
    };
    const results = [
      timed('autolab firstBooster', () => fitModel(firstBooster(fold.trainIndex.length, table.columns.length), fold, { task: target.task, numClasses: k, seed: 0 }) as GbdtModel),
      timed('autolab learn default', () => trainGbdt(fold.binnedTrain, fold.yTrain, { objective: target.task, numClasses: k })),
      // XGBoost's defaults in our learner: is a gap the learner's, or only the defaults' difference?
      timed("autolab with XGBoost's defaults", () => trainGbdt(fold.binnedTrain, fold.yTrain, { objective: target.task, numClasses: k, ...XGBOOST_DEFAULTS })),
    ];
    console.log(`fold ${chosen[f]}: ${results.map((r) => `${r.learner} ${r.logLoss.toFixed(5)} (${r.errors} errors, ${r.rounds} rounds, ${r.cpuSeconds.toFixed(1)} s CPU)`).join('; ')}`);
    return results;
  });
  if (process.argv.includes('--no-peers')) return;
  const peer = execFileSync('/usr/bin/python3', [join(HERE, 'defaults_peer.py'), path, entry.target, foldsPath, chosen.join(',')], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OMP_WAIT_POLICY: 'PASSIVE' },
  })
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Result[]);

  const byLearner = new Map<string, Result[]>();
  for (const fold of [...ours.keys()].map((i) => [...ours[i]!, ...peer[i]!])) for (const r of fold) byLearner.set(r.learner, [...(byLearner.get(r.learner) ?? []), r]);
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`\n| learner | ${chosen.map((f) => `fold ${f}`).join(' | ')} | mean log loss | rows under p = 0.5 per fold | rounds per fold | CPU s per fold |`);
  console.log(`| --- |${' ---: |'.repeat(chosen.length + 4)}`);
  for (const [learner, rs] of byLearner) {
    console.log(`| ${learner} | ${rs.map((r) => r.logLoss.toFixed(5)).join(' | ')} | ${mean(rs.map((r) => r.logLoss)).toFixed(5)} | ${rs.map((r) => r.errors).join(', ')} | ${rs.map((r) => r.rounds).join(', ')} | ${mean(rs.map((r) => r.cpuSeconds)).toFixed(2)} |`);
  }
  const xgbDefault = mean(byLearner.get('xgboost XGBClassifier()')!.map((r) => r.logLoss));
  for (const learner of ['autolab firstBooster', 'autolab learn default', "autolab with XGBoost's defaults"]) {
    const m = mean(byLearner.get(learner)!.map((r) => r.logLoss));
    console.log(`${learner} / xgboost defaults: ${(m / xgbDefault).toFixed(2)}× log loss (issue 11: at most 1.10×)`);
  }
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

await main();
