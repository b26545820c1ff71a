import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { InputError, LabError } from '../common/index.js';
import { catalogBackends } from './catalog.testutil.js';
import { openCatalog } from './open-catalog.js';
import type { ActionInput } from './types.js';

function action(kind: string, project: string | null, extra: Partial<ActionInput> = {}): ActionInput {
  return {
    kind,
    project,
    inputs: { file: 'sha256-in' },
    outputs: { table: 'sha256-out' },
    status: 'done',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:01.500Z',
    cpuSeconds: 0.25,
    bytesWritten: 5_000_000_000,
    workerId: 'test-worker',
    error: null,
    detail: { rows: 3, nested: { b: 1, a: [1, 2] } },
    ...extra,
  };
}

/** a selected row, ready to be written back (PostgreSQL returns BIGINT as text) */
function insertable<T extends { seq: number | string; bytes_written: number | string }>(row: T) {
  return { ...row, seq: Number(row.seq), bytes_written: Number(row.bytes_written) };
}

describe.each(catalogBackends)('catalog on $name', (backend) => {
  afterAll(() => backend.cleanup());

  describe.skipIf(backend.skip)(`(${backend.skip || 'available'})`, () => {
    it('keeps projects, sources, credentials and versioned snapshots', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const churn = await catalog.createProject('churn', { autoAcceptTags: false });
        await catalog.createProject('alpha');
        await expect(catalog.createProject('churn')).rejects.toBeInstanceOf(InputError);
        expect((await catalog.listProjects()).map((p) => p.name)).toEqual(['alpha', 'churn']);
        await catalog.updateProjectSettings('churn', { timeLimit: 30 });
        expect((await catalog.getProject('churn'))?.settings).toEqual({ autoAcceptTags: false, timeLimit: 30 });
        expect(await catalog.getProject('nope')).toBeUndefined();

        const source = await catalog.addSource({
          projectId: churn.id,
          name: 'crm',
          kind: 'postgres',
          uri: 'postgres://analyst@db/crm',
          options: { tables: ['customers'] },
          credentialId: 'cred-1',
        });
        await expect(catalog.addSource({ ...source })).rejects.toBeInstanceOf(InputError);
        expect(await catalog.getSource(churn.id, 'crm')).toEqual(source);
        expect(await catalog.listSources(churn.id)).toEqual([source]);

        await catalog.putCredential('cred-1', 'cipher-a');
        await catalog.putCredential('cred-1', 'cipher-b');
        expect(await catalog.getCredential('cred-1')).toBe('cipher-b');
        expect(await catalog.getCredential('cred-2')).toBeUndefined();

        const base = {
          projectId: churn.id,
          sourceId: source.id,
          tableName: 'customers',
          contentHash: 'h1',
          lakeKey: 'lake/bronze/churn/crm/customers/1.parquet',
          rawHashes: ['r1'],
          rowCount: 7043,
          bytes: 6_000_000_000,
          schema: [{ name: 'id', type: 'BIGINT' }],
          quality: { delimiter: ',' },
        };
        const v1 = await catalog.addSnapshot(base);
        const v2 = await catalog.addSnapshot({ ...base, contentHash: 'h2' });
        await catalog.addSnapshot({ ...base, tableName: 'orders' });
        expect([v1.version, v2.version]).toEqual([1, 2]);
        expect(v1.bytes).toBe(6_000_000_000);
        expect(await catalog.latestSnapshot(source.id, 'customers')).toEqual(v2);
        expect((await catalog.listSnapshots(churn.id)).map((s) => `${s.tableName}@${s.version}`)).toEqual([
          'customers@1',
          'customers@2',
          'orders@1',
        ]);
      } finally {
        await catalog.close();
      }
    });

    it('appends a hash chain, lists with filters and reports status in two queries', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const churn = await catalog.createProject('churn');
        await catalog.createProject('empty');
        const first = await catalog.appendAction(action('source.add', 'churn'));
        expect(first.seq).toBe(1);
        expect(first.prevHash).toBe('0'.repeat(64));
        const more = await catalog.appendActions([
          action('ingest.table', 'churn'),
          action('ingest.table', 'churn', { status: 'failed', error: 'boom', finishedAt: '2026-01-02T00:00:00.000Z' }),
          action('lab.init', null),
        ]);
        expect(more.map((a) => a.seq)).toEqual([2, 3, 4]);
        expect(more[0]?.prevHash).toBe(first.hash);

        const listed = await catalog.listActions();
        expect(listed.map((a) => a.seq)).toEqual([1, 2, 3, 4]);
        expect(listed[0]).toEqual(first);
        expect((await catalog.listActions({ project: 'churn', limit: 2 })).map((a) => a.seq)).toEqual([2, 3]);
        expect((await catalog.listActions({ kind: 'ingest.table' })).map((a) => a.seq)).toEqual([2, 3]);

        const source = await catalog.addSource({ projectId: churn.id, name: 's', kind: 'file', uri: '/x.csv', options: {}, credentialId: null });
        const snap = { projectId: churn.id, sourceId: source.id, contentHash: 'h', lakeKey: 'k', rawHashes: [], rowCount: 1, bytes: 1, schema: [], quality: {} };
        await catalog.addSnapshot({ ...snap, tableName: 'a' });
        await catalog.addSnapshot({ ...snap, tableName: 'a' });
        await catalog.addSnapshot({ ...snap, tableName: 'b' });

        const status = await catalog.status({ lastActions: 2 });
        expect(status.map((s) => s.project.name)).toEqual(['churn', 'empty']);
        const [c, e] = status;
        expect(c).toMatchObject({ sources: 1, tablesIngested: 2, snapshots: 3 });
        expect(c?.lastDoneByKind).toEqual({ 'source.add': '2026-01-01T00:00:01.500Z', 'ingest.table': '2026-01-01T00:00:01.500Z' });
        expect(c?.lastActions.map((a) => a.seq)).toEqual([3, 2]);
        expect(c?.lastActions[0]).toEqual(more[1]);
        expect(e).toMatchObject({ sources: 0, tablesIngested: 0, snapshots: 0, lastDoneByKind: {}, lastActions: [] });

        // an entry that finished earlier but was appended later does not move the stage back
        await catalog.appendAction(action('source.add', 'churn', { finishedAt: '2025-12-31T00:00:00.000Z' }));
        await catalog.appendAction(action('source.add', 'churn', { finishedAt: '2026-03-01T00:00:00.000Z', status: 'failed' }));
        expect((await catalog.status())[0]?.lastDoneByKind['source.add']).toBe('2026-01-01T00:00:01.500Z');
        await catalog.appendAction(action('source.add', 'churn', { finishedAt: '2026-02-01T00:00:00.000Z' }));
        expect((await catalog.status())[0]?.lastDoneByKind['source.add']).toBe('2026-02-01T00:00:00.000Z');

        expect(await catalog.verifyLog()).toEqual({ ok: true, entries: 7, brokenAt: null, cutAfter: null, reason: null, keyedFrom: null });
      } finally {
        await catalog.close();
      }
    });

    it('verifyLog names the entry that was edited, deleted or inserted', async () => {
      const url = await backend.freshUrl();
      const catalog = await openCatalog(url);
      try {
        await catalog.appendActions(Array.from({ length: 6 }, (_, i) => action('ingest.table', 'p', { detail: { i } })));
        const db = catalog.db;

        await db.updateTable('actions').set({ detail: '{"i":99}' }).where('seq', '=', 3).execute();
        expect(await catalog.verifyLog()).toMatchObject({ ok: false, brokenAt: 3 });
        await db.updateTable('actions').set({ detail: '{"i":2}' }).where('seq', '=', 3).execute();
        expect((await catalog.verifyLog()).ok).toBe(true);

        const row4 = await db.selectFrom('actions').selectAll().where('seq', '=', 4).executeTakeFirstOrThrow();
        await db.deleteFrom('actions').where('seq', '=', 4).execute();
        expect(await catalog.verifyLog()).toMatchObject({ ok: false, brokenAt: 4 });
        await db.insertInto('actions').values(insertable(row4)).execute();
        expect((await catalog.verifyLog()).ok).toBe(true);

        const row6 = await db.selectFrom('actions').selectAll().where('seq', '=', 6).executeTakeFirstOrThrow();
        await db.deleteFrom('actions').where('seq', '=', 6).execute();
        expect(await catalog.verifyLog()).toMatchObject({ ok: false, brokenAt: null, cutAfter: 5 });
        await db.insertInto('actions').values(insertable(row6)).execute();

        // an entry slipped in after 2 and the rest renumbered
        await sql`update actions set seq = seq + 100 where seq > 2`.execute(db);
        await sql`update actions set seq = seq - 99 where seq > 100`.execute(db);
        const forged = { ...insertable(row4), seq: 3, detail: '{"forged":true}' };
        await db.insertInto('actions').values(forged).execute();
        const result = await catalog.verifyLog();
        expect(result).toMatchObject({ ok: false, brokenAt: 3 });
        expect(result.reason).toMatch(/entry 3/);
      } finally {
        await catalog.close();
      }
    });

    it('says which row is damaged when a JSON column no longer parses, and verifyLog names the entry', async () => {
      const url = await backend.freshUrl();
      const catalog = await openCatalog(url);
      try {
        const project = await catalog.createProject('p');
        const source = await catalog.addSource({ projectId: project.id, name: 's', kind: 'file', uri: '/x.csv', options: {}, credentialId: null });
        const snapshot = await catalog.addSnapshot({ projectId: project.id, sourceId: source.id, tableName: 't', contentHash: 'h', lakeKey: 'k', rawHashes: [], rowCount: 1, bytes: 1, schema: [{ name: 'a', type: 'BIGINT' }], quality: {} });
        await catalog.appendActions(Array.from({ length: 4 }, (_, i) => action('ingest.table', 'p', { detail: { i } })));
        const db = catalog.db;

        for (const damaged of ['[{"name":"a","ty', '{"name":"a"}', '[{"name":1,"type":"X"}]']) {
          await db.updateTable('snapshots').set({ columns: damaged }).where('id', '=', snapshot.id).execute();
          const error = await catalog.listSnapshots(project.id).then(() => undefined, (e: unknown) => e);
          expect(error).toBeInstanceOf(LabError);
          expect((error as LabError).message).toBe(
            `the catalog is damaged: snapshots row ${snapshot.id} has a columns value that is not valid JSON of its kind — restore the catalog from a backup; \`autolab log --verify\` checks the action log`,
          );
        }

        await db.updateTable('actions').set({ detail: '{"i":' }).where('seq', '=', 3).execute();
        const listed = await catalog.listActions().then(() => undefined, (e: unknown) => e);
        expect(listed).toBeInstanceOf(LabError);
        expect((listed as LabError).what).toBe("the catalog is damaged: the action log's entry 3 has a detail value that is not valid JSON of its kind");
        expect(await catalog.verifyLog()).toMatchObject({ ok: false, brokenAt: 3, reason: 'entry 3 is damaged: its detail is not valid JSON' });
      } finally {
        await catalog.close();
      }
    });

    it('keeps which exploration result was computed from which inputs, first record standing', async () => {
      const url = await backend.freshUrl();
      const catalog = await openCatalog(url);
      const other = await openCatalog(url);
      try {
        const churn = await catalog.createProject('churn');
        const alpha = await catalog.createProject('alpha');
        const source = await catalog.addSource({ projectId: churn.id, name: 's', kind: 'file', uri: '/x.csv', options: {}, credentialId: null });
        const snapshot = await catalog.addSnapshot({
          projectId: churn.id, sourceId: source.id, tableName: 'customers', contentHash: 'h', lakeKey: 'k', rawHashes: [], rowCount: 1, bytes: 1, schema: [], quality: {},
        });
        const key = { projectId: churn.id, kind: 'profile' as const, subject: 'customers', inputsHash: 'in-1' };
        expect(await catalog.findExploreResult(key)).toBeUndefined();

        const first = await catalog.putExploreResult({ ...key, snapshotId: snapshot.id, resultHash: 'r-1', summary: { rows: 7043, nested: { b: 1, a: [1, 2] } } });
        expect(first).toMatchObject({ ...key, snapshotId: snapshot.id, resultHash: 'r-1', summary: { rows: 7043, nested: { a: [1, 2], b: 1 } } });
        expect(Number.isNaN(Date.parse(first.createdAt))).toBe(false);
        expect(await catalog.findExploreResult(key)).toEqual(first);
        expect(await other.findExploreResult(key)).toEqual(first);

        // the same key again, even with another result: the first record stands
        expect(await catalog.putExploreResult({ ...key, snapshotId: snapshot.id, resultHash: 'r-2', summary: {} })).toEqual(first);
        // two writers recording one new key at once get one record
        const roundKey = { projectId: churn.id, kind: 'round2' as const, subject: 'project', inputsHash: 'in-2' };
        const [a, b] = await Promise.all([
          catalog.putExploreResult({ ...roundKey, snapshotId: null, resultHash: 'r-a', summary: {} }),
          other.putExploreResult({ ...roundKey, snapshotId: null, resultHash: 'r-b', summary: {} }),
        ]);
        expect(a).toEqual(b);
        expect(a.snapshotId).toBeNull();

        // every part of the key counts
        for (const miss of [{ inputsHash: 'in-x' }, { subject: 'orders' }, { kind: 'relationships' as const }, { projectId: alpha.id }]) {
          expect(await catalog.findExploreResult({ ...key, ...miss })).toBeUndefined();
        }
      } finally {
        await Promise.all([catalog.close(), other.close()]);
      }
    });

    it('versions tags per project and refuses a change made on a stale version', async () => {
      const url = await backend.freshUrl();
      const catalogs = await Promise.all([openCatalog(url), openCatalog(url), openCatalog(url)]);
      const [catalog] = catalogs;
      try {
        const churn = await catalog!.createProject('churn');
        const alpha = await catalog!.createProject('alpha');
        expect(await catalog!.latestTagVersion(churn.id)).toBeUndefined();
        expect(await catalog!.listTagVersions(churn.id)).toEqual([]);

        const tags = { columns: [{ table: 't', column: 'c', confirmed: { role: 'target' } }], relationships: [] };
        const entry = { projectId: churn.id, tags, confirmedHash: 'c-1', author: 'ada', change: 'first' };
        const v1 = await catalog!.addTagVersion(entry, 0);
        expect(v1).toMatchObject({ projectId: churn.id, version: 1, tags, confirmedHash: 'c-1', author: 'ada', change: 'first' });
        await expect(catalog!.addTagVersion(entry, 0)).rejects.toBeInstanceOf(LabError);
        const v2 = await catalog!.addTagVersion({ ...entry, confirmedHash: 'c-2', change: 'second' }, 1);
        expect(v2.version).toBe(2);
        expect(await catalog!.latestTagVersion(churn.id)).toEqual(v2);

        // another project counts its own versions
        expect((await catalog!.addTagVersion({ ...entry, projectId: alpha.id }, 0)).version).toBe(1);

        // three writers that all started from version 2: one wins, two are told to start again
        const raced = await Promise.allSettled(catalogs.map((c, i) => c.addTagVersion({ ...entry, change: `writer ${i}` }, 2)));
        expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        expect(raced.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof LabError)).toBe(true);

        const history = await catalog!.listTagVersions(churn.id);
        expect(history.map((h) => [h.version, h.confirmedHash])).toEqual([
          [1, 'c-1'],
          [2, 'c-2'],
          [3, 'c-1'],
        ]);
        expect(history[0]).toEqual({ projectId: churn.id, version: 1, confirmedHash: 'c-1', author: 'ada', change: 'first', createdAt: v1.createdAt });
      } finally {
        await Promise.all(catalogs.map((c) => c.close()));
      }
    });

    it('finds the newest done result of a unit by its inputs, and keeps old entries hashing as before', async () => {
      const catalog = await openCatalog(await backend.freshUrl());
      try {
        const key = { project: 'p', kind: 'explore.table', unit: 'customers', inputsHash: 'h1' };
        expect(await catalog.findResult(key)).toBeUndefined();
        await catalog.appendAction(action('explore.table', 'p', { unit: 'customers', inputsHash: 'h1', status: 'failed', error: 'boom' }));
        expect(await catalog.findResult(key)).toBeUndefined();
        const first = await catalog.appendAction(action('explore.table', 'p', { unit: 'customers', inputsHash: 'h1', outputs: { profile: 'a' } }));
        const second = await catalog.appendAction(action('explore.table', 'p', { unit: 'customers', inputsHash: 'h1', outputs: { profile: 'b' } }));
        await catalog.appendAction(action('explore.table', 'p', { unit: 'customers', inputsHash: 'h2' }));
        await catalog.appendAction(action('explore.table', 'p'));
        expect(first.unit).toBe('customers');
        expect(await catalog.findResult(key)).toEqual(second);
        expect(await catalog.findResult({ ...key, unit: 'orders' })).toBeUndefined();
        expect((await catalog.listActions({ unit: 'customers', status: 'done' })).map((a) => a.inputsHash)).toEqual(['h1', 'h1', 'h2']);
        const plain = (await catalog.listActions()).at(-1)!;
        expect('unit' in plain).toBe(false);
        expect(await catalog.verifyLog()).toMatchObject({ ok: true, entries: 5 });
      } finally {
        await catalog.close();
      }
    });

    it('lets one worker at a time claim a unit, until it releases it, its lease runs out, or it is known dead', async () => {
      const url = await backend.freshUrl();
      const [a, b] = await Promise.all([openCatalog(url), openCatalog(url)]);
      try {
        const unit = { project: 'p', kind: 'ingest.table', unit: 'crm/customers' };
        const claims = await Promise.all([a.claimUnit(unit, 'w1', 60_000), b.claimUnit(unit, 'w2', 60_000)]);
        expect(claims.filter((c) => c.claimed)).toHaveLength(1);
        const [winner, loser] = claims[0]!.claimed ? (['w1', 'w2'] as const) : (['w2', 'w1'] as const);
        const refused = await a.claimUnit(unit, loser, 60_000);
        expect(refused).toMatchObject({ claimed: false, holder: { workerId: winner } });
        expect(await a.claimUnit(unit, winner, 60_000)).toEqual({ claimed: true });
        expect(await a.claimUnit({ ...unit, unit: 'crm/orders' }, loser, 60_000)).toEqual({ claimed: true });
        await b.releaseUnit(unit, loser);
        expect((await a.claimUnit(unit, loser, 60_000)).claimed).toBe(false);
        await b.releaseUnit(unit, winner);
        expect(await a.claimUnit(unit, loser, 1)).toEqual({ claimed: true });
        await new Promise((resolve) => setTimeout(resolve, 5));
        expect(await b.claimUnit(unit, 'w3', 60_000)).toEqual({ claimed: true });
        expect((await a.claimUnit(unit, 'w4', 60_000)).claimed).toBe(false);
        expect(await a.claimUnit(unit, 'w4', 60_000, 'w3')).toEqual({ claimed: true });
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('serialises appends from concurrent writers into one unbroken chain', async () => {
      const url = await backend.freshUrl();
      const catalogs = await Promise.all([openCatalog(url), openCatalog(url), openCatalog(url)]);
      try {
        await Promise.all(
          catalogs.flatMap((catalog, w) =>
            Array.from({ length: 10 }, (_, i) => catalog.appendAction(action('explore.table', 'p', { workerId: `w${w}`, detail: { i } }))),
          ),
        );
        const verification = await catalogs[0]!.verifyLog();
        expect(verification).toEqual({ ok: true, entries: 30, brokenAt: null, cutAfter: null, reason: null, keyedFrom: null });
      } finally {
        await Promise.all(catalogs.map((c) => c.close()));
      }
    });
  });
});
