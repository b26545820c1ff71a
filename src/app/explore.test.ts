import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labBackends } from './lab-backends.testutil.js';
import { CUSTOMERS_SQL, makeExploreLab, ORDERS_SQL, type ExploreLab } from './explore.testutil.js';
import { exploreProject, projectReport } from './explore.js';
import { currentTags, setTags } from './tags.js';

let env: ExploreLab | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

const kinds = async (e: ExploreLab) => (await e.lab.catalog.listActions({ project: 'churn' })).map((a) => a.kind);

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`autolab explore, ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('profiles new snapshots once, suggests tags, and runs round 2 once a target is confirmed', async () => {
      env = await makeExploreLab({ init: await backend.fresh() });
      const { lab, project } = env;
      await env.addSnapshot('customers', CUSTOMERS_SQL());
      await env.addSnapshot('orders', ORDERS_SQL);

      const first = await exploreProject(lab, project);
      expect(first.tables.map((t) => [t.name, t.rows, t.profiled])).toEqual([
        ['customers', 600, true],
        ['orders', 2400, true],
      ]);
      expect(first.relationships).toBeGreaterThanOrEqual(1);
      expect(first.target).toMatchObject({ table: 'customers', column: 'churn' });
      expect(first.round2).toBeNull();
      expect(first.tags.version).toBe(1);
      const tags = await currentTags(lab.catalog, project);
      const fk = tags?.tags.relationships.find((r) => r.from.table === 'orders' && r.from.column === 'customer_id');
      expect(fk).toMatchObject({ to: { table: 'customers', column: 'customer_id' }, status: 'suggested' });
      expect(tags?.tags.columns.find((c) => c.column === 'email')?.suggestion.piiKind.value).toBe('email');
      expect(await kinds(env)).toEqual(expect.arrayContaining(['explore.table', 'explore.relationships', 'tags.suggest']));

      // nothing new: nothing is profiled or recorded again
      const before = (await kinds(env)).length;
      const second = await exploreProject(lab, project);
      expect(second.tables.every((t) => !t.profiled)).toBe(true);
      expect((await kinds(env)).length).toBe(before);

      await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
      await setTags(lab.catalog, project, 'orders.customer_id->customers.customer_id', ['confirmed']);
      const third = await exploreProject(lab, project);
      expect(third.round2).toMatchObject({ reused: false });
      expect(third.round2?.leakage).toBeGreaterThanOrEqual(1);
      expect((await kinds(env)).filter((k) => k === 'explore.target')).toHaveLength(1);

      // a new snapshot of one table: only it is profiled; round 2 now sees drift between versions
      await env.addSnapshot('customers', CUSTOMERS_SQL(40));
      const fourth = await exploreProject(lab, project);
      expect(fourth.tables.map((t) => [t.name, t.version, t.profiled])).toEqual([
        ['customers', 2, true],
        ['orders', 1, false],
      ]);
      const report = await projectReport(lab, project);
      const leak = report.round2?.target?.leakage.find((l) => l.column === 'churn_copy');
      expect(leak?.kind).toBe('near_copy');
      const drift = report.round2?.drift.find((d) => d.table === 'customers');
      expect(drift?.columns.find((c) => c.column === 'tenure_months')?.level).toBe('large');
      expect(drift?.columns.find((c) => c.column === 'plan')?.level).toBe('stable');
      expect(report.round2?.joins[0]?.matchedShare).toBe(1);
      // tags confirmed on version 1 of customers survive the new snapshot
      expect((await currentTags(lab.catalog, project))?.tags.columns.find((c) => c.column === 'churn')?.confirmed.role).toBe('target');
      expect((await lab.catalog.verifyLog()).ok).toBe(true);
    });

    it('accepts the suggestions itself when the project says so', async () => {
      env = await makeExploreLab({ autoAcceptTags: true, init: await backend.fresh() });
      await env.addSnapshot('customers', CUSTOMERS_SQL());
      const out = await exploreProject(env.lab, (await env.lab.catalog.getProject('churn'))!);
      expect(out.tags).toMatchObject({ autoAccepted: true, openColumns: 0 });
      expect(out.round2).not.toBeNull();
      const tags = await currentTags(env.lab.catalog, env.project);
      expect(tags?.tags.columns.find((c) => c.column === 'churn')?.confirmed.role).toBe('target');
      expect(tags?.tags.columns.find((c) => c.column === 'email')?.confirmed).toMatchObject({ piiKind: 'email', piiPolicy: 'hash' });
    });
  });
}
