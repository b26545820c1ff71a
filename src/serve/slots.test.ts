import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { followDeployment, type Deployment } from './deployment.js';
import { loadLoop } from './load-loop.testutil.js';
import type { PredictionEntry } from './prediction-entry.js';
import { buildServer } from './server.js';
import { loadServedModel, type ServedModel } from './served-model.js';
import { SlotRouter, type SlotsConfig } from './slots.js';
import { listenLocally, postJson, trainTinyBundle } from './serve.testutil.js';

const record = { x: 4, color: 'red', flag: true, day: '2024-03-01' };

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((r) => setTimeout(r, 10));
}

describe('blue and green slots', () => {
  let dirA: string;
  let dirB: string;
  let a: ServedModel;
  let b: ServedModel;
  let app: FastifyInstance;
  let base: string;
  let router: SlotRouter;
  const logged: PredictionEntry[] = [];

  beforeAll(async () => {
    [dirA, dirB] = await Promise.all([trainTinyBundle(3, 'a'), trainTinyBundle(4, 'b')]);
    a = loadServedModel(dirA);
    b = loadServedModel(dirB);
    expect(a.version).not.toBe(b.version);
    router = new SlotRouter({ blue: a, live: 'blue' });
    app = buildServer({ router, log: { append: (e) => logged.push(e) } });
    base = await listenLocally(app);
  }, 60_000);
  afterAll(async () => app.close());

  it('refuses a configuration that cannot serve, and keeps the one it had', () => {
    expect(() => router.setSlots({ blue: a, live: 'green' })).toThrow(/live slot green holds no model/);
    expect(() => router.setSlots({ blue: a, live: 'blue', weights: { blue: 1, green: 1 } })).toThrow(/slot green has weight 1 but holds no model/);
    expect(() => router.setSlots({ blue: a, live: 'blue', shadow: true })).toThrow(/shadow mode needs a model in slot green/);
    expect(() => router.setSlots({ blue: a, green: b, live: 'blue', weights: { blue: 0, green: 0 } })).toThrow(/do not split traffic/);
    expect(router.config.live).toBe('blue');
  });

  it('splits traffic by weight', () => {
    let i = 0;
    // draws spread evenly over [0, 1): a quarter of them fall below blue's share
    const split = new SlotRouter({ blue: a, green: b, live: 'blue', weights: { blue: 1, green: 3 } }, () => (i++ + 0.5) / 1000);
    const counts = { blue: 0, green: 0 };
    for (let n = 0; n < 1000; n++) counts[split.route().answer.slot]++;
    expect(counts).toEqual({ blue: 250, green: 750 });
  });

  it('switches slots under load without failing a request, each answer from the slot it names', async () => {
    const configs: SlotsConfig[] = [
      { blue: a, green: b, live: 'green' },
      { blue: a, green: b, live: 'blue', weights: { blue: 1, green: 1 } },
      { blue: a, green: b, live: 'blue', shadow: true },
      { blue: a, live: 'blue' },
      { blue: a, green: b, live: 'green', weights: { blue: 0, green: 1 }, shadow: true },
    ];
    let switches = 0;
    const switching = (async () => {
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 15));
        router.setSlots(configs[i % configs.length]!);
        switches++;
      }
    })();
    const result = await loadLoop(`${base}/invocations`, { dataframe_records: [record] }, 8, switching);
    expect(result.failures).toEqual([]);
    expect([...result.byStatus.keys()]).toEqual([200]);
    expect(switches).toBe(40);
    expect(result.bySlot.get('blue')).toBeGreaterThan(0);
    expect(result.bySlot.get('green')).toBeGreaterThan(0);
    // every logged answer names the model its slot held when the request was routed
    const answers = logged.filter((e) => e.role === 'answer');
    expect(answers.length).toBe(result.requests);
    for (const entry of answers) expect(entry.version).toBe(entry.slot === 'blue' ? a.version : b.version);
  }, 60_000);

  it('in shadow mode, the challenger scores every request and the champion answers; both are logged', async () => {
    router.setSlots({ blue: a, green: b, live: 'blue', shadow: true });
    logged.length = 0;
    const answers = await Promise.all(Array.from({ length: 10 }, () => postJson(`${base}/predict`, [record])));
    for (const answer of answers) expect((answer.body as { model: { slot: string } }).model.slot).toBe('blue');
    await until(() => logged.filter((e) => e.role === 'shadow').length === 10);
    const ids = new Set(logged.filter((e) => e.role === 'answer').map((e) => e.requestId));
    expect(ids.size).toBe(10);
    for (const shadow of logged.filter((e) => e.role === 'shadow')) {
      expect(shadow.slot).toBe('green');
      expect(shadow.version).toBe(b.version);
      expect(ids.has(shadow.requestId)).toBe(true);
    }
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^autolab_shadow_requests_total\{slot="green",outcome="(agree|disagree)"\} \d+$/m);
  });

  it('follows a deployment given as data, and keeps serving when a deployment cannot be loaded', async () => {
    let deployment: unknown = { blue: { dir: dirA }, live: 'blue' } satisfies Deployment;
    const errors: unknown[] = [];
    const applied: Deployment[] = [];
    const follower = followDeployment(router, () => deployment, { intervalMs: 20, onApplied: (d) => applied.push(d), onError: (e) => errors.push(e) });
    try {
      await until(() => applied.length === 1);
      expect(router.config).toMatchObject({ live: 'blue', shadow: false });
      expect(router.config.green).toBeUndefined();
      deployment = { blue: { dir: dirA }, green: { dir: dirB, version: 'v2' }, live: 'green' };
      await until(() => applied.length === 2);
      expect(router.live.model.version).toBe('v2');
      // a bundle that is not there: the green slot keeps serving
      deployment = { blue: { dir: join(mkdtempSync(join(tmpdir(), 'autolab-serve-test-')), 'none') }, green: { dir: dirB, version: 'v2' }, live: 'blue' };
      await until(() => errors.length > 0);
      expect(String(errors[0])).toMatch(/is not a model bundle/);
      expect(router.live).toMatchObject({ slot: 'green' });
      expect(((await postJson(`${base}/predict`, [record])).body as { model: { version: string } }).model.version).toBe('v2');
      deployment = { live: 'purple' };
      await until(() => errors.some((e) => /deployment is not valid: live/.test(String(e))));
      expect(applied.length).toBe(2);
    } finally {
      await follower.stop();
    }
  });
});
