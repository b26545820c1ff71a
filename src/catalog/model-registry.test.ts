import { afterAll, describe, expect, it } from 'vitest';
import { InputError, LabError } from '../common/index.js';
import { catalogBackends } from './catalog.testutil.js';
import { openCatalog } from './open-catalog.js';

const entry = (projectId: number, bundleHash: string) => ({
  projectId,
  bundleHash,
  files: { 'bundle.json': `h-${bundleHash}` },
  trainSeq: 7,
  metrics: { metric: 'auc', value: 0.8 },
  leaderboard: [{ rank: 1, model: 'gbdt' }],
  lineage: { seed: 0 },
});

describe.each(catalogBackends)('model registry on $name', (backend) => {
  afterAll(() => backend.cleanup());

  describe.skipIf(backend.skip)(`(${backend.skip || 'available'})`, () => {
    it('numbers versions per project, registers a bundle once, keeps one production version and the approvals', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const churn = await catalog.createProject('churn');
        const other = await catalog.createProject('other');
        const first = await catalog.registerModelVersion(entry(churn.id, 'a'));
        expect(first.created).toBe(true);
        expect(first.record).toMatchObject({ version: 1, stage: 'none', trainSeq: 7, files: { 'bundle.json': 'h-a' }, approvals: [] });
        const again = await catalog.registerModelVersion(entry(churn.id, 'a'));
        expect(again).toMatchObject({ created: false, record: { version: 1 } });
        // two writers at once take distinct numbers
        const [b, c] = await Promise.all([catalog.registerModelVersion(entry(churn.id, 'b')), catalog.registerModelVersion(entry(churn.id, 'c'))]);
        expect([b.record.version, c.record.version].sort()).toEqual([2, 3]);
        expect((await catalog.registerModelVersion(entry(other.id, 'a'))).record.version).toBe(1);

        expect((await catalog.setModelStage(churn.id, 1, 'production')).archived).toBeNull();
        const promoted = await catalog.setModelStage(churn.id, 2, 'production');
        expect(promoted.archived).toBe(1);
        const stages = (await catalog.listModelVersions(churn.id)).map((m) => [m.version, m.stage]);
        expect(stages).toEqual([[1, 'archived'], [2, 'production'], [3, 'none']]);
        expect((await catalog.listModelVersions(other.id)).map((m) => m.stage)).toEqual(['none']);
        await expect(catalog.setModelStage(churn.id, 9, 'staging')).rejects.toBeInstanceOf(InputError);

        await catalog.addModelApproval(churn.id, 3, { by: 'ana', note: 'checked the card' });
        await catalog.addModelApproval(churn.id, 3, { by: 'bo', note: null });
        const three = await catalog.getModelVersion(churn.id, 3);
        expect(three?.approvals.map((a) => [a.by, a.note])).toEqual([['ana', 'checked the card'], ['bo', null]]);
        expect((await catalog.getModelVersion(churn.id, 2))?.approvals).toEqual([]);
        await expect(catalog.addModelApproval(churn.id, 9, { by: 'ana', note: null })).rejects.toBeInstanceOf(InputError);
      } finally {
        await catalog.close();
      }
    });

    it('writes deployments revision by revision and refuses a change made on an older one', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const churn = await catalog.createProject('churn');
        expect(await catalog.getDeployment(churn.id)).toBeUndefined();
        const base = { projectId: churn.id, slots: { blue: 1, green: null }, live: 'blue' as const, weights: { blue: 100, green: 0 }, shadow: null, previousLive: null };
        const first = await catalog.saveDeployment(base, 0);
        expect(first).toMatchObject({ ...base, revision: 1 });
        const second = await catalog.saveDeployment({ ...base, slots: { blue: 1, green: 2 }, shadow: 'green' }, 1);
        expect(second).toMatchObject({ slots: { blue: 1, green: 2 }, shadow: 'green', revision: 2 });
        await expect(catalog.saveDeployment(base, 1)).rejects.toBeInstanceOf(LabError);
        expect(await catalog.getDeployment(churn.id)).toEqual(second);
      } finally {
        await catalog.close();
      }
    });
  });
});
