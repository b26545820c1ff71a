import { afterAll, describe, expect, it } from 'vitest';
import { catalogBackends } from '../catalog/catalog.testutil.js';
import { openCatalog } from '../catalog/index.js';
import { InputError } from '../common/index.js';
import { confirmedTagsHash } from '../explore/index.js';
import type { TagSet } from '../explore/index.js';
import { fixtureTags } from '../explore/tags/tags.testutil.js';
import { acceptTags, applyEditedTags, commitTags, currentTags, setTags, tagsForEditing } from './tags.js';

describe.each(catalogBackends)('tags on the $name catalog', (backend) => {
  afterAll(() => backend.cleanup());

  describe.skipIf(backend.skip)(`(${backend.skip || 'available'})`, () => {
    it('versions every change with who and when, and records tags.confirm with the tag hash', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const project = await catalog.createProject('churn');
        await expect(setTags(catalog, project, 'customers.churn', ['role=target'])).rejects.toBeInstanceOf(InputError);

        const first = await commitTags(catalog, project, () => ({ tags: fixtureTags(), changes: [] }), { author: 'autolab' });
        expect(first).toMatchObject({ version: 1, changed: true });

        process.env['AUTOLAB_USER'] = 'ada';
        const second = await setTags(catalog, project, 'customers.churn', ['role=target']);
        expect(second).toMatchObject({ version: 2, changed: true, changes: ['customers.churn role=target'] });
        const again = await setTags(catalog, project, 'customers.churn', ['role=target']);
        expect(again).toMatchObject({ version: 2, changed: false });

        const rel = await setTags(catalog, project, 'orders.customer_id->customers.customer_id', ['rejected']);
        expect(rel.version).toBe(3);
        const accepted = await acceptTags(catalog, project, 0.9);
        expect(accepted.version).toBe(4);
        delete process.env['AUTOLAB_USER'];

        const current = await currentTags(catalog, project);
        expect(current?.version).toBe(4);
        expect(current?.author).toBe('ada');
        const tags = current?.tags as TagSet;
        // the rejected relationship stays rejected even though its confidence passes 0.9
        expect(tags.relationships[0]?.status).toBe('rejected');
        expect(tags.columns.find((c) => c.column === 'email')?.confirmed.piiPolicy).toBe('hash');
        expect(current?.confirmedHash).toBe(confirmedTagsHash(tags));

        const history = await catalog.listTagVersions(project.id);
        expect(history.map((h) => [h.version, h.author])).toEqual([
          [1, 'autolab'],
          [2, 'ada'],
          [3, 'ada'],
          [4, 'ada'],
        ]);
        expect(new Set(history.map((h) => h.confirmedHash)).size).toBe(4);
        expect(history.every((h) => !Number.isNaN(Date.parse(h.createdAt)))).toBe(true);

        const actions = await catalog.listActions({ project: 'churn', kind: 'tags.confirm' });
        expect(actions).toHaveLength(4);
        expect(actions.map((a) => a.outputs['tags'])).toEqual(history.map((h) => h.confirmedHash));
        expect(actions[1]?.inputs['tags']).toBe(history[0]?.confirmedHash);
        expect((await catalog.verifyLog()).ok).toBe(true);
      } finally {
        await catalog.close();
      }
    });

    it('applies an edited YAML: problems with their line write nothing, a valid text is the next version', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const project = await catalog.createProject('churn');
        await commitTags(catalog, project, () => ({ tags: fixtureTags(), changes: [] }), { author: 'autolab' });
        const { base, yaml } = await tagsForEditing(catalog, project);
        expect(base.version).toBe(1);

        const lines = yaml.split('\n');
        const churnRole = lines.indexOf('    churn:') + 1;
        const bad = lines.map((l, i) => (i === churnRole ? '      role: bosss' : l)).join('\n');
        const refused = await applyEditedTags(catalog, project, base, bad);
        expect(refused.ok).toBe(false);
        if (!refused.ok) expect(refused.problems.map((p) => p.line)).toEqual([churnRole + 1]);
        expect((await currentTags(catalog, project))?.version).toBe(1);

        const good = lines.map((l, i) => (i === churnRole ? '      role: group' : l)).join('\n');
        const applied = await applyEditedTags(catalog, project, base, good);
        expect(applied.ok && applied.update).toMatchObject({ version: 2, changed: true });
        expect((await currentTags(catalog, project))?.tags.columns.find((c) => c.column === 'churn')?.confirmed.role).toBe('group');
      } finally {
        await catalog.close();
      }
    });
  });
});
