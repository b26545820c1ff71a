import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveOptionsShape, startServing } from '../serve/index.js';
import { until } from '../serve/load-loop.testutil.js';
import { confirmDemoTarget, setUpDemo } from './demo.js';
import { approveModel, changeDeployment, promoteModel } from './models.js';
import { runProject } from './run.js';
import { deploymentFileOf, followProjectDeployment, projectDeployment, writeDeploymentFile } from './serve-project.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-serve-project-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function ready(port: number): Promise<{ live: string; blue: { version: string } | null; green: { version: string } | null; shadow: boolean }> {
  return (await (await fetch(`http://127.0.0.1:${port}/ready`)).json()) as never;
}

describe('autolab serve PROJECT', () => {
  it('serves the production version, then follows the deployment record the deploy commands change', async () => {
    const { lab, project } = await setUpDemo(join(dir, 'lab'));
    try {
      await runProject(lab, project, { trials: 1 });
      await confirmDemoTarget(lab, project);
      expect((await runProject(lab, project, { trials: 1 })).waitsOn).toMatch(/waits for approval/);
      // nothing in production: nothing to serve, and the user is told how to get there
      await expect(projectDeployment(lab, 'churn')).rejects.toThrow(/no model in production.*autolab approve/);

      await approveModel(lab, 'churn', 1, { by: 'test' });
      await promoteModel(lab, 'churn', 1, 'production');
      const first = await projectDeployment(lab, 'churn');
      expect(first).toMatchObject({ revision: 0, deployment: { live: 'blue', blue: { version: '1' }, green: null, shadow: false } });
      const file = deploymentFileOf(lab, 'churn');
      await writeDeploymentFile(file, first.deployment);
      const serving = await startServing(serveOptionsShape.parse({ deploymentFile: file, port: 0, host: '127.0.0.1', workers: 1, pollMs: 50 }));
      const follower = followProjectDeployment(lab, 'churn', file, first.revision, { intervalMs: 50 });
      try {
        const answer = await fetch(`http://127.0.0.1:${serving.port}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'text/csv' },
          body: readFileSync(join(lab.root, 'data', 'customers.csv'), 'utf8').split('\n').slice(0, 3).join('\n'),
        });
        expect(answer.status).toBe(200);
        expect(((await answer.json()) as { predictions: unknown[] }).predictions).toHaveLength(2);

        // the record changes: version 1 in green too, traffic switched to it, then shadowed from blue
        await changeDeployment(lab, 'churn', { kind: 'load', version: 1, slot: 'blue' });
        await changeDeployment(lab, 'churn', { kind: 'load', version: 1, slot: 'green' });
        await changeDeployment(lab, 'churn', { kind: 'switch' });
        await until(async () => (await ready(serving.port)).live === 'green');
        expect(await ready(serving.port)).toMatchObject({ live: 'green', blue: { version: '1' }, green: { version: '1' } });
        await changeDeployment(lab, 'churn', { kind: 'shadow', slot: 'blue' });
        await until(async () => (await ready(serving.port)).shadow);
      } finally {
        await follower.stop();
        await serving.close();
      }
    } finally {
      await lab.close();
    }
  }, 180_000);
});
