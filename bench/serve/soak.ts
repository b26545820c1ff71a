/**
 * A soak of the prediction server: constant load for `--minutes` (default 10) at `--rate` requests
 * per second (default 1,000), with a blue-green switch every minute, sampling the server's memory
 * (the RSS of the primary and every worker, every 5 s), the p99 latency and the errors per minute.
 *
 *   node --import tsx bench/serve/soak.ts [--minutes 10] [--rate 1000] [--workers 2] [--time-limit 20] [--model DIR --green DIR]
 *
 * `autolab serve --deployment FILE` serves two bundles of credit_data (a `--time-limit` s training
 * in blue, a two-candidate one in green, or the folders given); the soak rewrites FILE each minute
 * to move traffic to the other slot, as `autolab deploy switch` would. The load is open: requests
 * are sent on a fixed schedule whether or not earlier ones were answered, and a request's latency
 * is counted from when it was due (so a stall is not hidden by the client waiting it out). The body
 * is the anchor's single record, POST /invocations, keep-alive connections (at most 64).
 */
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainModel } from '../../src/automl/index.js';
import { anchorRecord, buildPackage, creditData, loadAverage, option, rssMb, serverPids, startServer } from './serve-harness.js';

const args = process.argv.slice(2);
const minutes = Number(option(args, 'minutes', '10'));
const rate = Number(option(args, 'rate', '1000'));
const workers = Number(option(args, 'workers', '2'));
const timeLimit = Number(option(args, 'time-limit', '20'));
if (!(minutes > 0) || !(rate > 0)) throw new Error('--minutes and --rate must be positive numbers');

const scratch = mkdtempSync(join(tmpdir(), 'autolab-soak-'));
let blueDir = option(args, 'model', '');
let greenDir = option(args, 'green', '');
if (!blueDir) {
  blueDir = join(scratch, 'blue');
  process.stderr.write(`training blue on credit_data for ${timeLimit} s …\n`);
  await trainModel(creditData, { target: 'Status', timeLimit, out: blueDir });
}
if (!greenDir) {
  greenDir = join(scratch, 'green');
  process.stderr.write('training green (two candidates) …\n');
  await trainModel(creditData, { target: 'Status', trials: 2, seed: 1, out: greenDir });
}
const deploymentFile = join(scratch, 'deployment.json');
const writeDeployment = (live: 'blue' | 'green') => {
  const temp = `${deploymentFile}.tmp`;
  writeFileSync(temp, JSON.stringify({ blue: { dir: blueDir }, green: { dir: greenDir }, live }));
  renameSync(temp, deploymentFile);
};
writeDeployment('blue');

process.stderr.write('building …\n');
buildPackage();
const loadBefore = loadAverage();
const server = await startServer(['--deployment', deploymentFile, '--workers', String(workers)]);

interface Minute {
  sent: number;
  answered: number;
  errors: number;
  latencies: number[];
  slots: Map<string, number>;
  rss: number[];
  workers: Set<number>;
  live: 'blue' | 'green';
}
const newMinute = (live: 'blue' | 'green'): Minute => ({ sent: 0, answered: 0, errors: 0, latencies: [], slots: new Map(), rss: [], workers: new Set(), live });
const body = JSON.stringify({ dataframe_records: [anchorRecord()] });
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const errorsSeen = new Map<string, number>();
const minutesSeen: Minute[] = [newMinute('blue')];
let current = minutesSeen[0]!;

let inFlight = 0;
function send(due: number, minute: Minute): void {
  minute.sent++;
  inFlight++;
  const fail = (what: string) => {
    inFlight--;
    minute.errors++;
    errorsSeen.set(what, (errorsSeen.get(what) ?? 0) + 1);
  };
  const req = request(`${server.base}/invocations`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on('end', () => {
      if (res.statusCode !== 200) return fail(`HTTP ${String(res.statusCode)}`);
      inFlight--;
      minute.answered++;
      minute.latencies.push(performance.now() - due);
      const slot = String(res.headers['x-model-slot'] ?? '');
      minute.slots.set(slot, (minute.slots.get(slot) ?? 0) + 1);
    });
  });
  req.on('error', (error) => fail(error.message));
  req.end(body);
}

process.stderr.write(`soak: ${rate} req/s for ${minutes} min, a blue-green switch every minute …\n`);
const started = performance.now();
const end = started + minutes * 60_000;
let sent = 0;
let live: 'blue' | 'green' = 'blue';
const rssTimer = setInterval(() => {
  const rss = rssMb(serverPids(server));
  current.rss.push([...rss.values()].reduce((a, b) => a + b, 0));
  for (const pid of rss.keys()) current.workers.add(pid);
}, 5000);
await new Promise<void>((resolve) => {
  const tick = setInterval(() => {
    const now = performance.now();
    const minuteIndex = Math.floor((now - started) / 60_000);
    if (now >= end) {
      clearInterval(tick);
      resolve();
      return;
    }
    if (minuteIndex >= minutesSeen.length) {
      live = live === 'blue' ? 'green' : 'blue';
      writeDeployment(live);
      current = newMinute(live);
      minutesSeen.push(current);
    }
    // every request due by now, each with its own due time
    const due = Math.floor(((now - started) / 1000) * rate);
    for (; sent < due; sent++) send(started + (sent / rate) * 1000, current);
  }, 2);
});
clearInterval(rssTimer);
// the answers still due (a server that fell behind has a queue to work off): up to a minute
const drainUntil = performance.now() + 60_000;
while (inFlight > 0 && performance.now() < drainUntil) await new Promise((resolve) => setTimeout(resolve, 100));
const unanswered = inFlight;
agent.destroy();
await server.stop();
const loadAfter = loadAverage();

function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
const lines = [
  `soak: ${minutes} min at ${rate} req/s, POST /invocations single records, ${workers} workers, blue-green switch every minute (${new Date().toISOString()})`,
  `load average before: ${loadBefore}; after: ${loadAfter}`,
  `${'minute'.padEnd(7)} ${'live'.padEnd(6)} ${'sent'.padStart(7)} ${'answered'.padStart(9)} ${'errors'.padStart(7)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'max ms'.padStart(8)} ${'RSS MB'.padStart(8)}  answered by slot`,
];
for (const [i, m] of minutesSeen.entries()) {
  const slots = [...m.slots].map(([slot, n]) => `${slot} ${n}`).join(', ');
  lines.push(
    `${String(i + 1).padEnd(7)} ${m.live.padEnd(6)} ${String(m.sent).padStart(7)} ${String(m.answered).padStart(9)} ${String(m.errors).padStart(7)} ${quantile(m.latencies, 0.5).toFixed(2).padStart(8)} ${quantile(m.latencies, 0.99).toFixed(2).padStart(8)} ${quantile(m.latencies, 1).toFixed(1).padStart(8)} ${mean(m.rss).toFixed(0).padStart(8)}  ${slots}`,
  );
}
const errors = minutesSeen.reduce((s, m) => s + m.errors, 0);
const totalSent = minutesSeen.reduce((s, m) => s + m.sent, 0);
// memory: the second minute (past start-up and the JIT) against the last
const settled = minutesSeen.length > 2 ? minutesSeen.slice(1) : minutesSeen;
const firstRss = mean(settled[0]!.rss);
const lastRss = mean(settled.at(-1)!.rss);
const growth = (lastRss - firstRss) / firstRss;
const pids = new Set(minutesSeen.flatMap((m) => [...m.workers]));
lines.push(
  `requests: ${totalSent} sent (${(totalSent / (minutes * 60)).toFixed(0)} req/s), ${errors} errors${errorsSeen.size > 0 ? ` (${[...errorsSeen].map(([what, n]) => `${what}: ${n}`).join('; ')})` : ''}, ${unanswered} still unanswered a minute after the load stopped`,
  `memory: ${firstRss.toFixed(0)} MB in minute ${minutesSeen.length > 2 ? 2 : 1}, ${lastRss.toFixed(0)} MB in minute ${minutesSeen.length}: ${growth >= 0 ? '+' : ''}${(growth * 100).toFixed(1)} % — ${Math.abs(growth) < 0.1 ? 'flat (within 10 %)' : growth > 0 ? 'GROWS' : 'falls'}; ${pids.size} server processes seen (${1 + workers} expected: ${pids.size === 1 + workers ? 'no worker was replaced' : 'a worker was replaced'})`,
  // a leak is growth; memory settling after the first minutes' loads (a fall) is not one
  `verdict: ${errors === 0 && unanswered === 0 ? 'no failed request' : 'FAILED REQUESTS'}, memory ${growth < 0.1 ? 'no growth' : 'GROWS'}`,
  '',
);
process.stdout.write(lines.join('\n'));
