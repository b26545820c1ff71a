import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The PostgreSQL server for tests, or undefined (tests are then skipped with that reason). */
export const testPgUrl: string | undefined = process.env['AUTOLAB_TEST_PG'] || undefined;

export interface CatalogBackend {
  readonly name: 'sqlite' | 'postgres';
  /** a skip reason when the backend is not available here */
  readonly skip: string | false;
  /** a fresh, empty catalog URL for one test */
  freshUrl(): Promise<string>;
  /** drops every schema / folder made by `freshUrl` */
  cleanup(): Promise<void>;
}

export function sqliteBackend(): CatalogBackend {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    skip: false,
    freshUrl() {
      const dir = mkdtempSync(join(tmpdir(), 'autolab-catalog-'));
      dirs.push(dir);
      return Promise.resolve(`sqlite:${join(dir, 'catalog.sqlite')}`);
    },
    cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/** Each fresh URL is its own schema (random suffix), so that engineers and CI runs never collide. */
export function postgresBackend(): CatalogBackend {
  const schemas: string[] = [];
  return {
    name: 'postgres',
    skip: testPgUrl ? false : 'AUTOLAB_TEST_PG is not set',
    freshUrl() {
      const schema = `autolab_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      const url = new URL(testPgUrl ?? '');
      url.searchParams.set('schema', schema);
      return Promise.resolve(url.toString());
    },
    async cleanup() {
      if (!testPgUrl || schemas.length === 0) return;
      const client = new pg.Client({ connectionString: testPgUrl });
      await client.connect();
      try {
        for (const schema of schemas.splice(0)) await client.query(`drop schema if exists "${schema}" cascade`);
      } finally {
        await client.end();
      }
    },
  };
}

export const catalogBackends: readonly CatalogBackend[] = [sqliteBackend(), postgresBackend()];
