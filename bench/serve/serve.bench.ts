/**
 * The prediction server beside the serving anchor (../shared/bench/serving: Flask + scikit-learn
 * HistGradientBoosting under gunicorn, 2 workers), one after the other in one run, with the same
 * wrk settings: 16 connections, one thread, the anchor's own single-record body, loopback.
 *
 *   npm run bench:serve -- [--seconds 15] [--time-limit 30] [--workers 2] [--model DIR (skip training)] [--rounds 2]
 *
 * Ours serves the best model of a `--time-limit` seconds training on the same data (credit_data),
 * with `--workers` processes (one per core, as gunicorn's 2), and is measured on:
 * - the ceiling: a plain Fastify route shaped as ours (`hello-fastify.ts`), with nothing of ours in it;
 * - POST /invocations with the anchor's MLflow body (the headline, beside the anchor);
 * - POST /predict with the same record, plain and with `"explain": true` (top 5 contributions);
 * - the prediction log's cost: a second server with `--log DIR` runs beside the first (idle while
 *   the other is loaded), and the two are loaded in turn off, on, on, off … (`--rounds` pairs), so
 *   that a change of the machine's load in between falls on both sides alike.
 * The machine's load (`uptime`) is printed beside the figures: on a shared machine only the ratio
 * within one run means anything.
 */
import { execFileSync } from 'node:child_process';
import { get } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainModel } from '../../src/automl/index.js';
import { anchorBody, anchorDir, anchorRecord, buildPackage, cpuSeconds, creditData, loadAverage, option, parseWrk, requireTools, root, serverPids, startListening, startServer, wrk, type RunningServer, type WrkFigures } from './serve-harness.js';

const args = process.argv.slice(2);
const seconds = Number(option(args, 'seconds', '15'));
const timeLimit = Number(option(args, 'time-limit', '30'));
const workers = Number(option(args, 'workers', '2'));
const rounds = Number(option(args, 'rounds', '2'));
requireTools(['wrk', 'gunicorn']);
if (!existsSync(join(anchorDir, 'run_flask_anchor.sh'))) throw new Error(`the anchor is not at ${anchorDir}`);

// 1. the anchor, with its own script (it starts gunicorn, waits for it, runs wrk, stops it)
const loadBefore = loadAverage();
process.stderr.write(`anchor: Flask + scikit-learn under gunicorn, wrk ${seconds} s …\n`);
const anchorOutput = execFileSync('bash', [join(anchorDir, 'run_flask_anchor.sh')], { encoding: 'utf8', env: { ...process.env, SECS: String(seconds), CONNS: '16' } });
const anchor = parseWrk(anchorOutput);

// 2. ours: the best model of a short training on the same data
let modelDir = option(args, 'model', '');
if (!modelDir) {
  modelDir = join(mkdtempSync(join(tmpdir(), 'autolab-bench-serve-')), 'credit');
  process.stderr.write(`training on credit_data for ${timeLimit} s …\n`);
  await trainModel(creditData, { target: 'Status', timeLimit, out: modelDir });
}
const bundle = JSON.parse(readFileSync(join(modelDir, 'bundle.json'), 'utf8')) as { members: { config: { kind: string } }[]; folds: number; metric: string; score: number };
const scratch = mkdtempSync(join(tmpdir(), 'autolab-bench-serve-run-'));
const logDir = join(scratch, 'log');
// the anchor's record on /predict, plain and explained
const script = (name: string, body: unknown): string => {
  const path = join(scratch, `${name}.lua`);
  writeFileSync(path, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${JSON.stringify(body)}'\n`);
  return path;
};
const record = anchorRecord();
const predictBody = script('predict', { records: [record] });
const explainBody = script('explain', { records: [record], explain: true });

process.stderr.write('building …\n');
buildPackage();
const plain = await startServer([modelDir, '--workers', String(workers)]);
const logged = await startServer([modelDir, '--workers', String(workers), '--log', logDir]);
// the framework alone, shaped as ours (same workers, same body, an answer of the same size): the ceiling here
const hello = await startListening(['--import', 'tsx', join(root, 'bench', 'serve', 'hello-fastify.ts'), '--workers', String(workers)]);
type Measured = WrkFigures & { readonly cpuMsPerRequest: number };
/** wrk on one server, with the server's own CPU per request (every process of it): steadier than requests/s while other jobs share the cores */
const measured = (server: RunningServer, route: string, body: string): Measured => {
  const pids = serverPids(server);
  const cpuBefore = cpuSeconds(pids);
  const figures = wrk(`${server.base}${route}`, body, seconds);
  return { ...figures, cpuMsPerRequest: ((cpuSeconds(pids) - cpuBefore) * 1000) / figures.requests };
};
let ours: Measured;
let ceiling: Measured;
let predict: WrkFigures;
let explain: WrkFigures;
const off: Measured[] = [];
const on: Measured[] = [];
try {
  // a short warm-up of each route on each server: the JIT compiles the hot path (the anchor's Python has no JIT to warm)
  for (const server of [plain, logged]) {
    wrk(`${server.base}/invocations`, anchorBody, 2);
    wrk(`${server.base}/predict`, explainBody, 2);
  }
  wrk(`${hello.base}/invocations`, anchorBody, 2);
  process.stderr.write(`Fastify alone, then autolab serve (${workers} workers), wrk ${seconds} s: /invocations, /predict, /predict explained …\n`);
  ceiling = measured(hello, '/invocations', anchorBody);
  ours = measured(plain, '/invocations', anchorBody);
  predict = wrk(`${plain.base}/predict`, predictBody, seconds);
  explain = wrk(`${plain.base}/predict`, explainBody, seconds);
  // explained requests wrk gave up on are still being answered: let the workers drain them before
  // the next measurement (a 30 s bundle's backlog cost the first log round 95 % of its requests)
  // (a new connection each time: the cluster hands connections to the workers in turn)
  for (let i = 0; i < 4 * workers; i++) await new Promise((resolve) => get(`${plain.base}/health`, { agent: false }, (res) => res.resume().on('end', resolve)));
  process.stderr.write(`prediction log off and on, ${rounds} rounds of ${seconds} s each …\n`);
  for (let r = 0; r < rounds; r++) {
    // off, on, then on, off: a drift of the machine's load falls on both sides alike
    const order = r % 2 === 0 ? ([plain, logged] as const) : ([logged, plain] as const);
    for (const server of order) (server === plain ? off : on).push(measured(server, '/invocations', anchorBody));
  }
} finally {
  await plain.stop();
  await logged.stop();
  await hello.stop();
}
const loadAfter = loadAverage();
const logFiles = existsSync(logDir) ? execFileSync('find', [logDir, '-name', '*.parquet'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).length : 0;
rmSync(scratch, { recursive: true, force: true });

const total = (list: readonly WrkFigures[]) => list.reduce((s, f) => s + f.requests, 0) / (list.length * seconds);
const worst = (list: readonly WrkFigures[], pick: (f: WrkFigures) => number) => Math.max(...list.map(pick));
const row = (name: string, f: WrkFigures) => `${name.padEnd(40)} ${f.requestsPerSecond.toFixed(0).padStart(8)} ${f.p50Ms.toFixed(2).padStart(8)} ${f.p99Ms.toFixed(2).padStart(8)} ${String(f.errors).padStart(7)}`;
const members = bundle.members.map((m) => m.config.kind).join(', ');
const offRate = total(off);
const cpuPerRequest = (list: readonly Measured[]) => list.reduce((s, f) => s + f.cpuMsPerRequest * f.requests, 0) / list.reduce((s, f) => s + f.requests, 0);
const onRate = total(on);
process.stdout.write(
  [
    `serve: wrk -t1 -c16 -d${seconds}s, single-record bodies on loopback (${new Date().toISOString()})`,
    `load average before: ${loadBefore}; after: ${loadAfter}`,
    `ours: ${bundle.members.length} members (${members}) × ${bundle.folds} folds, ${bundle.metric} ${bundle.score.toFixed(4)} out of fold; ${workers} workers`,
    `${'server'.padEnd(40)} ${'req/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`,
    row('Flask + sklearn (gunicorn -w 2)', anchor),
    `${row(`Fastify alone (${workers} workers, fixed answer)`, ceiling)}  ${ceiling.cpuMsPerRequest.toFixed(3)} CPU ms/request`,
    `${row(`autolab serve /invocations`, ours)}  ${ours.cpuMsPerRequest.toFixed(3)} CPU ms/request`,
    row(`autolab serve /predict`, predict),
    row(`autolab serve /predict "explain": true`, explain),
    ...off.map((f, i) => `${row(`/invocations, log off (round ${i + 1})`, f)}  ${f.cpuMsPerRequest.toFixed(3)} CPU ms/request`),
    ...on.map((f, i) => `${row(`/invocations, log on (round ${i + 1})`, f)}  ${f.cpuMsPerRequest.toFixed(3)} CPU ms/request`),
    `ratio: ${(ours.requestsPerSecond / anchor.requestsPerSecond).toFixed(1)}x the anchor's requests/s; p99 ${ours.p99Ms.toFixed(2)} ms (target: ≥10x, p99 < 5 ms, no errors); Fastify alone ${(ceiling.requestsPerSecond / anchor.requestsPerSecond).toFixed(1)}x`,
    `server CPU per request: ours ${ours.cpuMsPerRequest.toFixed(3)} ms, Fastify alone ${ceiling.cpuMsPerRequest.toFixed(3)} ms: ${(ours.cpuMsPerRequest - ceiling.cpuMsPerRequest).toFixed(3)} ms is ours (the model, the check, metrics, the answer)`,
    `explain: ${explain.requestsPerSecond.toFixed(0)} explained req/s, ${(explain.requestsPerSecond / predict.requestsPerSecond * 100).toFixed(0)} % of plain /predict's (target: ≥ 1,000 req/s)`,
    `prediction log: ${onRate.toFixed(0)} req/s on against ${offRate.toFixed(0)} off over ${rounds} rounds each: ${((1 - onRate / offRate) * 100).toFixed(1)} % cost (target: < 5 %); worst p99 on ${worst(on, (f) => f.p99Ms).toFixed(2)} ms, off ${worst(off, (f) => f.p99Ms).toFixed(2)} ms; errors ${[...on, ...off].reduce((s, f) => s + f.errors, 0)}; ${logFiles} Parquet files written`,
    `prediction log, server CPU per request: ${cpuPerRequest(on).toFixed(3)} ms on against ${cpuPerRequest(off).toFixed(3)} ms off: ${((cpuPerRequest(on) / cpuPerRequest(off) - 1) * 100).toFixed(1)} % more CPU per request`,
    '',
  ].join('\n'),
);
