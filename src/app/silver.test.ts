import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, predictFile } from '../automl/index.js';
import { exportTable } from './export.js';
import { labBackends } from './lab-backends.testutil.js';
import { initLab } from './lab.js';
import { resolveProject } from './project.js';
import { runProject } from './run.js';
import { addSource } from './sources.js';
import { currentAggregates } from './stages/aggregates-stage.js';
import { currentSilver } from './stages/silver-stage.js';
import { applyEditedTags, setTags, tagsForEditing } from './tags.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-silver-app-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * customers: a key, e-mail addresses (personal data, hashed), ages with `N/A`
 * missing or the sentinel -999, amounts with `N/A` or -999, plans written with stray spaces, a yes/no target. usage: rows per customer.
 */
function writeData(root: string): void {
  const customers = ['customer_id,email,age,plan,monthly,churn'];
  const usage = ['customer_id,day,minutes,channel'];
  for (let i = 1; i <= 400; i++) {
    const age = i % 50 === 0 ? '' : i % 67 === 0 ? '-999' : String(18 + ((i * 7) % 60));
    const plan = ['basic', ' plus', 'max '][i % 3];
    const monthly = i % 40 === 0 ? 'N/A' : i % 90 === 0 ? '-999' : (20 + ((i * 13) % 80)).toFixed(2);
    const churn = (i * 7) % 60 > 35 || i % 3 === 1 ? 'Yes' : 'No';
    customers.push(`C${i},user${i}@example.org,${age},${plan},${monthly},${churn}`);
    for (let k = 0; k < 1 + (i % 3); k++) usage.push(`C${i},2026-0${1 + (i % 3)}-${10 + 5 * k + (i % 4)},${(i * 31 + k * 17) % 500},${['app', 'web', 'phone'][(i + k) % 3]}`);
  }
  writeFileSync(join(root, 'customers.csv'), `${customers.join('\n')}\n`);
  writeFileSync(join(root, 'usage.csv'), `${usage.join('\n')}\n`);
}

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`silver in autolab run, ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('builds silver per table once the target is confirmed, trains on it, and scores raw rows cleaned alike', async () => {
      const root = join(dir, backend.name);
      mkdirSync(root, { recursive: true });
      writeData(root);
      const lab = await initLab(root, { ...(await backend.fresh()), project: 'p' });
      try {
        await addSource(lab, 'p', 'customers', join(root, 'customers.csv'), { cwd: root });
        await addSource(lab, 'p', 'usage', join(root, 'usage.csv'), { cwd: root });
        const project = await resolveProject(lab, 'p');
        const first = await runProject(lab, project, { trials: 2 });
        expect(first.waitsOn).toMatch(/confirm the target column/);
        expect((await currentSilver(lab, project)).waitsOn).toMatch(/confirm the target/);

        await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
        await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
        await setTags(lab.catalog, project, 'customers.email', ['pii=email', 'policy=hash']);
        const second = await runProject(lab, project, { trials: 2 });
        expect(second.waitsOn).toMatch(/waits for approval/);
        expect(second.train?.result).not.toBeNull();

        const silver = await currentSilver(lab, project);
        expect(silver.missing).toEqual([]);
        const customers = silver.tables.find((t) => t.table === 'customers')!;
        expect(customers.report).toMatchObject({ rowsIn: 400, rowsOut: 400, quarantined: 0, duplicatesRemoved: 0, key: ['customer_id'] });
        const age = customers.plan.columns.find((c) => c.name === 'age')!;
        expect(age).toMatchObject({ cast: null, nullNumbers: [-999] });
        // numbers written as text beside N/A: cast, and the sentinel found among them is no value either
        expect(customers.plan.columns.find((c) => c.name === 'monthly')).toMatchObject({ cast: 'number', trim: true, nullNumbers: [-999] });
        expect(customers.plan.columns.find((c) => c.name === 'email')?.pii).toBe('hash');
        // rules learned by exploration were checked: the usage rows all refer to a customer
        const usage = silver.tables.find((t) => t.table === 'usage')!;
        expect(usage.report.rules.find((r) => r.kind === 'references')).toMatchObject({ failed: 0 });
        // business aggregates of usage's minutes per day, week and month, over all rows and per channel
        const aggregates = await currentAggregates(lab, project);
        expect(aggregates.map((a) => a.name)).toEqual(['usage_day_daily', 'usage_day_weekly', 'usage_day_monthly']);
        expect(aggregates[0]!.spec).toEqual({ table: 'usage', time: 'day', measures: ['minutes'], dimensions: ['channel'] });
        const monthlyCsv = join(root, 'monthly.csv');
        expect(await exportTable(lab, project, 'gold.usage_day_monthly', monthlyCsv)).toMatchObject({ layer: 'gold', rows: 3 + 6 }); // 3 months, and 1, 2 and 3 channels in them
        const monthly = readFileSync(monthlyCsv, 'utf8').trim().split('\n');
        expect(monthly[0]).toBe('period,dimension,member,rows,minutes_sum,minutes_mean,minutes_min,minutes_max');
        expect(monthly.filter((l) => l.includes(',(all),')).reduce((n, l) => n + Number(l.split(',')[3]), 0)).toBe(usage.report.rowsOut);

        // the HTML report shows the quality report of each table's build
        const html = readFileSync(second.report!, 'utf8');
        expect(html).toContain('<section id="quality">');
        expect(html).toMatch(/<code>usage\.customer_id:references<\/code>/);

        // the model learned from silver, without the hashed e-mail; its bundle cleans raw rows the same way
        const { model } = loadBundle(second.train!.bundleDir);
        expect(model.manifest.clean?.table).toBe('customers');
        expect(model.manifest.schema.map((c) => c.name)).not.toContain('email');
        const out = join(root, 'predictions.csv');
        const scored = await predictFile(second.train!.bundleDir, join(root, 'customers.csv'), out);
        expect(scored.rows).toBe(400);
        expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(401);

        // new rows arrive: a plan never seen and the key C7 again. The rules learned from the first
        // snapshot stand: the new plan is counted, the repeated key removed, every row accounted for
        appendFileSync(join(root, 'customers.csv'), 'C401,user401@example.org,30,platinum,50.00,No\nC7,user7@example.org,25,basic,44.00,No\n');
        const third = await runProject(lab, project, { trials: 2 });
        expect(third.waitsOn).toMatch(/waits for approval/);
        const grown = (await currentSilver(lab, project)).tables.find((t) => t.table === 'customers')!;
        expect(grown.report).toMatchObject({ rowsIn: 402, rowsOut: 401, quarantined: 0, duplicatesRemoved: 1 });
        expect(grown.report.rules.find((r) => r.id === 'customers.plan:one_of')).toMatchObject({ action: 'warn', failed: 1, examples: ['platinum'] });

        // a person makes that rule quarantine: silver of customers and training run again, usage's silver is reused
        const { base, yaml } = await tagsForEditing(lab.catalog, project);
        const edited = yaml.replace(/(rule: customers\.plan:one_of\n(?:\s+.*\n)*?\s+action:) warn/, '$1 quarantine');
        expect(edited).not.toBe(yaml);
        expect(await applyEditedTags(lab.catalog, project, base, edited)).toMatchObject({ ok: true });
        const fourth = await runProject(lab, project, { trials: 2 });
        const ran = fourth.stale.map((s) => `${s.stage} ${s.unit.unit}`);
        expect(ran).toContain('silver.build customers');
        expect(ran).not.toContain('silver.build usage');
        expect(ran).not.toContain('gold.aggregates usage.day');
        expect(ran).toContain('automl.train ');
        const quarantined = (await currentSilver(lab, project)).tables.find((t) => t.table === 'customers')!;
        expect(quarantined.report).toMatchObject({ rowsIn: 402, rowsOut: 400, quarantined: 1, duplicatesRemoved: 1 });

        // the layers leave for other tools: silver without the addresses, the quarantine with the rules broken
        const silverCsv = join(root, 'silver.csv');
        expect(await exportTable(lab, project, 'silver.customers', silverCsv)).toMatchObject({ layer: 'silver', table: 'customers', rows: 400 });
        expect(readFileSync(silverCsv, 'utf8')).not.toContain('@example.org');
        const quarantineCsv = join(root, 'quarantine.csv');
        expect(await exportTable(lab, project, 'quarantine.customers', quarantineCsv)).toMatchObject({ rows: 1 });
        expect(readFileSync(quarantineCsv, 'utf8')).toMatch(/C401,.*platinum.*customers\.plan:one_of/);
        await expect(exportTable(lab, project, 'silver.customers', silverCsv)).rejects.toThrow(/exists already/);

        const fifth = await runProject(lab, project, { trials: 2 });
        expect(fifth.stale.map((s) => `${s.stage} ${s.unit.unit}: ${s.reason}`)).toEqual([]);
        expect(fifth.ran).toBe(0);
      } finally {
        await lab.close();
      }
    }, 240_000);
  });
}
