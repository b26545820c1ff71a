import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatOutcome } from '../cli/commands/run.js';
import { loadLoop, until } from '../serve/load-loop.testutil.js';
import { serveOptionsShape, startServing } from '../serve/index.js';
import { initLab, openLab } from './lab.js';
import { approveModel, changeDeployment } from './models.js';
import { resolveProject } from './project.js';
import { runProject } from './run.js';
import { deploymentFileOf, followProjectDeployment, projectDeployment, writeDeploymentFile } from './serve-project.js';
import { addSource } from './sources.js';
import { seattleByYear } from './seattle.testutil.js';
import { setTags } from './tags.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-retraining-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the retraining loop on real data: seattle-weather, a model of 2012–2013 in production, then 2014 arrives', () => {
  it('flags drift, trains a challenger on the latest snapshot, the policy approves it on the new rows, it goes live blue-green while the service keeps answering', async () => {
    const years = seattleByYear();
    const header = years.get('2012')![0]!;
    const year = (y: string) => years.get(y)!.slice(1);
    const csv = join(dir, 'weather.csv');
    writeFileSync(csv, [header, ...year('2012'), ...year('2013')].join('\n') + '\n');
    await (await initLab(join(dir, 'lab'), { project: 'w' })).close();
    // retrain only when monitoring raises an alert; a challenger no worse than the champion on the new rows is approved
    appendFileSync(join(dir, 'lab', 'autolab.yaml'), 'approval:\n  w:\n    autoApproveMargin: 0\nretraining:\n  w:\n    on: drift\n');
    const lab = await openLab(join(dir, 'lab'));
    try {
      await addSource(lab, 'w', 'weather', csv, { cwd: dir });
      const project = await resolveProject(lab, 'w');
      await runProject(lab, project, { trials: 2 });
      await setTags(lab.catalog, project, 'weather.weather', ['role=target']);
      await setTags(lab.catalog, project, 'weather.date', ['role=time']);
      expect((await runProject(lab, project, { trials: 2 })).waitsOn).toMatch(/^model version 1 of w waits for approval/);
      // human moment 3 for the first model; the next run puts it live
      await approveModel(lab, 'w', 1, { by: 'ana' });
      expect((await runProject(lab, project, { trials: 2 })).waitsOn).toBeNull();
      expect(await lab.catalog.getDeployment(project.id)).toMatchObject({ live: 'blue', slots: { blue: 1, green: null } });

      // the service, as `autolab serve w` runs it, under a steady load of real requests
      const first = await projectDeployment(lab, 'w');
      const file = deploymentFileOf(lab, 'w');
      await writeDeploymentFile(file, first.deployment);
      const serving = await startServing(serveOptionsShape.parse({ deploymentFile: file, port: 0, host: '127.0.0.1', workers: 1, pollMs: 50 }));
      const follower = followProjectDeployment(lab, 'w', file, first.revision, { intervalMs: 50 });
      let stop!: () => void;
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const record = { date: '2014-06-01', precipitation: 0, temp_max: 22.2, temp_min: 11.1, wind: 3.1 };
      const load = loadLoop(`http://127.0.0.1:${serving.port}/predict`, { records: [record] }, 2, stopped);
      try {
        const before = Math.max(...(await lab.catalog.listActions({ project: 'w' })).map((a) => a.seq));
        // 2014 arrives: the source grows by a year
        appendFileSync(csv, year('2014').join('\n') + '\n');
        const loop = await runProject(lab, project, { trials: 2 });
        expect(loop.waitsOn).toBeNull();
        expect(loop.model).toMatchObject({ version: 2, stage: 'production' });
        // what autolab run prints: the policy's figures and the switch
        const printed = formatOutcome(loop).join('\n');
        expect(printed).toMatch(/^approval policy on version 2: approved by the project's policy: logloss [\d.]+ against [\d.]+ on the same \d+ held-out rows, all new since the production model's training/m);
        expect(printed).toContain('version 2 is in production and live in slot green (version 1 kept in the other slot: autolab deploy rollback --project w)');

        // each step an action, in the loop's order: drift flagged before anything was trained
        const steps = (await lab.catalog.listActions({ project: 'w' })).filter((a) => a.seq > before).sort((a, b) => a.seq - b.seq);
        const order = (kind: string) => steps.findIndex((a) => a.kind === kind);
        const drift = steps.find((a) => a.kind === 'monitor.drift')!;
        expect(drift.detail).toMatchObject({ datasetDrift: true });
        for (const [earlier, later] of [['monitor.drift', 'monitor.alert'], ['monitor.alert', 'automl.train'], ['automl.train', 'model.register'], ['model.register', 'model.policy'], ['model.policy', 'model.rollout']] as const) {
          expect(order(earlier), `${earlier} before ${later}`).toBeGreaterThanOrEqual(0);
          expect(order(earlier), `${earlier} before ${later}`).toBeLessThan(order(later));
        }
        expect(steps.find((a) => a.kind === 'monitor.alert')?.detail['alert']).toBe('autolab.drift');
        // the challenger learned from the latest snapshot, all three years
        expect(steps.find((a) => a.kind === 'automl.train')?.detail['rows']).toBe(1096);
        // compared on the rows the champion never saw: 2014's, held out by the challenger
        const policy = steps.find((a) => a.kind === 'model.policy')!;
        expect(policy.detail).toMatchObject({ approved: true, version: 2, champion: 1 });
        const comparison = policy.detail['comparison'] as { rows: number; newToChampion: number; gain: { value: number } };
        expect(comparison.newToChampion).toBe(comparison.rows);
        expect(comparison.rows).toBeGreaterThanOrEqual(50);
        expect(comparison.rows).toBeLessThanOrEqual(365);
        expect(comparison.gain.value).toBeGreaterThanOrEqual(0);
        expect(steps.find((a) => a.kind === 'model.rollout')?.detail).toMatchObject({ version: 2, slot: 'green', replaced: 1, archived: 1 });

        // the server follows: version 2 answers from green, version 1 stays in blue for a rollback
        await until(async () => ((await (await fetch(`http://127.0.0.1:${serving.port}/ready`)).json()) as { live: string }).live === 'green');
        const answer = (await (await fetch(`http://127.0.0.1:${serving.port}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ records: [record] }) })).json()) as { predictions: unknown[] };
        expect(answer.predictions).toHaveLength(1);
        expect(await lab.catalog.getDeployment(project.id)).toMatchObject({ live: 'green', slots: { blue: 1, green: 2 }, previousLive: 'blue' });

        // nothing changed: the loop is done, and a second run does nothing
        expect((await runProject(lab, project, { trials: 2 })).ran).toBe(0);
        // the old version takes the traffic back on request
        expect((await changeDeployment(lab, 'w', { kind: 'rollback' })).promoted).toBe(1);
        await until(async () => ((await (await fetch(`http://127.0.0.1:${serving.port}/ready`)).json()) as { live: string }).live === 'blue');
      } finally {
        stop();
        await load;
        await follower.stop();
        await serving.close();
      }
      // the service never stopped answering: every request answered 200, by both versions in turn
      const seen = await load;
      expect(seen.failures).toEqual([]);
      expect([...seen.byStatus.keys()]).toEqual([200]);
      expect(seen.byVersion.get('1')).toBeGreaterThan(0);
      expect(seen.byVersion.get('2')).toBeGreaterThan(0);
    } finally {
      await lab.close();
    }
  }, 300_000);
});
