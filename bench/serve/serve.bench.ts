/**
 * The prediction server beside the serving anchor (../shared/bench/serving: Flask + scikit-learn
 * HistGradientBoosting under gunicorn, 2 workers), one after the other in one run, with the same
 * wrk settings: 16 connections, one thread, the anchor's own single-record MLflow
 * `dataframe_records` body, POST /invocations on loopback.
 *
 *   npm run bench:serve -- [--seconds 15] [--time-limit 30] [--workers 2] [--model DIR (skip training)] [--log]
 *
 * Ours serves the best model of a `--time-limit` seconds training on the same data (credit_data),
 * with `--workers` processes (one per core, as gunicorn's 2). The machine's load (`uptime`) is
 * printed beside the figures: on a shared machine only the ratio within one run means anything.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainModel } from '../../src/automl/index.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const seconds = Number(option('seconds', '15'));
const timeLimit = Number(option('time-limit', '30'));
const workers = Number(option('workers', '2'));
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const shared = join(root, '..', 'shared');
const anchorDir = join(shared, 'bench', 'serving');
const data = join(shared, 'datasets', 'credit_data.csv');
for (const tool of ['wrk', 'gunicorn']) {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} is not installed: apt-get install -y python3-sklearn python3-flask gunicorn wrk python3-pandas`);
  }
}
if (!existsSync(join(anchorDir, 'run_flask_anchor.sh'))) throw new Error(`the anchor is not at ${anchorDir}`);

interface WrkFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  /** non-2xx answers, socket errors and timeouts */
  readonly errors: number;
}

function ms(text: string): number {
  const m = /^([\d.]+)(us|ms|s)$/.exec(text);
  if (!m) return NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

function parseWrk(output: string): WrkFigures {
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const p50 = ms(/^\s+50%\s+(\S+)/m.exec(output)?.[1] ?? '');
  const p99 = ms(/^\s+99%\s+(\S+)/m.exec(output)?.[1] ?? '');
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socketErrors = socket ? socket.slice(1).reduce((s, v) => s + Number(v), 0) : 0;
  if (!Number.isFinite(rps)) throw new Error(`wrk printed no figures:\n${output}`);
  return { requestsPerSecond: rps, p50Ms: p50, p99Ms: p99, requests, errors: non2xx + socketErrors };
}

const load = () => execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average:\s*/, '');

// 1. the anchor, with its own script (it starts gunicorn, waits for it, runs wrk, stops it)
const loadBefore = load();
process.stderr.write(`anchor: Flask + scikit-learn under gunicorn, wrk ${seconds} s …\n`);
const anchorOutput = execFileSync('bash', [join(anchorDir, 'run_flask_anchor.sh')], { encoding: 'utf8', env: { ...process.env, SECS: String(seconds), CONNS: '16' } });
const anchor = parseWrk(anchorOutput);

// 2. ours: the best model of a short training on the same data
let modelDir = option('model', '');
if (!modelDir) {
  modelDir = join(mkdtempSync(join(tmpdir(), 'autolab-bench-serve-')), 'credit');
  process.stderr.write(`training on credit_data for ${timeLimit} s …\n`);
  await trainModel(data, { target: 'Status', timeLimit, out: modelDir });
}
const bundle = JSON.parse(readFileSync(join(modelDir, 'bundle.json'), 'utf8')) as { members: { config: { kind: string } }[]; folds: number; metric: string; score: number };
const logDir = args.includes('--log') ? join(mkdtempSync(join(tmpdir(), 'autolab-bench-serve-log-')), 'log') : undefined;
// the command a user runs, from the compiled output (built now, so that it is this source)
process.stderr.write('building …\n');
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
const server = spawn(
  process.execPath,
  [join(root, 'bin', 'autolab.js'), 'serve', modelDir, '--port', '0', '--host', '127.0.0.1', '--workers', String(workers), ...(logDir ? ['--log', logDir] : [])],
  { stdio: ['ignore', 'inherit', 'pipe'] },
);
const port = await new Promise<number>((resolve, reject) => {
  let text = '';
  server.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
    if (m) resolve(Number(m[1]));
  });
  server.once('exit', (code) => reject(new Error(`autolab serve exited (${String(code)}) before listening: ${text}`)));
});
const url = `http://127.0.0.1:${port}/invocations`;
const body = join(anchorDir, 'body.lua');
// a short warm-up: the JIT compiles the hot path (the anchor's Python has no JIT to warm)
execFileSync('wrk', ['-t1', '-c16', '-d2s', '-s', body, url], { encoding: 'utf8' });
process.stderr.write(`autolab serve (${workers} workers), wrk ${seconds} s …\n`);
const oursOutput = execFileSync('wrk', ['-t1', '-c16', `-d${seconds}s`, '--latency', '-s', body, url], { encoding: 'utf8' });
const ours = parseWrk(oursOutput);
server.kill('SIGTERM');
await new Promise((resolve) => server.once('exit', resolve));
const loadAfter = load();

const row = (name: string, f: WrkFigures) => `${name.padEnd(34)} ${f.requestsPerSecond.toFixed(0).padStart(8)} ${f.p50Ms.toFixed(2).padStart(8)} ${f.p99Ms.toFixed(2).padStart(8)} ${String(f.errors).padStart(7)}`;
const members = bundle.members.map((m) => m.config.kind).join(', ');
process.stdout.write(
  [
    `serve: wrk -t1 -c16 -d${seconds}s, single-record MLflow dataframe_records bodies, POST /invocations (${new Date().toISOString()})`,
    `load average before: ${loadBefore}; after: ${loadAfter}`,
    `ours: ${bundle.members.length} members (${members}) × ${bundle.folds} folds, ${bundle.metric} ${bundle.score.toFixed(4)} out of fold; ${workers} workers${logDir ? ', prediction log on' : ''}`,
    `${'server'.padEnd(34)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`,
    row('Flask + sklearn (gunicorn -w 2)', anchor),
    row(`autolab serve (--workers ${workers})`, ours),
    `ratio: ${(ours.requestsPerSecond / anchor.requestsPerSecond).toFixed(1)}x the anchor's requests/s; p99 ${ours.p99Ms.toFixed(2)} ms (target: ≥10x, p99 < 5 ms, no errors)`,
    '',
  ].join('\n'),
);
