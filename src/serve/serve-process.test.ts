import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckEngine, queryRows } from '../lake/index.js';
import { loadLoop } from './load-loop.testutil.js';
import { loadServedModel } from './served-model.js';
import { trainTinyBundle } from './serve.testutil.js';

const record = { x: 4, color: 'red', flag: true, day: '2024-03-01' };
const CHILD = fileURLToPath(new URL('./serve-child.testutil.ts', import.meta.url));

/** `autolab serve` in a child process; its stdout lines as they come. */
function startChild(options: Record<string, unknown>): { child: ChildProcess; lines: string[]; waitFor(pattern: RegExp): Promise<RegExpMatchArray> } {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  let buffer = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop()!;
    lines.push(...parts);
  });
  const waitFor = async (pattern: RegExp) => {
    for (;;) {
      const hit = lines.map((l) => pattern.exec(l)).find((m) => m !== null);
      if (hit) return hit;
      if (child.exitCode !== null) throw new Error(`the server exited: ${lines.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { child, lines, waitFor };
}

/** Replaces a bundle folder by another in two renames, as a deployment tool would. */
function swapFolder(served: string, from: string): void {
  const staged = `${served}.next`;
  cpSync(from, staged, { recursive: true });
  renameSync(served, `${served}.old`);
  renameSync(staged, served);
  rmSync(`${served}.old`, { recursive: true, force: true });
}

/** A request whose body is sent in two halves, `between` running after the first. */
function slowRequest(url: string, body: string, between: Promise<unknown>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    const half = Math.floor(body.length / 2);
    req.write(body.slice(0, half));
    void between.then(() => req.end(body.slice(half)));
  });
}

describe('autolab serve as processes', () => {
  let dirA: string;
  let dirB: string;
  let versionA: string;
  let versionB: string;
  let work: string;

  beforeAll(async () => {
    [dirA, dirB] = await Promise.all([trainTinyBundle(5, 'a'), trainTinyBundle(6, 'b')]);
    versionA = loadServedModel(dirA).version;
    versionB = loadServedModel(dirB).version;
    work = mkdtempSync(join(tmpdir(), 'autolab-serve-proc-'));
  }, 60_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('two workers: reloads under load drop no request, /metrics adds up the workers, SIGTERM lets requests under way finish and writes the whole log', async () => {
    const served = join(work, 'model');
    cpSync(dirA, served, { recursive: true });
    const logDir = join(work, 'log');
    const { child, lines, waitFor } = startChild({ modelDir: served, port: 0, host: '127.0.0.1', workers: 2, logDir, logFlushMs: 600_000 });
    try {
      const port = Number((await waitFor(/on http:\/\/127\.0\.0\.1:(\d+) with 2 workers/))[1]);
      const url = `http://127.0.0.1:${port}/invocations`;
      // each reload waits for answers from the model it loaded, not for time
      const seen = new Map<string, number>();
      const seenOf = (version: string) => seen.get(version) ?? 0;
      const until = async (condition: () => boolean) => {
        while (!condition()) await new Promise((r) => setTimeout(r, 10));
      };
      const reloads = (async () => {
        await until(() => seenOf(versionA) >= 5);
        for (const [i, [dir, version]] of ([[dirB, versionB], [dirA, versionA], [dirB, versionB]] as const).entries()) {
          swapFolder(served, dir);
          child.kill('SIGHUP');
          // every reload says so in one line
          await until(() => lines.filter((l) => l === 'reloaded the model').length >= i + 1);
          const before = seenOf(version);
          await until(() => seenOf(version) >= before + 5);
        }
      })();
      const result = await loadLoop(url, { dataframe_records: [record] }, 8, reloads, (v) => seen.set(v, seenOf(v) + 1));
      await reloads;
      expect(result.failures).toEqual([]);
      expect([...result.byStatus.keys()]).toEqual([200]);
      expect(result.byVersion.get(versionA)).toBeGreaterThan(0);
      expect(result.byVersion.get(versionB)).toBeGreaterThan(0);
      expect(lines.filter((l) => l.startsWith('kept'))).toEqual([]);

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const answered = [...metrics.matchAll(/^autolab_requests_total\{route="\/invocations",code="200",slot="blue"\} (\d+)$/gm)].map((m) => Number(m[1]));
      expect(answered).toEqual([result.requests]);

      // requests under way when SIGTERM comes: their bodies arrive after it, and they are answered
      let signalled: () => void = () => {};
      const afterSignal = new Promise<void>((resolve) => (signalled = resolve));
      const body = JSON.stringify({ dataframe_records: Array.from({ length: 200 }, () => record) });
      const inFlight = Array.from({ length: 6 }, () => slowRequest(url, body, afterSignal));
      await new Promise((r) => setTimeout(r, 100));
      child.kill('SIGTERM');
      await waitFor(/^stopping/);
      setTimeout(signalled, 100);
      expect(await Promise.all(inFlight)).toEqual([200, 200, 200, 200, 200, 200]);
      const code = await new Promise((resolve) => child.once('exit', resolve));
      expect(code).toBe(0);

      const engine = await openDuckEngine(join(work, 'read'));
      try {
        const [[rows, versions]] = (await queryRows(engine.conn, `SELECT count(*), count(DISTINCT version) FROM read_parquet($glob)`, { glob: join(logDir, '*.parquet') })) as [[bigint, bigint]];
        expect(Number(rows)).toBe(result.requests + 6);
        expect(Number(versions)).toBe(2);
      } finally {
        engine.close();
      }
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 120_000);

  it('replaces a worker that dies', async () => {
    const { child, waitFor } = startChild({ modelDir: dirA, port: 0, host: '127.0.0.1', workers: 2 });
    try {
      const port = Number((await waitFor(/on http:\/\/127\.0\.0\.1:(\d+) with 2 workers/))[1]);
      // the primary's children that are serve workers (tsx may run an esbuild process beside them)
      const workers = () =>
        execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' })
          .split('\n')
          .filter((l) => l.includes('serve-worker-main'))
          .map((l) => Number(l.trim().split(/\s+/)[0]));
      const before = workers();
      expect(before).toHaveLength(2);
      process.kill(before[0]!, 'SIGKILL');
      await waitFor(new RegExp(`^a serve worker \\(pid ${before[0]}\\) stopped \\(SIGKILL\\); starting another$`));
      const replacement = Number((await waitFor(/^a serve worker \(pid (\d+)\) took its place$/))[1]);
      expect(workers().sort()).toEqual([before[1]!, replacement].sort());
      // the new worker listens: both answer (round robin between them)
      for (let i = 0; i < 6; i++) {
        const answer = await fetch(`http://127.0.0.1:${port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([record]) });
        expect(answer.status).toBe(200);
      }
      child.kill('SIGTERM');
      expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 60_000);
});
