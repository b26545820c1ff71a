import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelationshipInput } from './profile-types.js';
import { profileTable } from './profile.js';
import { findRelationships } from './relationships.js';
import { nameSimilarity } from './relationships-names.js';

let conn: DuckDBConnection;
let dir = '';
const tables: RelationshipInput[] = [];

beforeAll(async () => {
  conn = await (await DuckDBInstance.create(':memory:')).connect();
  dir = mkdtempSync(join(tmpdir(), 'autolab-rel-'));
  const write = async (name: string, sql: string) => {
    const path = join(dir, `${name}.parquet`);
    await conn.run(`COPY (${sql}) TO '${path}' (FORMAT parquet)`);
    tables.push({ name, parquetPath: path, profile: await profileTable(conn, { name, parquetPath: path }) });
  };
  await write('users', `SELECT i AS id, 'user' || i AS login, i % 5 AS tier FROM range(30000) t(i)`);
  // 3% of the sessions point at users that do not exist (deleted accounts)
  await write('sessions', `SELECT i AS session_id, CASE WHEN i % 100 < 3 THEN 100000 + i ELSE (i * 7) % 30000 END AS user_id, i % 5 AS weekday FROM range(60000) t(i)`);
  await write('user_settings', `SELECT i AS user_id, i % 2 = 0 AS dark_mode FROM range(30000) t(i) WHERE i % 3 = 0`);
});

afterAll(() => {
  conn?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('findRelationships', () => {
  it('finds foreign keys on hashed sketches, with inclusion and cardinality', async () => {
    const found = await findRelationships(conn, tables, { sketchThreshold: 10_000, sketchSize: 3_000 });
    const key = (from: string, to: string) => found.find((r) => `${r.from.table}.${r.from.column}` === from && `${r.to.table}.${r.to.column}` === to);
    const sessions = key('sessions.user_id', 'users.id');
    expect(sessions?.cardinality).toBe('one-to-many');
    expect(sessions?.inclusionEstimated).toBe(true);
    expect(sessions?.inclusion).toBeGreaterThan(0.6);
    expect(sessions?.inclusion).toBeLessThan(0.95);
    const settings = key('user_settings.user_id', 'users.id');
    expect(settings?.cardinality).toBe('one-to-one');
    expect(settings?.inclusion).toBeGreaterThan(0.97);
    // small integers (tiers, weekdays) fit inside any id range but are not references
    expect(found.some((r) => ['tier', 'weekday', 'dark_mode'].includes(r.from.column))).toBe(false);
    expect(found).toHaveLength(2);
  });

  it('measures exact inclusion when columns are small', async () => {
    const found = await findRelationships(conn, tables);
    expect(found.find((r) => r.from.table === 'user_settings')?.inclusionEstimated).toBe(false);
  });
});

describe('nameSimilarity', () => {
  it('matches a foreign key to its table key, not to other tables', () => {
    expect(nameSimilarity('customer_id', 'customers', 'id')).toBe(1);
    expect(nameSimilarity('CustomerID', 'Customer', 'CustomerID')).toBe(1);
    expect(nameSimilarity('billing_customer_id', 'customers', 'id')).toBeGreaterThanOrEqual(0.8);
    expect(nameSimilarity('category_id', 'categories', 'id')).toBe(1);
    expect(nameSimilarity('product_id', 'customers', 'id')).toBeLessThan(0.5);
    expect(nameSimilarity('manager_id', 'employees', 'employee_id', true)).toBe(0.8);
  });
});
