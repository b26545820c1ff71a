import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { actionInput, initLab } from './lab.js';
import type { Lab, RetrainingPolicy } from './lab-types.js';
import { resolveProject } from './project.js';
import { retrainingDue } from './train.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-retraining-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the retraining policy: when new data may be learned from once a model is in production', () => {
  it('always before production and when the tags change; after production by the policy: new-data, drift, performance, alert, manual', async () => {
    const lab = await initLab(join(dir, 'lab'), { project: 'p' });
    try {
      const project = await resolveProject(lab, 'p');
      const withPolicy = (on: RetrainingPolicy['on']): Lab => ({ ...lab, config: { ...lab.config, retraining: { p: { on, deploy: 'auto' } } } }) as Lab;
      const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
      const trained = await lab.catalog.appendAction({ ...actionInput('automl.train', 'p', at(1)), finishedAt: at(2), unit: '', inputs: { silver: 'old', tags: 't1' }, outputs: { bundle: 'b1' } });
      const newData = { silver: 'new', tags: 't1' };
      // nothing in production yet: every policy trains
      for (const on of ['drift', 'performance', 'alert', 'manual'] as const) expect(await retrainingDue(withPolicy(on), project, newData)).toBe(true);
      const { record } = await lab.catalog.registerModelVersion({ projectId: project.id, bundleHash: 'b1', files: {}, trainSeq: trained.seq, metrics: {}, leaderboard: [], lineage: {} });
      await lab.catalog.setModelStage(project.id, record.version, 'production');
      expect(await retrainingDue(withPolicy('new-data'), project, newData)).toBe(true);
      expect(await retrainingDue(lab, project, newData)).toBe(true);
      for (const on of ['drift', 'performance', 'alert', 'manual'] as const) expect(await retrainingDue(withPolicy(on), project, newData)).toBe(false);
      // the same inputs (a reuse) and changed tags (a person changed what to learn) always pass
      expect(await retrainingDue(withPolicy('manual'), project, { silver: 'old', tags: 't1' })).toBe(true);
      expect(await retrainingDue(withPolicy('manual'), project, { silver: 'new', tags: 't2' })).toBe(true);
      // a drift alert after the training in force
      await lab.catalog.appendAction({ ...actionInput('monitor.alert', 'p', at(3)), unit: '', detail: { alert: 'autolab.drift' } });
      expect(await retrainingDue(withPolicy('drift'), project, newData)).toBe(true);
      expect(await retrainingDue(withPolicy('alert'), project, newData)).toBe(true);
      expect(await retrainingDue(withPolicy('performance'), project, newData)).toBe(false);
      expect(await retrainingDue(withPolicy('manual'), project, newData)).toBe(false);
      await lab.catalog.appendAction({ ...actionInput('monitor.alert', 'p', at(4)), unit: 'predictions', detail: { alert: 'autolab.performance' } });
      expect(await retrainingDue(withPolicy('performance'), project, newData)).toBe(true);
      // a newer training: the alerts before it are spent
      await lab.catalog.appendAction({ ...actionInput('automl.train', 'p', at(5)), finishedAt: at(6), unit: '', inputs: { silver: 'new', tags: 't1' }, outputs: { bundle: 'b2' } });
      for (const on of ['drift', 'performance', 'alert'] as const) expect(await retrainingDue(withPolicy(on), project, { silver: 'newer', tags: 't1' })).toBe(false);
    } finally {
      await lab.close();
    }
  });
});
