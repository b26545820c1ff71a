import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadLoop } from './load-loop.testutil.js';
import { loadServedModel } from './served-model.js';
import { serveOptionsShape } from './serve-options.js';
import { startServing } from './serving-process.js';
import { trainTinyBundle } from './serve.testutil.js';

const record = { x: 4, color: 'red', flag: true, day: '2024-03-01' };

describe('serving from a deployment file', () => {
  let dirA: string;
  let dirB: string;
  beforeAll(async () => {
    [dirA, dirB] = await Promise.all([trainTinyBundle(7, 'a'), trainTinyBundle(8, 'b')]);
  }, 60_000);

  it('follows the file as it changes, under load, without failing a request', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'autolab-serve-deploy-')), 'deployment.json');
    writeFileSync(file, JSON.stringify({ blue: { dir: dirA }, live: 'blue' }));
    const serving = await startServing(serveOptionsShape.parse({ deploymentFile: file, port: 0, host: '127.0.0.1', workers: 1, pollMs: 20 }));
    const versionB = loadServedModel(dirB).version;
    try {
      // each step waits for answers, not for time: a loaded machine may answer few requests in 100 ms
      const answered = (slot: string) => serving.metrics.snapshot()[`autolab_requests_total{route="/invocations",code="200",slot="${slot}"}`] ?? 0;
      const until = async (condition: () => boolean) => {
        while (!condition()) await new Promise((r) => setTimeout(r, 10));
      };
      const steps = (async () => {
        await until(() => answered('blue') >= 5);
        writeFileSync(file, JSON.stringify({ blue: { dir: dirA }, green: { dir: dirB }, live: 'blue', weights: { blue: 1, green: 1 } }));
        await until(() => serving.router.config.weights !== undefined);
        await until(() => answered('green') >= 5);
        writeFileSync(file, JSON.stringify({ blue: { dir: dirA }, green: { dir: dirB }, live: 'green' }));
        await until(() => serving.router.live.slot === 'green' && serving.router.config.weights === undefined);
        const greenBefore = answered('green');
        await until(() => answered('green') >= greenBefore + 5);
        // a file being written is not JSON for a moment: the slots stay as they are
        writeFileSync(file, '{"blue": ');
        await new Promise((r) => setTimeout(r, 100));
        expect(serving.router.live.model.version).toBe(versionB);
        await expect(serving.reload()).rejects.toThrow(/is not valid JSON/);
        expect(serving.router.live.model.version).toBe(versionB);
      })();
      const result = await loadLoop(`http://127.0.0.1:${serving.port}/invocations`, { dataframe_records: [record] }, 4, steps);
      await steps;
      expect(result.failures).toEqual([]);
      expect([...result.byStatus.keys()]).toEqual([200]);
      expect(result.bySlot.get('green')).toBeGreaterThan(0);
      expect(result.bySlot.get('blue')).toBeGreaterThan(0);
    } finally {
      await serving.close();
    }
  }, 60_000);
});

describe('the prediction log of a server in a lab', () => {
  it("goes to the lab's lake, under lake/predictions/<model>/", async () => {
    const { initLab, openLab } = await import('../app/index.js');
    const { openDuckEngine, queryRows } = await import('../lake/index.js');
    const root = join(mkdtempSync(join(tmpdir(), 'autolab-serve-lab-')), 'lab');
    await (await initLab(root)).close();
    const modelDir = await trainTinyBundle(9, 'churn-model');
    const serving = await startServing(serveOptionsShape.parse({ modelDir, labRoot: root, port: 0, host: '127.0.0.1', workers: 1, logFlushMs: 600_000 }));
    for (let i = 0; i < 7; i++) {
      const response = await fetch(`http://127.0.0.1:${serving.port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([record]) });
      expect(response.status).toBe(200);
    }
    await serving.close();
    const lab = await openLab(root);
    const engine = await openDuckEngine(lab.workDir);
    try {
      const keys = await lab.store.listObjects('lake/predictions/');
      expect(keys.length).toBe(1);
      expect(keys[0]).toMatch(/^lake\/predictions\/churn-model\/predictions-.*\.parquet$/);
      const [[rows]] = (await queryRows(engine.conn, 'SELECT count(*) FROM read_parquet($p)', { p: await lab.store.localPathFor(keys[0]!) })) as [[bigint]];
      expect(Number(rows)).toBe(7);
    } finally {
      engine.close();
      await lab.close();
    }
  }, 60_000);
});
