import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../common/index.js';
import { GENESIS_HASH, actionHash } from './action-hash.js';
import { catalogBackends } from './catalog.testutil.js';
import type { CatalogDatabase } from './db-schema.js';
import { openCatalog } from './open-catalog.js';
import { toAction } from './rows.js';
import type { ActionInput } from './types.js';

function action(i: number): ActionInput {
  return {
    kind: 'ingest.table',
    project: 'p',
    inputs: { file: `in-${i}` },
    outputs: {},
    status: 'done',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.000Z',
    cpuSeconds: 0,
    bytesWritten: 0,
    workerId: 'test',
    error: null,
    detail: { i },
  };
}

/**
 * What someone who can write the catalog but lacks the key can do: re-hash every entry from
 * `from` on with plain SHA-256 (the old chain) and move the head row to match.
 */
async function rehashWithoutKey(db: Kysely<CatalogDatabase>, from = 1, keep: { keyed?: boolean } = {}): Promise<void> {
  const rows = await db.selectFrom('actions').selectAll().orderBy('seq').execute();
  let prev = GENESIS_HASH;
  for (const row of rows) {
    const entry = toAction(row);
    if (entry.seq >= from) {
      const hash = actionHash(prev, entry.seq, entry);
      await db.updateTable('actions').set({ prev_hash: prev, hash }).where('seq', '=', entry.seq).execute();
      prev = hash;
    } else prev = entry.hash;
  }
  const last = rows.at(-1);
  await db
    .updateTable('log_head')
    .set({ seq: Number(last?.seq ?? 0), hash: prev, ...(keep.keyed ? {} : { keyed_from: null, key_check: null }) })
    .execute();
}

describe.each(catalogBackends)('the keyed action log on $name', (backend) => {
  afterAll(() => backend.cleanup());

  describe.skipIf(backend.skip)(`(${backend.skip || 'available'})`, () => {
    it('seals entries with HMAC under the key, and finds edits, deletions, reordering, a cut tail and a rewrite', async () => {
      const url = await backend.freshUrl();
      const logKey = randomBytes(32);
      const catalog = await openCatalog(url, { logKey });
      try {
        const records = await catalog.appendActions(Array.from({ length: 8 }, (_, i) => action(i + 1)));
        expect(records[0]!.hash).not.toBe(actionHash(GENESIS_HASH, 1, action(1)));
        expect(await catalog.verifyLog()).toEqual({ ok: true, entries: 8, brokenAt: null, cutAfter: null, reason: null, keyedFrom: 1 });
        const anchor = await catalog.logAnchor();
        expect(anchor).toMatchObject({ seq: 8, hash: records[7]!.hash, keyedFrom: 1 });
        expect(await catalog.verifyLog({ anchor })).toMatchObject({ ok: true, entries: 8 });
        const db = catalog.db;

        // an entry edited and the chain re-hashed without the key
        await db.updateTable('actions').set({ detail: '{"i":99}' }).where('seq', '=', 5).execute();
        await rehashWithoutKey(db, 5, { keyed: true });
        expect(await catalog.verifyLog({ anchor })).toMatchObject({ ok: false, brokenAt: 5, reason: "entry 5 was edited after it was written (its seal does not match the lab's key)" });
      } finally {
        await catalog.close();
      }
    });

    it('finds a deleted and a reordered entry', async () => {
      const logKey = randomBytes(32);
      for (const tamper of ['delete', 'reorder'] as const) {
        const catalog = await openCatalog(await backend.freshUrl(), { logKey });
        try {
          await catalog.appendActions(Array.from({ length: 6 }, (_, i) => action(i + 1)));
          const anchor = await catalog.logAnchor();
          const db = catalog.db;
          if (tamper === 'delete') {
            await db.deleteFrom('actions').where('seq', '=', 3).execute();
            await sql`update actions set seq = seq - 1 where seq > 3`.execute(db);
            expect(await catalog.verifyLog({ anchor })).toMatchObject({ ok: false, brokenAt: 3 });
          } else {
            await sql`update actions set seq = 100 where seq = 2`.execute(db);
            await sql`update actions set seq = 2 where seq = 4`.execute(db);
            await sql`update actions set seq = 4 where seq = 100`.execute(db);
            expect(await catalog.verifyLog({ anchor })).toMatchObject({ ok: false, brokenAt: 2 });
          }
        } finally {
          await catalog.close();
        }
      }
    });

    it('finds the newest entries cut and the head moved to match, by the anchor kept outside the catalog', async () => {
      const logKey = randomBytes(32);
      const catalog = await openCatalog(await backend.freshUrl(), { logKey });
      try {
        const records = await catalog.appendActions(Array.from({ length: 7 }, (_, i) => action(i + 1)));
        const anchor = await catalog.logAnchor();
        const db = catalog.db;
        await db.deleteFrom('actions').where('seq', '>', 4).execute();
        await db.updateTable('log_head').set({ seq: 4, hash: records[3]!.hash }).execute();
        // the catalog alone cannot tell: that is what the anchor is for
        expect((await catalog.verifyLog()).ok).toBe(true);
        expect(await catalog.verifyLog({ anchor })).toMatchObject({
          ok: false,
          brokenAt: null,
          cutAfter: 4,
          reason: 'entries 5…7 are missing (the anchor kept outside the catalog saw entry 7)',
        });
        // nor can the anchor be rolled forward or forged without the key
        const forged = { ...anchor!, seq: 4, hash: records[3]!.hash };
        expect(await catalog.verifyLog({ anchor: forged })).toMatchObject({ ok: false, reason: expect.stringContaining("does not carry the lab's seal") as unknown });
        expect(await catalog.verifyLog({ anchor: null })).toMatchObject({ ok: false, reason: expect.stringContaining('anchor') as unknown });
      } finally {
        await catalog.close();
      }
    });

    it('finds the whole log rewritten as plain SHA-256 with its key marks removed', async () => {
      const logKey = randomBytes(32);
      const catalog = await openCatalog(await backend.freshUrl(), { logKey });
      try {
        await catalog.appendActions(Array.from({ length: 5 }, (_, i) => action(i + 1)));
        const anchor = await catalog.logAnchor();
        await catalog.db.updateTable('actions').set({ detail: '{"i":42}' }).where('seq', '=', 2).execute();
        await rehashWithoutKey(catalog.db);
        expect(await catalog.verifyLog({ anchor })).toMatchObject({
          ok: false,
          brokenAt: 1,
          reason: "the log was rewritten: entries from 1 on were sealed with the lab's key and are now plain SHA-256",
        });
      } finally {
        await catalog.close();
      }
    });

    it('keeps an old unkeyed log verifying as it was, and seals it from the first keyed entry on', async () => {
      const url = await backend.freshUrl();
      const old = await openCatalog(url);
      const oldRecords = await old.appendActions(Array.from({ length: 3 }, (_, i) => action(i + 1)));
      expect(await old.verifyLog()).toMatchObject({ ok: true, entries: 3, keyedFrom: null });
      await old.close();

      const logKey = randomBytes(32);
      const catalog = await openCatalog(url, { logKey });
      try {
        expect(await catalog.verifyLog()).toMatchObject({ ok: true, entries: 3, keyedFrom: null });
        await catalog.appendActions([action(4), action(5)]);
        expect(await catalog.verifyLog()).toMatchObject({ ok: true, entries: 5, keyedFrom: 4 });
        expect((await catalog.listActions()).slice(0, 3)).toEqual(oldRecords);
        // the old part can still be re-hashed by anyone, but the first keyed entry covers its last hash
        await catalog.db.updateTable('actions').set({ detail: '{"i":7}' }).where('seq', '=', 2).execute();
        await rehashWithoutKey(catalog.db, 2, { keyed: true });
        expect(await catalog.verifyLog()).toMatchObject({ ok: false, brokenAt: 4 });
      } finally {
        await catalog.close();
      }
    });

    it('refuses to append or verify with another key, or without one, once the log is keyed', async () => {
      const url = await backend.freshUrl();
      const catalog = await openCatalog(url, { logKey: randomBytes(32) });
      await catalog.appendActions([action(1)]);
      await catalog.close();
      const other = await openCatalog(url, { logKey: randomBytes(32) });
      const none = await openCatalog(url);
      try {
        const refused = await other.appendAction(action(2)).then(() => undefined, (e: unknown) => e);
        expect(refused).toBeInstanceOf(LabError);
        expect((refused as LabError).what).toBe("this machine's secret key is not the one the lab's action log is sealed with");
        await expect(other.verifyLog()).rejects.toThrow(/secret key is not the one/);
        await expect(none.appendAction(action(2))).rejects.toThrow(/opened without it/);
        expect(await other.listActions()).toHaveLength(1);
      } finally {
        await Promise.all([other.close(), none.close()]);
      }
    });
  });
});
