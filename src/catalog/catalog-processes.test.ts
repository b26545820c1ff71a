import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { LabError } from '../common/index.js';
import { openCatalog } from './open-catalog.js';

const run = promisify(execFile);
const worker = fileURLToPath(new URL('./append-worker.testutil.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'autolab-catalog-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function appendFromChild(url: string, count: number, name: string) {
  return run(process.execPath, ['--import', 'tsx', worker, url, String(count), name], { timeout: 50_000 });
}

describe('a SQLite catalog shared by processes', () => {
  it('keeps one unbroken chain when two processes append while a third reads', async () => {
    const url = `sqlite:${join(dir, 'shared.sqlite')}`;
    // both children open (and migrate) a catalog that does not exist yet
    const children = [appendFromChild(url, 40, 'a'), appendFromChild(url, 40, 'b')];
    await Promise.all(children);
    const catalog = await openCatalog(url);
    try {
      const more = [appendFromChild(url, 30, 'c')];
      for (let i = 0; i < 10; i++) {
        await catalog.status();
        await catalog.appendAction({
          kind: 'explore.table', project: 'shared', inputs: {}, outputs: {}, status: 'done',
          startedAt: '', finishedAt: '', cpuSeconds: 0, bytesWritten: 0, workerId: 'parent', error: null, detail: {},
        });
      }
      await Promise.all(more);
      expect(await catalog.verifyLog()).toEqual({ ok: true, entries: 120, brokenAt: null, cutAfter: null, reason: null, keyedFrom: null });
      const workers = new Set((await catalog.listActions()).map((a) => a.workerId));
      expect([...workers].sort()).toEqual(['a', 'b', 'c', 'parent']);
    } finally {
      await catalog.close();
    }
  });

  it('a write lock held too long by another connection is a LabError, not a crash', async () => {
    const path = join(dir, 'locked.sqlite');
    const catalog = await openCatalog(`sqlite:${path}`, { busyTimeoutMs: 100 });
    const other = new Database(path);
    try {
      other.exec('begin immediate');
      await expect(catalog.createProject('x')).rejects.toThrow(/stayed locked by another process — try again/);
      await expect(catalog.appendAction({
        kind: 'k', project: null, inputs: {}, outputs: {}, status: 'done', startedAt: '', finishedAt: '',
        cpuSeconds: 0, bytesWritten: 0, workerId: 'w', error: null, detail: {},
      })).rejects.toBeInstanceOf(LabError);
      other.exec('rollback');
      expect((await catalog.createProject('x')).name).toBe('x');
    } finally {
      other.close();
      await catalog.close();
    }
  });

  it('turns a garbage catalog file into a LabError that says what to do', async () => {
    const path = join(dir, 'garbage.sqlite');
    writeFileSync(path, Buffer.from('this is not a database, just some bytes '.repeat(200)));
    const error = await openCatalog(`sqlite:${path}`).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LabError);
    expect((error as LabError).message).toMatch(/damaged.*restore it from a backup/);
    expect((error as LabError).message).not.toMatch(/\n/);
  });

  it('refuses a missing catalog when told not to create one, and relative paths', async () => {
    await expect(openCatalog(`sqlite:${join(dir, 'absent.sqlite')}`, { create: false })).rejects.toThrow(/is missing/);
    await expect(openCatalog('sqlite:relative/catalog.sqlite')).rejects.toBeInstanceOf(LabError);
    await expect(openCatalog('mysql://x@y/z')).rejects.toThrow(/unsupported catalog URL/);
  });
});

describe('a PostgreSQL catalog that cannot be reached', () => {
  it('is a ConnectionError with one line', async () => {
    const error = await openCatalog('postgres://nobody:s3cretpw@127.0.0.1:1/none').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).name).toBe('ConnectionError');
    expect((error as Error).message).toMatch(/cannot reach the catalog database postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/none/);
    expect((error as Error).message).not.toContain('s3cretpw');
  });
});
