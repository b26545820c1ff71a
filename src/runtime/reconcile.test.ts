import { hostname } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../common/index.js';
import { catalogBackends } from '../catalog/catalog.testutil.js';
import { openCatalog, type Catalog, type ProjectRecord } from '../catalog/index.js';
import { LocalExecutor } from './executor.js';
import { reconcile } from './reconcile.js';
import { runAction, type RuntimeContext } from './run-action.js';
import type { Stage, Unit } from './stage.js';

/** A tiny two-stage flow over an in-memory "world": tables with a content version each. */
interface World {
  readonly tables: Map<string, string>;
  /** what each stage actually did, in order */
  readonly work: string[];
  /** outputs that were made (the "store") */
  readonly made: Set<string>;
  failOn?: string;
  waitsForTarget?: boolean;
}

const readStage: Stage<World> = {
  kind: 'read.table',
  version: 1,
  plan: async (world) => ({ units: [...world.tables].map(([name, content]): Unit => ({ unit: name, inputs: { content }, params: { table: name } })) }),
  run: async (world, _project, unit) => {
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (world.failOn === unit.unit) throw new InputError(`cannot read ${unit.unit}`, 'fix the file\nsecond line');
    world.work.push(`read ${unit.unit}`);
    const out = `profile-of-${unit.inputs['content']}`;
    world.made.add(out);
    return { outputs: { profile: out }, bytesWritten: 10, detail: { rows: 3 } };
  },
  usable: async (world, outputs) => world.made.has(outputs['profile'] ?? ''),
};

const summaryStage: Stage<World> = {
  kind: 'summary.project',
  version: 1,
  plan: async (world) =>
    world.waitsForTarget ? { waitsOn: 'confirm the target' } : { units: [{ unit: '', inputs: Object.fromEntries([...world.tables].map(([n, c]) => [n, `profile-of-${c}`])), params: {} }] },
  run: async (world) => {
    world.work.push('summary');
    return { outputs: { summary: 'x' }, bytesWritten: 1, detail: {} };
  },
};

const project: ProjectRecord = { id: 1, name: 'p', createdAt: '2026-12-04T00:00:00.000Z', settings: {} };

function world(tables: Record<string, string>): World {
  return { tables: new Map(Object.entries(tables)), work: [], made: new Set() };
}

async function run(catalog: Catalog, w: World, workerId = 'test:1', dryRun = false) {
  const runtime: RuntimeContext = { catalog, workerId };
  const stages = [readStage, summaryStage];
  return reconcile(runtime, w, project, stages, new LocalExecutor(runtime, w, stages, { concurrency: 2 }), { dryRun });
}

describe.each(catalogBackends)('runtime on $name', (backend) => {
  afterAll(() => backend.cleanup());

  describe.skipIf(backend.skip)(`(${backend.skip || 'available'})`, () => {
    it('runs each stale unit once, reuses results whose inputs did not change, and says why a unit is stale', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const w = world({ a: 'v1', b: 'v1' });
        const first = await run(catalog, w);
        expect(first.stale.map((s) => [s.stage, s.unit.unit, s.reason])).toEqual([
          ['read.table', 'a', 'new'],
          ['read.table', 'b', 'new'],
          ['summary.project', '', 'new'],
        ]);
        expect([...w.work].sort()).toEqual(['read a', 'read b', 'summary']);
        expect(first.failed).toBeNull();

        const again = await run(catalog, w);
        expect(again.stale).toEqual([]);
        expect(again.outcomes).toEqual([]);
        expect(w.work).toHaveLength(3);

        w.tables.set('b', 'v2');
        const plan = await run(catalog, w, 'test:1', true);
        expect(plan.stale.map((s) => s.reason)).toEqual(['inputs changed: content v1 → v2']);
        expect(plan.blockedAt).toBe('read.table');
        expect(w.work).toHaveLength(3);
        const changed = await run(catalog, w);
        expect(changed.stale.map((s) => `${s.stage}:${s.unit.unit}`)).toEqual(['read.table:b', 'summary.project:']);
        // hashes are shown by their first 12 characters
        expect(changed.stale[1]!.reason).toBe('inputs changed: b profile-of-v → profile-of-v');
        expect(w.work.slice(3)).toEqual(['read b', 'summary']);
        // each action keeps why it ran, for `autolab log`
        const [summary] = await catalog.listActions({ project: 'p', kind: 'summary.project', status: 'done', limit: 1 });
        expect(summary!.detail['why']).toBe('inputs changed: b profile-of-v → profile-of-v');

        // an output that vanished is made again rather than trusted
        w.made.delete('profile-of-v1');
        const remade = await run(catalog, w);
        expect(remade.stale.map((s) => [s.unit.unit, s.reason])).toEqual([['a', 'its outputs are gone']]);
        expect(w.work.slice(5)).toEqual(['read a']);

        const done = await catalog.listActions({ project: 'p', kind: 'read.table', status: 'done' });
        // a and b ran side by side: either may have finished first
        expect(done.slice(0, 2).map((a) => a.unit).sort()).toEqual(['a', 'b']);
        expect(done.slice(2).map((a) => a.unit)).toEqual(['b', 'a']);
        expect(done.find((a) => a.unit === 'a')).toMatchObject({ inputs: { content: 'v1' }, outputs: { profile: 'profile-of-v1' }, bytesWritten: 10, detail: { table: 'a', rows: 3 }, workerId: 'test:1' });
        expect(await catalog.verifyLog()).toMatchObject({ ok: true });
      } finally {
        await catalog.close();
      }
    });

    it('records a failure with its one-line error, stops before later stages, and retries it next time', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const w = world({ a: 'v1', b: 'v1' });
        w.failOn = 'b';
        const failed = await run(catalog, w);
        expect(failed.failed?.unit.unit).toBe('b');
        expect(failed.failed?.record).toMatchObject({ status: 'failed', error: 'cannot read b — fix the file' });
        expect(w.work).toEqual(['read a']);
        delete w.failOn;
        const retried = await run(catalog, w);
        expect(retried.stale.map((s) => s.reason)).toEqual(['the last attempt failed: cannot read b — fix the file', 'new']);
        expect(w.work).toEqual(['read a', 'read b', 'summary']);
      } finally {
        await catalog.close();
      }
    });

    it('stops at a human moment with what to do', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const w = world({ a: 'v1' });
        w.waitsForTarget = true;
        const result = await run(catalog, w);
        expect(result.waitsOn).toBe('confirm the target');
        expect(w.work).toEqual(['read a']);
      } finally {
        await catalog.close();
      }
    });

    it('does each unit once when two workers reconcile the same project at the same time', async () => {
      const url = await backend.freshUrl();
      const [one, two] = await Promise.all([openCatalog(url), openCatalog(url)]);
      try {
        const w = world({ a: 'v1', b: 'v1', c: 'v1', d: 'v1' });
        const results = await Promise.all([run(one, w, 'host-a:1'), run(two, w, 'host-b:2')]);
        expect([...w.work].sort()).toEqual(['read a', 'read b', 'read c', 'read d', 'summary']);
        expect(results.every((r) => r.failed === null)).toBe(true);
        const done = await one.listActions({ project: 'p', status: 'done' });
        expect(done).toHaveLength(5);
        expect(await one.verifyLog()).toMatchObject({ ok: true });
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('does a unit once when the other worker finishes between this one looking for a result and claiming it', async () => {
      const url = await backend.freshUrl();
      const [one, two] = await Promise.all([openCatalog(url), openCatalog(url)]);
      try {
        const w = world({ a: 'v1' });
        // the real catalog, only slower to claim: its first look finds nothing, its claim comes after the other's release
        const late: Catalog = new Proxy(two, {
          get(target, name, receiver) {
            const value: unknown = Reflect.get(target, name, receiver);
            if (name === 'claimUnit') {
              return async (...args: Parameters<Catalog['claimUnit']>) => {
                await new Promise((resolve) => setTimeout(resolve, 400));
                return target.claimUnit(...args);
              };
            }
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
          },
        });
        const unit: Unit = { unit: 'a', inputs: { content: 'v1' }, params: { table: 'a' } };
        const [first, second] = await Promise.all([
          runAction({ catalog: one, workerId: 'host-a:1' }, readStage, w, project, unit),
          runAction({ catalog: late, workerId: 'host-b:2' }, readStage, w, project, unit),
        ]);
        expect(w.work).toEqual(['read a']);
        expect([first.status, second.status]).toEqual(['done', 'reused']);
        expect(await one.listActions({ project: 'p' })).toHaveLength(1);
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });

    it('takes over at once a unit claimed by a process of this host that is gone, and waits for a live one', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const w = world({ a: 'v1' });
        const unit = { project: 'p', kind: 'read.table', unit: 'a' };
        // a pid above the kernel's limit cannot be running
        expect((await catalog.claimUnit(unit, `${hostname()}:4194305#dead`, 600_000)).claimed).toBe(true);
        const outcome = await runAction({ catalog, workerId: 'test:1' }, readStage, w, project, { unit: 'a', inputs: { content: 'v1' }, params: {} });
        expect(outcome.status).toBe('done');

        expect((await catalog.claimUnit(unit, 'elsewhere:1#live', 300)).claimed).toBe(true);
        const waits: string[] = [];
        const waited = await runAction({ catalog, workerId: 'test:1' }, readStage, w, project, { unit: 'a', inputs: { content: 'v2' }, params: {} }, { onWait: (h) => waits.push(h) });
        expect(waited.status).toBe('done');
        expect(waits[0]).toBe('elsewhere:1#live');
      } finally {
        await catalog.close();
      }
    });
  });
});
