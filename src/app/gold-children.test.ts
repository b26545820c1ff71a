import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, predictFile } from '../automl/index.js';
import { textColumnsOf } from '../features/index.js';
import { exportTable } from './export.js';
import { goldFeaturesOf } from './gold-features.js';
import { labBackends } from './lab-backends.testutil.js';
import { initLab } from './lab.js';
import { resolveProject } from './project.js';
import { runProject } from './run.js';
import { addSource } from './sources.js';
import { currentGold } from './stages/gold-stage.js';
import { setTags } from './tags.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-gold-children-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * customers (the target: `churn`, no time column) and their orders: a customer who churns has
 * fewer and smaller orders. Without a cut-off every order counts; a new customer is scored from the
 * orders silver holds for them.
 */
function writeData(root: string): void {
  const customers = ['customer_id,plan,churn'];
  const orders = ['order_id,customer_id,amount'];
  let order = 0;
  for (let i = 1; i <= 300; i++) {
    const churn = (i * 37) % 100 < 35;
    customers.push(`C${i},${['basic', 'plus', 'pro'][i % 3]},${churn ? 'yes' : 'no'}`);
    const count = churn ? 1 + (i % 2) : 3 + (i % 4);
    for (let k = 0; k < count; k++) orders.push(`O${++order},C${i},${((churn ? 20 : 60) + ((i * 13 + k * 7) % 40)).toFixed(2)}`);
  }
  // orders of two customers the model has not seen, scored as new rows
  for (const [id, n] of [['N1', 6], ['N2', 1]] as const) for (let k = 0; k < n; k++) orders.push(`O${++order},${id},${(n > 2 ? 75 : 22).toFixed(2)}`);
  writeFileSync(join(root, 'customers.csv'), `${customers.join('\n')}\n`);
  writeFileSync(join(root, 'orders.csv'), `${orders.join('\n')}\n`);
  writeFileSync(join(root, 'new-customers.csv'), 'customer_id,plan\nN1,plus\nN2,basic\n');
}

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`gold with a child table, ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('aggregates the orders of each customer, trains on them, and scores new customers from the orders in silver', async () => {
      const root = join(dir, backend.name);
      mkdirSync(root, { recursive: true });
      writeData(root);
      const lab = await initLab(join(root, 'lab'), { ...(await backend.fresh()), project: 'p' });
      try {
        await addSource(lab, 'p', 'customers', join(root, 'customers.csv'), { cwd: root });
        await addSource(lab, 'p', 'orders', join(root, 'orders.csv'), { cwd: root });
        const project = await resolveProject(lab, 'p');
        await runProject(lab, project, { trials: 2 });
        await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
        await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
        await setTags(lab.catalog, project, 'orders.customer_id->customers.customer_id', ['confirmed']);
        const run = await runProject(lab, project, { trials: 2 });
        expect(run.waitsOn).toMatch(/waits for approval/);

        const gold = await currentGold(lab, project);
        if (!gold.applies || !gold.table) throw new Error('no gold table was built');
        expect(gold.table.manifest.rows).toBe(300);
        const features = gold.table.manifest.plan.features.map((f) => f.name);
        // count and mean go as |r| > 0.95 with sum and max here; what is left is still the orders
        expect(features).toEqual(expect.arrayContaining(['sum(orders.amount by customer_id)', 'max(orders.amount by customer_id)']));
        expect(gold.plan.features.map((f) => f.name)).toEqual(expect.arrayContaining(['count(orders by customer_id)', 'mean(orders.amount by customer_id)']));
        expect(features).not.toContain('customer_id');
        const exported = join(root, 'gold.csv');
        await exportTable(lab, project, 'gold', exported);
        const [header, ...rows] = readFileSync(exported, 'utf8').trim().split('\n');
        const sum = header!.split(',').indexOf('sum(orders.amount by customer_id)');
        // C1 does not churn (37 < 35 is false): 3 + 1 % 4 = 4 orders of 60 + (13 + 7k) % 40
        expect(Number(rows[0]!.split(',')[sum])).toBeCloseTo(73 + 80 + 87 + 94, 6);

        const { model } = loadBundle(run.train!.bundleDir);
        const out = join(root, 'predictions.csv');
        const scored = await predictFile(model, join(root, 'new-customers.csv'), out, {
          frameOf: (path) => goldFeaturesOf(lab, model.manifest.gold!, model.manifest.clean, path, textColumnsOf(model.manifest.pipeline)),
        });
        expect(scored.rows).toBe(2);
        const [head, many, one] = readFileSync(out, 'utf8').trim().split('\n');
        const yes = head!.split(',').indexOf('proba_yes');
        // six large orders against one small one: the second looks like a churner
        expect(Number(one!.split(',')[yes])).toBeGreaterThan(Number(many!.split(',')[yes]));

        // rows without a column the features read: one line saying so
        writeFileSync(join(root, 'no-plan.csv'), 'customer_id\nN1\n');
        await expect(goldFeaturesOf(lab, model.manifest.gold!, model.manifest.clean, join(root, 'no-plan.csv'), [])).rejects.toThrow(/^the features of customers cannot be computed: .*"plan"/);
      } finally {
        await lab.close();
      }
    }, 180_000);
  });
}
