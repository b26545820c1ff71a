import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { CatalogDatabase } from './db-schema.js';

/** How long a SQLite writer waits for another process's write lock before giving up. */
export const SQLITE_BUSY_TIMEOUT_MS = 15_000;

interface Shared {
  refs: number;
  ready: Promise<Kysely<CatalogDatabase>>;
}

const open = new Map<string, Shared>();

/**
 * One connection per catalog file per process, shared by every `openCatalog` of that file.
 * better-sqlite3 waits for a lock by blocking the thread: two connections of one process to one
 * file would wait on each other forever (the holder's next step can never run). With one shared
 * connection, kysely's connection mutex orders work inside the process, and SQLite's file locks
 * (with busy_timeout) order it between processes.
 */
export async function acquireSqlite(
  path: string,
  create: boolean,
  busyTimeoutMs: number,
  prepare: (db: Kysely<CatalogDatabase>) => Promise<void>,
): Promise<{ db: Kysely<CatalogDatabase>; release: () => Promise<void> }> {
  let shared = open.get(path);
  if (!shared) {
    const entry: Shared = { refs: 0, ready: connect(path, create, busyTimeoutMs, prepare) };
    open.set(path, entry);
    entry.ready.catch(() => {
      if (open.get(path) === entry) open.delete(path);
    });
    shared = entry;
  }
  shared.refs += 1;
  let db: Kysely<CatalogDatabase>;
  try {
    db = await shared.ready;
  } catch (error) {
    shared.refs -= 1;
    throw error;
  }
  const entry = shared;
  let released = false;
  return {
    db,
    release: async () => {
      if (released) return;
      released = true;
      entry.refs -= 1;
      if (entry.refs === 0 && open.get(path) === entry) {
        open.delete(path);
        await db.destroy();
      }
    },
  };
}

async function connect(
  path: string,
  create: boolean,
  busyTimeoutMs: number,
  prepare: (db: Kysely<CatalogDatabase>) => Promise<void>,
): Promise<Kysely<CatalogDatabase>> {
  if (create) mkdirSync(dirname(path), { recursive: true });
  const database = new Database(path, { fileMustExist: !create });
  let db: Kysely<CatalogDatabase> | undefined;
  try {
    database.pragma(`busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    // WAL: readers (autolab status) never wait for a writer (a long ingest) in another process
    database.pragma('journal_mode = WAL');
    // NORMAL in WAL mode can lose the last commits on power loss but never corrupts; artifacts are
    // written to the store before the catalog, so a lost commit leaves an orphan blob, not a lie
    database.pragma('synchronous = NORMAL');
    database.pragma('foreign_keys = ON');
    db = new Kysely<CatalogDatabase>({ dialect: new SqliteDialect({ database }) });
    await prepare(db);
    return db;
  } catch (error) {
    if (db) await db.destroy().catch(() => undefined);
    else database.close();
    throw error;
  }
}

/**
 * kysely's SQLite migration lock only works within one process. Two processes opening a fresh or
 * outdated lab at once would both run the same migration, so it runs while this process holds
 * the write lock of a small sidecar database (waiting up to busy_timeout for it).
 */
export async function withSqliteMigrationLock(path: string, run: () => Promise<void>): Promise<void> {
  const lock = new Database(`${path}.migrate-lock`);
  try {
    lock.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    lock.exec('begin immediate');
    await run();
  } finally {
    if (lock.inTransaction) lock.exec('rollback');
    lock.close();
  }
}
