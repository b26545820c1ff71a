import { afterEach, describe, expect, it } from 'vitest';
import { CUSTOMERS_SQL, makeExploreLab, ORDERS_SQL, type ExploreLab } from './explore.testutil.js';
import { exploreProject } from './explore.js';
import { setKnownAtTag, setTargetExpressionTag } from './target-expression.js';
import { applyEditedTags, currentTags, setTags, tagsForEditing } from './tags.js';
import { checkExpressionTarget } from './target-expression.js';

let env: ExploreLab | undefined;
afterEach(async () => {
  await env?.cleanup();
  env = undefined;
});

describe('tags set TABLE.NAME role=target --expr', () => {
  it('checks the expression against the table as silver will type it, stores it, and takes it from the edited YAML', async () => {
    env = await makeExploreLab();
    const { lab, project } = env;
    await env.addSnapshot('customers', CUSTOMERS_SQL());
    await env.addSnapshot('orders', ORDERS_SQL);
    await exploreProject(lab, project);
    await setTags(lab.catalog, project, 'customers.churn', ['role=target']);

    await expect(setTargetExpressionTag(lab, project, 'customers.pricey', 'monthly_charge > 60')).rejects.toThrow(/no column "monthly_charge" in customers/);
    await expect(setTargetExpressionTag(lab, project, 'shops.pricey', 'monthly_charges > 60')).rejects.toThrow(/no table for shops.pricey/);
    const update = await setTargetExpressionTag(lab, project, 'customers.pricey', 'monthly_charges > 60', 'signup_date');
    expect(update.changed).toBe(true);
    const tags = (await currentTags(lab.catalog, project))!.tags;
    expect(tags.targetExpression).toEqual({ table: 'customers', name: 'pricey', expression: 'monthly_charges > 60', reads: ['monthly_charges'] });
    expect(tags.columns.find((c) => c.column === 'churn')?.confirmed.role).toBe('feature');
    expect(tags.columns.find((c) => c.column === 'signup_date')?.confirmed.role).toBe('time');

    await expect(setKnownAtTag(lab, project, 'orders.ordered_at', 'ordered_at + to_days(dayz)')).rejects.toThrow(/known-at expression .* no column "dayz" in orders/);
    await setKnownAtTag(lab, project, 'orders.ordered_at', 'ordered_at + INTERVAL 2 DAY');
    expect((await currentTags(lab.catalog, project))!.tags.knownAt).toEqual([{ table: 'orders', expression: 'ordered_at + INTERVAL 2 DAY', reads: ['ordered_at'] }]);

    const { base, yaml } = await tagsForEditing(lab.catalog, project);
    const check = (e: { table: string; expression: string; what: string }) => checkExpressionTarget(lab, project, base.tags, e.table, e.expression, e.what);
    const bad = await applyEditedTags(lab.catalog, project, base, yaml.replace('expr: monthly_charges > 60', 'expr: monthly > 60'), check);
    expect(bad).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/no column "monthly" in customers/) as unknown }] });
    const good = await applyEditedTags(lab.catalog, project, base, yaml.replace('expr: monthly_charges > 60', 'expr: tenure_months * 2 > monthly_charges'), check);
    expect(good.ok).toBe(true);
    expect((await currentTags(lab.catalog, project))!.tags.targetExpression?.reads).toEqual(['monthly_charges', 'tenure_months']);

    // when orders became known, edited in the YAML too: checked, and kept with what it reads
    const edit = await tagsForEditing(lab.catalog, project);
    expect(edit.yaml).toContain('ordered_at + INTERVAL 2 DAY');
    const badKnown = await applyEditedTags(lab.catalog, project, edit.base, edit.yaml.replace('ordered_at + INTERVAL 2 DAY', 'shipped_at'), check);
    expect(badKnown).toMatchObject({ ok: false, problems: [{ message: expect.stringMatching(/known-at expression "shipped_at" on orders: no column "shipped_at"/) as unknown }] });
    const goodKnown = await applyEditedTags(lab.catalog, project, edit.base, edit.yaml.replace('ordered_at + INTERVAL 2 DAY', 'ordered_at + to_days(CAST(amount AS INTEGER))'), check);
    expect(goodKnown.ok).toBe(true);
    expect((await currentTags(lab.catalog, project))!.tags.knownAt).toEqual([{ table: 'orders', expression: 'ordered_at + to_days(CAST(amount AS INTEGER))', reads: ['amount', 'ordered_at'] }]);
  });
});
