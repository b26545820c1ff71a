/**
 * Wide tables are cheap (issue 11): the shape suite's wide CSV (`shapes/make_shapes.py`: 6,552
 * rows × 1,701 columns, sparse 0/1 indicators, 50 constant and 50 duplicated columns, 26 MB)
 * - ready for the first candidate: read, constant and duplicate columns dropped, every column
 *   binned, fold 0's rows taken — in this process (wall and CPU, `--runs` times), and as one
 *   `autolab train --time-limit 60` records it (run.json's `read` + `prepare`, from process start);
 * - 2,000 of its rows predicted by `autolab predict`, the whole process (wall and CPU);
 * beside the peer in the same run (`wide_peer.py`): pandas.read_csv and the same preprocessing
 * in numpy, and a whole python process scoring the same rows with HistGradientBoosting.
 * Needs `npm run build` (the CLI runs from dist/) and /usr/bin/python3 with pandas and scikit-learn.
 * Run: node --import tsx bench/automl/wide.bench.ts [--dir DIR] [--runs N]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { detectTask } from '../../src/automl/task.js';
import { makeFolds } from '../../src/automl/folds.js';
import { buildCvData } from '../../src/automl/cv-data.js';
import { findColumn, fitPipeline, readFrameWithNotes } from '../../src/features/index.js';
import { binTable } from '../../src/learn/index.js';
import { time, timedProcess } from '../measure.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '../..');
const CLI = join(ROOT, 'bin/autolab.js');
const PYTHON = '/usr/bin/python3';
const TARGET = 'label';
const PREDICT_ROWS = 2000;

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (xs: readonly number[]): string => `${median(xs).toFixed(2)} s (${xs.map((s) => s.toFixed(2)).join(', ')})`;

/** The shape suite's wide table, written by its own generator, and its first rows as a file to score. */
async function data(dir: string): Promise<{ wide: string; head: string }> {
  const wide = join(dir, 'wide.csv');
  if (!existsSync(wide)) {
    execFileSync(PYTHON, ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(join(HERE, 'shapes'))}); import make_shapes; make_shapes.wide(${JSON.stringify(wide)})`], { stdio: 'inherit' });
  }
  const head = join(dir, `wide-${PREDICT_ROWS}.csv`);
  if (!existsSync(head)) {
    const lines: string[] = [];
    for await (const line of createInterface({ input: createReadStream(wide) })) {
      lines.push(line);
      if (lines.length > PREDICT_ROWS) break;
    }
    writeFileSync(head, lines.join('\n') + '\n');
  }
  return { wide, head };
}

/** What `trainModel` does before its first candidate, in this process. */
async function readyInProcess(path: string): Promise<{ read: { ms: number; cpuMs: number }; prepare: { ms: number; cpuMs: number }; columns: number }> {
  const read = await time(() => readFrameWithNotes(path, { textColumns: [TARGET] }));
  const frame = read.value.frame;
  const prepare = await time(async () => {
    const target = detectTask(findColumn(frame, TARGET)!, undefined);
    const fitted = fitPipeline(frame, TARGET, { task: target.task, values: target.values, numClasses: target.classes.length }, { seed: 0 });
    const split = makeFolds(target.values, target.task, 5, 0);
    buildCvData(target.task, target.classes.length, fitted.table, target.values, [split[0]!], binTable(fitted.table, { maxBins: 255 }));
    return fitted.table.columns.length;
  });
  return { read, prepare, columns: prepare.value };
}

async function main(): Promise<void> {
  const dir = flag('dir') ?? join(tmpdir(), 'autolab-bench-wide');
  mkdirSync(dir, { recursive: true });
  const runs = Number(flag('runs') ?? 3);
  const { wide, head } = await data(dir);
  console.log(`load average at start ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

  const ours = { wall: [] as number[], cpu: [] as number[], readCpu: [] as number[], prepareCpu: [] as number[] };
  for (let i = 0; i < runs; i++) {
    const r = await readyInProcess(wide);
    ours.wall.push((r.read.ms + r.prepare.ms) / 1000);
    ours.cpu.push((r.read.cpuMs + r.prepare.cpuMs) / 1000);
    ours.readCpu.push(r.read.cpuMs / 1000);
    ours.prepareCpu.push(r.prepare.cpuMs / 1000);
    if (i === 0) console.log(`autolab keeps ${r.columns} of 1,700 feature columns`);
  }
  const peer = execFileSync(PYTHON, [join(HERE, 'wide_peer.py'), 'ready', wide, TARGET, String(runs)], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { wall: number; cpu: number; columns: number });
  console.log(`pandas keeps ${peer[0]!.columns} of 1,700 feature columns`);
  console.log('\nready for the first candidate (read, constant and duplicate columns dropped, binned, fold 0 taken), in process:');
  console.log(`  autolab  wall ${seconds(ours.wall)}, CPU ${seconds(ours.cpu)} [read CPU ${seconds(ours.readCpu)}, prepare CPU ${seconds(ours.prepareCpu)}]`);
  console.log(`  pandas   wall ${seconds(peer.map((p) => p.wall))}, CPU ${seconds(peer.map((p) => p.cpu))}`);

  // the CLI from process start: run.json's phases (one training, long enough to beat the prior
  // on a busy machine); the bundle scores the file below
  const model = join(dir, 'model');
  execFileSync(process.execPath, [CLI, 'train', wide, '--target', TARGET, '--time-limit', '60', '--out', model], { cwd: ROOT, stdio: ['ignore', 'ignore', 'ignore'] });
  const run = JSON.parse(readFileSync(join(model, 'run.json'), 'utf8')) as { phaseSeconds: Record<string, number> };
  console.log(`  autolab train, process start to ready (run.json read + prepare): ${(run.phaseSeconds['read']! + run.phaseSeconds['prepare']!).toFixed(2)} s`);

  const peerModel = join(dir, 'hgb.pkl');
  if (!existsSync(peerModel)) execFileSync(PYTHON, [join(HERE, 'wide_peer.py'), 'fit', wide, TARGET, peerModel], { stdio: 'inherit' });
  const predicted = { ours: [] as { wall: number; cpu: number }[], peer: [] as { wall: number; cpu: number }[] };
  for (let i = 0; i < runs; i++) {
    // alternating, so that both sides meet the same moments of a shared machine
    predicted.ours.push(timedProcess(process.execPath, [CLI, 'predict', model, head, '--out', join(dir, 'preds.csv'), '--force'], ROOT));
    predicted.peer.push(timedProcess(PYTHON, [join(HERE, 'wide_peer.py'), 'predict', peerModel, head, join(dir, 'preds-peer.csv')], ROOT));
  }
  console.log(`\n${PREDICT_ROWS} rows predicted, the whole process:`);
  console.log(`  autolab predict            wall ${seconds(predicted.ours.map((p) => p.wall))}, CPU ${seconds(predicted.ours.map((p) => p.cpu))}`);
  console.log(`  python + pandas + sklearn  wall ${seconds(predicted.peer.map((p) => p.wall))}, CPU ${seconds(predicted.peer.map((p) => p.cpu))}`);
  console.log(`load average at end ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

await main();
