import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../automl/index.js';
import { readFrame } from '../features/index.js';
import { confirmDemoTarget, setUpDemo } from './demo.js';
import { labBackends } from './lab-backends.testutil.js';
import { runProject } from './run.js';
import { labStatus } from './status.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`runProject on the demo lab, ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('stops at the target, trains once it is confirmed, and reuses an unchanged model', async () => {
      const demo = await setUpDemo(join(dir, backend.name), await backend.fresh());
      const { lab, project } = demo;
      try {
        expect(demo.created).toBe(true);
        const first = await runProject(lab, project, { trials: 3 });
        expect(first.ingest.tables.map((t) => [t.table, t.status, t.rows])).toEqual([['customers', 'new', 7043]]);
        expect(first.explore?.target).toMatchObject({ table: 'customers', column: 'churn' });
        expect(first.train).toBeNull();
        expect(first.waitsOn).toMatch(/confirm the target column \(suggested: customers\.churn\)/);
        expect(existsSync(first.report!)).toBe(true);

        expect(await confirmDemoTarget(lab, project)).toBe(true);
        const second = await runProject(lab, project, { trials: 3 });
        expect(second.ingest.tables[0]?.status).toBe('unchanged');
        // trained and registered: the model waits for a person's approval (human moment 3)
        expect(second.waitsOn).toMatch(/^model version 1 of churn waits for approval/);
        expect(second.model).toMatchObject({ version: 1, stage: 'none', bundleHash: second.train?.bundleHash });
        const trained = second.train!;
        expect(trained.result).not.toBeNull();
        expect(trained.metric).toBe('auc');
        expect(trained.score).toBeGreaterThan(0.75);

        const { model } = loadBundle(trained.bundleDir);
        const rows = await readFrame(join(lab.root, 'data', 'customers.csv'));
        const predictions = model.predictFrame(rows);
        expect(predictions.prediction).toHaveLength(7043);
        expect(new Set(predictions.prediction).size).toBe(2);

        const third = await runProject(lab, project, { trials: 3 });
        expect(third.train?.result).toBeNull();
        expect(third.train?.bundleHash).toBe(trained.bundleHash);

        const status = await labStatus(lab);
        const stages = Object.fromEntries(status.projects[0]!.stages.map((s) => [s.stage, s.state]));
        expect(stages).toMatchObject({ sources: 'done', ingested: 'done', explored: 'done', tagged: 'done', trained: 'done', registered: 'done', approved: 'todo' });
        expect(status.projects[0]!.next).toMatchObject({ waitsOn: 'person', stage: 'approved' });
        expect(await lab.catalog.listActions({ project: 'churn', kind: 'model.register' })).toHaveLength(1);
        const actions = await lab.catalog.listActions({ project: 'churn', kind: 'automl.train' });
        expect(actions).toHaveLength(1);
        expect((await lab.catalog.verifyLog()).ok).toBe(true);
      } finally {
        await lab.close();
      }
    }, 180_000);

    it('accepts the suggestions where it would wait on the tags, when asked, and goes on to a model', async () => {
      const demo = await setUpDemo(join(dir, `${backend.name}-accept`), await backend.fresh());
      const { lab, project } = demo;
      try {
        const run = await runProject(lab, project, { trials: 2, acceptSuggested: 0 });
        expect(run.waitsOn).toMatch(/waits for approval/);
        expect(run.train?.result).not.toBeNull();
        const confirmed = await lab.catalog.listActions({ project: 'churn', kind: 'tags.confirm' });
        expect(confirmed.length).toBeGreaterThan(0);
        // nothing changed: nothing runs, with or without the flag
        expect((await runProject(lab, project, { trials: 2 })).ran).toBe(0);
        expect((await runProject(lab, project, { trials: 2, acceptSuggested: 0 })).ran).toBe(0);
      } finally {
        await lab.close();
      }
    }, 180_000);
  });
}
