import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GENESIS_HASH, actionHash, openCatalog } from '../catalog/index.js';
import { catalogBackends } from '../catalog/catalog.testutil.js';
import { actionInput, initLab, openLab } from './lab.js';
import { LOG_ANCHOR_KEY, verifyLabLog } from './log-anchor.js';

const work = mkdtempSync(join(tmpdir(), 'autolab-anchor-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Appends `n` entries through the lab, closing it (which moves the anchor in the store). */
async function appendThroughLab(root: string, n: number): Promise<void> {
  const lab = await openLab(root);
  try {
    for (let i = 0; i < n; i++) await lab.catalog.appendAction({ ...actionInput('source.add', 'p', new Date().toISOString()), detail: { i } });
  } finally {
    await lab.close();
  }
}


describe.each(catalogBackends)('the action log anchored in the store, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  describe.skipIf(backend.skip)(`(${backend.skip || 'available'})`, () => {
    it('finds the newest entries cut with log_head moved to match, and a rewrite with plain SHA-256', async () => {
      const url = await backend.freshUrl();
      const root = join(work, `lab-${backend.name}`);
      await (await initLab(root, { project: 'p', ...(backend.name === 'postgres' ? { catalog: url } : {}) })).close();
      await appendThroughLab(root, 5);
      const lab = await openLab(root);
      try {
        expect(await lab.store.hasObject(LOG_ANCHOR_KEY)).toBe(true);
        expect(await verifyLabLog(lab)).toMatchObject({ ok: true, entries: 7, keyedFrom: 1 });
      } finally {
        await lab.close();
      }

      const catalogUrl = backend.name === 'postgres' ? url : `sqlite:${join(root, '.autolab', 'catalog.sqlite')}`;
      const raw = await openCatalog(catalogUrl);
      try {
        const kept = await raw.db.selectFrom('actions').select('hash').where('seq', '=', 5).executeTakeFirstOrThrow();
        await raw.db.deleteFrom('actions').where('seq', '>', 5).execute();
        await raw.db.updateTable('log_head').set({ seq: 5, hash: kept.hash }).execute();
      } finally {
        await raw.close();
      }
      const cut = await openLab(root);
      try {
        expect(await verifyLabLog(cut)).toMatchObject({ ok: false, cutAfter: 5, reason: 'entries 6…7 are missing (the anchor kept outside the catalog saw entry 7)' });
      } finally {
        await cut.close();
      }
      // closing did not move the anchor back to the cut log
      const again = await openLab(root);
      try {
        expect(await verifyLabLog(again)).toMatchObject({ ok: false, cutAfter: 5 });
      } finally {
        await again.close();
      }

      // the whole log re-hashed as plain SHA-256, its key marks removed
      const rewrite = await openCatalog(catalogUrl);
      try {
        const rows = await rewrite.db.selectFrom('actions').selectAll().orderBy('seq').execute();
        let prev = GENESIS_HASH;
        const { toAction } = await import('../catalog/rows.js');
        for (const row of rows) {
          const hash = actionHash(prev, Number(row.seq), toAction(row));
          await rewrite.db.updateTable('actions').set({ prev_hash: prev, hash }).where('seq', '=', row.seq).execute();
          prev = hash;
        }
        await rewrite.db.updateTable('log_head').set({ seq: rows.length, hash: prev, keyed_from: null, key_check: null }).execute();
      } finally {
        await rewrite.close();
      }
      const rewritten = await openLab(root);
      try {
        expect(await verifyLabLog(rewritten)).toMatchObject({ ok: false, brokenAt: 1, reason: expect.stringContaining('the log was rewritten') as unknown });
      } finally {
        await rewritten.close();
      }
    });
  });
});

describe('a lab made before logs were keyed', () => {
  it('verifies its old log as it was, then seals it from the first new entry on', async () => {
    const root = join(work, 'old-lab');
    await (await initLab(root, { project: 'p' })).close();
    // as an older autolab left it: every entry plain SHA-256, no anchor
    const path = join(root, '.autolab', 'catalog.sqlite');
    const old = await openCatalog(`sqlite:${path}`);
    try {
      await old.db.deleteFrom('actions').execute();
      await old.db.deleteFrom('log_head').execute();
      await old.appendActions([{ ...actionInput('lab.init', null, new Date().toISOString()) }, { ...actionInput('project.create', 'p', new Date().toISOString()) }]);
    } finally {
      await old.close();
    }
    rmSync(join(root, '.autolab', 'store', 'log'), { recursive: true, force: true });
    const lab = await openLab(root);
    try {
      expect(await verifyLabLog(lab)).toMatchObject({ ok: true, entries: 2, keyedFrom: null });
    } finally {
      await lab.close();
    }
    await appendThroughLab(root, 2);
    const after = await openLab(root);
    try {
      expect(await verifyLabLog(after)).toMatchObject({ ok: true, entries: 4, keyedFrom: 3 });
    } finally {
      await after.close();
    }
  });
});
