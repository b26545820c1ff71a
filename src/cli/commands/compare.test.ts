import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLab } from '../../app/lab.js';
import { materializeBundle, modelVersionOf } from '../../registry/index.js';
import { serveOptionsShape, startServing, type ServingProcess } from '../../serve/index.js';
import { captureOutput, err, out, run } from './cli.testutil.js';
import { labWithModel } from './models.testutil.js';

captureOutput();

const work = mkdtempSync(join(tmpdir(), 'autolab-compare-cli-'));
const root = join(work, 'lab');
let serving: ServingProcess;

beforeAll(async () => {
  await labWithModel(root, {}, 1);
  const lab = await openLab(root);
  try {
    serving = await startServing(serveOptionsShape.parse({ modelDir: await materializeBundle(lab, await modelVersionOf(lab, 'churn', 1)), port: 0, host: '127.0.0.1', workers: 1 }));
  } finally {
    await lab.close();
  }
}, 120_000);

afterAll(async () => {
  await serving.close();
  rmSync(work, { recursive: true, force: true });
});

describe('autolab compare', () => {
  it('scores the holdout through another autolab server, prints the leaderboard row, and models list keeps it', async () => {
    process.chdir(root);
    const endpoint = `http://127.0.0.1:${serving.port}/invocations`;
    expect(await run('compare', 'churn', '--endpoint', endpoint, '--version', '1', '--cost-per-1000', '0.4', '--batch', '70', '--json')).toBe(0);
    const done = JSON.parse(out) as { project: string; version: number; format: string; costPer1000: number; latency: { requests: number }; metrics: { metric: string; evaluation: { rows: number } } };
    expect(done).toMatchObject({ project: 'churn', version: 1, format: 'mlflow', costPer1000: 0.4, metrics: { metric: 'auc', evaluation: { rows: 300 } } });
    expect(done.latency.requests).toBe(5);
    expect(err).toBe('');

    expect(await run('compare', '--endpoint', endpoint)).toBe(0);
    expect(out).toMatch(/scored the 300 out-of-fold rows of version 1 of churn in 3 requests of up to 100 rows \(probabilities\)/);
    expect(out).toMatch(/version 1 \(none\)\s+1\s+auc\s+0\.\d+ \[/);
    expect(out).toContain(`${endpoint} (mlflow)`);

    expect(await run('models', 'list')).toBe(0);
    expect(out).toMatch(/\n\s+1\s+none\s+auc\s+0\.\d+ \[/);
    const rows = out.split('\n').filter((line) => line.includes(endpoint));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/\(mlflow\)\s+1\s+auc\s+0\.\d+ \[0\.\d+, (0\.\d+|1)\]\s+-?0\.\d+ \[.*\]\s+[\d.]+ \/ [\d.]+\s+\d+\s+0\.4\s/);

    expect(await run('models', 'show', '--only', '1')).toBe(0);
    expect(out).toMatch(new RegExp(`compared with ${endpoint.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(mlflow\\) at .*: auc 0\\.\\d+ \\[.*\\], gain over this version -?0\\.\\d+ \\[.*\\], p50 / p99 [\\d.]+ / [\\d.]+ ms, \\d+ rows/s, 0\\.4 per 1,000`));

    const lab = await openLab(root);
    try {
      expect((await lab.catalog.listActions({ kind: 'model.compare' })).map((a) => a.detail['endpoint'])).toEqual([endpoint, endpoint]);
    } finally {
      await lab.close();
    }
  });

  it('errors are one line: a refused endpoint named without its password, bad flags named', async () => {
    process.chdir(root);
    const free = createServer();
    await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
    const port = (free.address() as AddressInfo).port;
    await new Promise((resolve) => free.close(resolve));
    expect(await run('compare', '--endpoint', `http://ann:pw123@127.0.0.1:${port}/invocations`)).toBe(1);
    expect(err).toBe(`autolab: endpoint http://ann:***@127.0.0.1:${port}/invocations could not be reached (ECONNREFUSED) — check the URL and that the endpoint is running\n`);
    expect(await run('compare', '--endpoint', 'http://127.0.0.1:1/x', '--format', 'grpc')).toBe(2);
    expect(err).toMatch(/--format 'grpc' is not a protocol autolab speaks/);
    expect(await run('compare', '--endpoint', 'http://127.0.0.1:1/x', '--batch', '0')).toBe(2);
    expect(err).toMatch(/--batch '0' is not a positive whole number/);
    expect(await run('compare', '--endpoint', 'http://127.0.0.1:1/x', '--version', '9', '--json')).toBe(1);
    expect(JSON.parse(out)).toMatchObject({ error: expect.stringMatching(/version 9/) as unknown });
    // autolab's own --version is before a command
    expect(await run('--version')).toBe(0);
    expect(out).toBe('0.1.0\n');
  });
});
