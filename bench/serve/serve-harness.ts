/**
 * What the serving benchmarks share: wrk's figures, `autolab serve` started as a user starts it (the
 * compiled command, built first so that it is this source), the machine's load, and the anchor's
 * data and single-record body.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, '..', '..');
export const anchorDir = join(root, '..', 'shared', 'bench', 'serving');
export const creditData = join(root, '..', 'shared', 'datasets', 'credit_data.csv');
/** the anchor's wrk script: POST /invocations with one MLflow `dataframe_records` record */
export const anchorBody = join(anchorDir, 'body.lua');

/** The anchor's one record, read from its wrk script (the same record every side is sent). */
export function anchorRecord(): Record<string, unknown> {
  const m = /^wrk\.body = '(.*)'$/m.exec(readFileSync(anchorBody, 'utf8'));
  if (!m) throw new Error(`no wrk.body line in ${anchorBody}`);
  const records = (JSON.parse(m[1]!) as { dataframe_records: Record<string, unknown>[] }).dataframe_records;
  return records[0]!;
}

export function option(args: readonly string[], name: string, fallback: string): string {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

export function requireTools(tools: readonly string[]): void {
  for (const tool of tools) {
    try {
      execFileSync('which', [tool], { stdio: 'ignore' });
    } catch {
      throw new Error(`${tool} is not installed: apt-get install -y python3-sklearn python3-flask gunicorn wrk python3-pandas`);
    }
  }
}

/** `uptime`'s three load averages */
export const loadAverage = (): string => execFileSync('uptime', { encoding: 'utf8' }).trim().replace(/^.*load average:\s*/, '');

export interface WrkFigures {
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

export function parseWrk(output: string): WrkFigures {
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

/** wrk -t1 -c16 with a script, for `seconds` (2 s: a warm-up whose figures are dropped). */
export function wrk(url: string, script: string, seconds: number): WrkFigures {
  return parseWrk(execFileSync('wrk', ['-t1', '-c16', `-d${seconds}s`, '--latency', '-s', script, url], { encoding: 'utf8' }));
}

/** Compiles the package (bin/autolab.js runs dist/), so that the server benchmarked is this source. */
export function buildPackage(): void {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
}

export interface RunningServer {
  readonly process: ChildProcess;
  readonly port: number;
  readonly base: string;
  /** SIGTERM (drain, write the log), and its exit */
  stop(): Promise<void>;
}

/** `autolab serve ARGS --port 0 --host 127.0.0.1`, once it says where it listens. */
export function startServer(args: readonly string[]): Promise<RunningServer> {
  return startListening([join(root, 'bin', 'autolab.js'), 'serve', ...args, '--port', '0', '--host', '127.0.0.1']);
}

/** A node process (`node ARGS`) that prints `on http://127.0.0.1:PORT` on standard error once it listens. */
export async function startListening(nodeArgs: readonly string[]): Promise<RunningServer> {
  const child = spawn(process.execPath, nodeArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /on http:\/\/127\.0\.0\.1:(\d+)/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${nodeArgs.join(' ')} exited (${String(code)}) before listening: ${text}`)));
  });
  // keep reading its stderr (a full pipe would block the server)
  child.stderr!.resume();
  return {
    process: child,
    port,
    base: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A server's processes: the primary and its children (the cluster's workers). */
export function serverPids(server: RunningServer): number[] {
  const primary = server.process.pid!;
  try {
    return [primary, ...execFileSync('ps', ['--ppid', String(primary), '-o', 'pid='], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean).map(Number)];
  } catch {
    // no children: ps exits 1
    return [primary];
  }
}

function procStatus(pid: number): string | null {
  const path = `/proc/${pid}/status`;
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

/** Resident memory in MB, by pid (a process gone in between is left out). */
export function rssMb(pids: readonly number[]): Map<number, number> {
  const rss = new Map<number, number>();
  for (const pid of pids) {
    const kb = /VmRSS:\s+(\d+) kB/.exec(procStatus(pid) ?? '')?.[1];
    if (kb) rss.set(pid, Number(kb) / 1024);
  }
  return rss;
}

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds (user + system, every thread) the processes have used so far. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const path = `/proc/${pid}/stat`;
    if (!existsSync(path)) continue;
    const stat = readFileSync(path, 'utf8');
    // fields after the command's closing parenthesis: state is field 3, utime 14, stime 15
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}
