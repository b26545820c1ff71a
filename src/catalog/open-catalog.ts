import { existsSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { Kysely, Migrator, PostgresDialect, sql, type MigrationProvider } from 'kysely';
import { LabError, registerSecret, redactUrlPasswords } from '../common/index.js';
import { isUniqueViolation, translateOpenError } from './catalog-errors.js';
import type { CatalogDatabase } from './db-schema.js';
import { KyselyCatalog } from './kysely-catalog.js';
import { catalogMigrations, type CatalogDialect } from './migrations/index.js';
import { SQLITE_BUSY_TIMEOUT_MS, acquireSqlite, withSqliteMigrationLock } from './sqlite-connections.js';

export interface OpenCatalogOptions {
  /** create a missing SQLite file (and its folder); default true. `openLab` passes false. */
  readonly create?: boolean;
  /** SQLite: how long to wait for another process's write lock (default 15 s; the first open of a file in a process sets it) */
  readonly busyTimeoutMs?: number;
  /**
   * The key the action log is sealed with (HMAC-SHA256). `openLab` derives it from the lab's
   * secret key, which lives outside the catalog; without it the log is plain SHA-256 as it was
   * before logs were keyed, and appending to or verifying a keyed log is refused.
   */
  readonly logKey?: Uint8Array;
}

const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Opens (and migrates to the latest version) the catalog at `url`:
 * - `sqlite:/abs/path.sqlite` (also `sqlite:///abs/path.sqlite`)
 * - `postgres://user[:password]@host[:port]/db[?schema=NAME]` — `schema` keeps a lab in its own
 *   PostgreSQL schema (created if missing); other query parameters go to `pg` unchanged.
 */
export async function openCatalog(url: string, options: OpenCatalogOptions = {}): Promise<KyselyCatalog> {
  if (url.startsWith('sqlite:')) return openSqlite(url, options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  throw new LabError(
    `unsupported catalog URL ${redactUrlPasswords(url)}`,
    'use sqlite:/absolute/path.sqlite or postgres://user@host:5432/db in autolab.yaml',
  );
}

async function openSqlite(url: string, options: OpenCatalogOptions): Promise<KyselyCatalog> {
  const path = sqlitePath(url);
  const create = options.create ?? true;
  if (!create && !existsSync(path)) {
    throw new LabError(`the catalog ${path} is missing`, 'restore it from a backup, or run `autolab init` in a new folder');
  }
  try {
    const { db, release } = await acquireSqlite(path, create, options.busyTimeoutMs ?? SQLITE_BUSY_TIMEOUT_MS, (db) =>
      migrate(db, 'sqlite', path, undefined, (run) => withSqliteMigrationLock(path, run)),
    );
    return new KyselyCatalog(db, `sqlite:${path}`, 'sqlite', release, options.logKey);
  } catch (error) {
    throw translateOpenError(error, path);
  }
}

function sqlitePath(url: string): string {
  let path = decodeURIComponent(url.slice('sqlite:'.length));
  if (path.startsWith('//')) path = path.slice(2);
  if (!isAbsolute(path)) {
    throw new LabError(`the catalog URL ${url} is not an absolute path`, 'write sqlite:/absolute/path.sqlite');
  }
  return path;
}

async function openPostgres(url: string, options: OpenCatalogOptions): Promise<KyselyCatalog> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // a port over 65535, a space or a bad escape in the host: WHATWG's URL parser refuses it
    throw new LabError(
      `the catalog URL ${redactUrlPasswords(url)} cannot be parsed`,
      'write it as postgres://user@host:5432/database (a port from 1 to 65535; percent-encode special characters)',
    );
  }
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !SCHEMA_NAME.test(schema)) {
    throw new LabError(`the catalog schema name ${JSON.stringify(schema)} is not valid`, 'use letters, digits and _ only');
  }
  if (parsed.password) registerSecret(decodeURIComponent(parsed.password));
  const shown = redactUrlPasswords(url);
  // loaded on demand: most labs use SQLite and should not pay for the driver at start-up
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 4,
    connectionTimeoutMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // an idle client that loses its server must not crash the process; the next query reports it
  pool.on('error', () => undefined);
  const db = new Kysely<CatalogDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    if (schema) {
      // IF NOT EXISTS still fails when two sessions create the same schema at the same moment
      await db.schema
        .createSchema(schema)
        .ifNotExists()
        .execute()
        .catch((error: unknown) => {
          if (!isUniqueViolation(error) && (error as { code?: unknown }).code !== '42P06') throw error;
        });
    }
    // kysely looks for its migration table in every schema unless told which one is ours
    const current = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
    const inSchema = current.rows[0]?.schema ?? 'public';
    await migrate(db, 'postgres', shown, inSchema, (run) => withPgSessionLock(db, `autolab:migrate:${inSchema}`, run));
    return new KyselyCatalog(db, shown, 'postgres', () => db.destroy(), options.logKey);
  } catch (error) {
    await db.destroy().catch(() => undefined);
    throw translateOpenError(error, shown);
  }
}

async function migrate(
  db: Kysely<CatalogDatabase>,
  dialect: CatalogDialect,
  where: string,
  migrationTableSchema?: string,
  exclusively: (run: () => Promise<void>) => Promise<void> = (run) => run(),
): Promise<void> {
  const provider: MigrationProvider = {
    getMigrations: () =>
      Promise.resolve(
        Object.fromEntries(catalogMigrations.map((m) => [m.name, { up: (anyDb: Kysely<unknown>) => m.up(anyDb, dialect) }])),
      ),
  };
  const migrator = new Migrator({ db, provider, ...(migrationTableSchema ? { migrationTableSchema } : {}) });
  const pending = async () => (await migrator.getMigrations()).some((m) => m.executedAt === undefined);
  // checked first without the lock: opening an up-to-date catalog costs one query
  if (!(await pending())) return;
  let error: unknown;
  await exclusively(async () => {
    if (await pending()) ({ error } = await migrator.migrateToLatest());
  });
  if (!error) return;
  if (error instanceof Error && /corrupted migrations/i.test(error.message)) {
    throw new LabError(`the catalog ${where} was written by a newer autolab (${error.message})`, 'upgrade autolab to open this lab', {
      cause: error,
    });
  }
  throw error;
}

/**
 * Runs `work` while holding a PostgreSQL session advisory lock on one pooled connection; other
 * processes opening the same schema wait for it, whichever connections `work` itself uses.
 */
async function withPgSessionLock(db: Kysely<CatalogDatabase>, name: string, work: () => Promise<void>): Promise<void> {
  await db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext(${name}))`.execute(conn);
    try {
      await work();
    } finally {
      await sql`select pg_advisory_unlock(hashtext(${name}))`.execute(conn);
    }
  });
}
