/**
 * Killed at any point, nothing lost: `autolab run` on a real project (two sources, a confirmed
 * target and relationship — through silver and gold —, `--trials` for reproducible training) is killed with SIGKILL at 20 random moments, then
 * run to the end; its snapshots, exploration results and model bundle equal an uninterrupted run's,
 * no action is recorded done without its outputs in the store, and `log --verify` passes. On SQLite
 * + the local disk and on PostgreSQL + S3.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLab } from './lab.js';
import { RUN_STAGES } from './run.js';
import { reportStage } from './stages/explore-stages.js';
import { stageContext } from './stages/stage-context.js';
import { labBackends, type LabBackend } from './lab-backends.testutil.js';

const binary = fileURLToPath(new URL('../../bin/autolab.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/cli/commands/run.js', import.meta.url)));
const demoData = fileURLToPath(new URL('../../data/demo/customers.csv', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'autolab-kill-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const KILLS_BEFORE_TAGS = 10;
const KILLS_AFTER_TAGS = 10;
const RUN = ['run', 'p', '--trials', '2'];
const RELATE = ['tags', 'rel', 'usage.customer_id', 'customers.customer_id', 'confirmed', '--project', 'p'];

interface Exit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs the CLI in `cwd`; with `killAfterMs`, sends SIGKILL then. */
function cli(cwd: string, args: readonly string[], env: Readonly<Record<string, string>>, killAfterMs?: number): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [binary, ...args], { cwd, env: { ...process.env, ...env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
    });
  });
}

async function ok(cwd: string, args: readonly string[], env: Readonly<Record<string, string>>): Promise<Exit> {
  const exit = await cli(cwd, args, env);
  if (exit.code !== 0) throw new Error(`autolab ${args.join(' ')} exited ${exit.code}: ${exit.stderr.trim()}`);
  return exit;
}

/** Two related sources: customers (the target, churn; an id added) and their usage, two rows each, keyed by customer_id. */
function writeSources(dir: string): void {
  const lines = readFileSync(demoData, 'utf8').split('\n').slice(0, 1501);
  writeFileSync(join(dir, 'customers.csv'), `${lines.map((line, i) => `${i === 0 ? 'customer_id' : `C${i}`},${line}`).join('\n')}\n`);
  const usage = ['customer_id,calls,data_gb,plan'];
  lines.slice(1).forEach((_, i) => {
    for (const month of [0, 1]) usage.push(`C${i + 1},${(i * 37 + month) % 41},${((i * 7919 + month * 13) % 2000) / 100},${['basic', 'plus', 'max'][(i * 13 + month) % 3]}`);
  });
  writeFileSync(join(dir, 'usage.csv'), `${usage.join('\n')}\n`);
}

async function newLab(backend: LabBackend, name: string): Promise<string> {
  const dir = join(work, `${backend.name}-${name}`);
  mkdirSync(dir, { recursive: true });
  writeSources(dir);
  const { catalog, store } = await backend.fresh();
  await ok(dir, ['init', '.', '--project', 'p', ...(catalog ? ['--catalog', catalog] : []), ...(store ? ['--store', store] : [])], backend.env);
  await ok(dir, ['source', 'add', 'customers', 'customers.csv', '--project', 'p'], backend.env);
  await ok(dir, ['source', 'add', 'usage', 'usage.csv', '--project', 'p'], backend.env);
  return dir;
}

/** What a run leaves that must not depend on being killed: per unit of work, its latest result (the backend's env is set). */
async function finalState(dir: string): Promise<{ results: Record<string, unknown>; missing: string[]; verified: boolean }> {
  const lab = await openLab(dir);
  try {
    const project = (await lab.catalog.getProject('p'))!;
    const results: Record<string, unknown> = {};
    const missing: string[] = [];
    results['snapshots'] = (await lab.catalog.listSnapshots(project.id)).map((s) => `${s.tableName} v${s.version} ${s.contentHash}`).sort();
    const context = stageContext(lab);
    for (const action of await lab.catalog.listActions({ project: 'p', status: 'done' })) {
      const stage = RUN_STAGES.find((s) => s.kind === action.kind);
      // the report's file is judged by its path, which the next run checks; it holds its generation time
      if (action.unit === undefined || action.unit === null || !stage || stage === reportStage) continue;
      if (stage.usable && !(await stage.usable(context, action.outputs, { unit: action.unit, inputs: {}, params: {} }))) {
        missing.push(`${action.kind} ${action.unit}: ${JSON.stringify(action.outputs)}`);
      }
      const blob = { 'explore.table': 'profile', 'explore.relationships': 'relationships', 'explore.target': 'round2' }[action.kind];
      // run.json holds the training's timings; the bundle's hash covers everything else
      const { 'file:run.json': _timings, ...outputs } = action.outputs;
      results[`${action.kind} ${action.unit}`] = blob ? comparable(await lab.store.getBytes(action.outputs[blob]!)) : outputs;
    }
    return { results, missing, verified: (await lab.catalog.verifyLog()).ok };
  } finally {
    await lab.close();
  }
}

/** An exploration result without what differs between two labs doing the same work: timings, local paths. */
function comparable(bytes: Uint8Array): unknown {
  const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : Buffer.from(bytes)).toString('utf8');
  return JSON.parse(text, (key, value: unknown) => (key === 'timings' || key === 'source' || key === 'ms' ? undefined : value));
}

for (const backend of labBackends) {
  const skip = !built ? 'dist/ not built — run npm run build' : backend.skip;
  describe.skipIf(skip)(`autolab run killed at random moments, ${backend.name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it(`ends, after ${KILLS_BEFORE_TAGS + KILLS_AFTER_TAGS} kills, where an uninterrupted run ends`, async () => {
      const reference = await newLab(backend, 'reference');
      const explored = await ok(reference, RUN, backend.env);
      await ok(reference, ['tags', 'set', 'customers.churn', 'role=target', '--project', 'p'], backend.env);
      // each customer's usage joins its features: the run goes through silver and gold
      await ok(reference, RELATE, backend.env);
      const trained = await ok(reference, RUN, backend.env);
      const expected = await finalState(reference);
      expect(expected.results['automl.train ']).toBeDefined();
      expect(expected.results['gold.build ']).toBeDefined();

      const killed = await newLab(backend, 'killed');
      const moments: number[] = [];
      const killAt = async (count: number, seconds: number): Promise<void> => {
        for (let i = 0; i < count; i++) {
          const ms = Math.round(((i + Math.random()) / count) * seconds * 1000);
          moments.push(ms);
          const exit = await cli(killed, RUN, backend.env, ms);
          if (exit.signal === null && exit.code !== 0) throw new Error(`run exited ${exit.code} after a kill at ${moments.join(', ')} ms: ${exit.stderr.trim()}`);
        }
      };
      await killAt(KILLS_BEFORE_TAGS, explored.seconds);
      await ok(killed, RUN, backend.env);
      await ok(killed, ['tags', 'set', 'customers.churn', 'role=target', '--project', 'p'], backend.env);
      await ok(killed, RELATE, backend.env);
      await killAt(KILLS_AFTER_TAGS, trained.seconds);
      await ok(killed, RUN, backend.env);
      const again = await ok(killed, RUN, backend.env);
      expect(again.stderr + again.stdout).toMatch(/nothing to do/);

      const actual = await finalState(killed);
      expect(actual.missing, `kills at ${moments.join(', ')} ms`).toEqual([]);
      expect(actual.verified).toBe(true);
      expect(actual.results, `kills at ${moments.join(', ')} ms`).toEqual(expected.results);
      expect((await ok(killed, ['log', '--verify'], backend.env)).stdout).toMatch(/intact/);
    }, 600_000);
  });
}
