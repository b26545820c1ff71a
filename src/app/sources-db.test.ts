/**
 * Database sources on real servers — PostgreSQL (AUTOLAB_TEST_PG), MariaDB/MySQL (AUTOLAB_TEST_MYSQL)
 * and SQLite — with one test body for all. Each run fills its own schema/database and drops it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError, InputError } from '../common/index.js';
import { addSource, ingestProject, initLab, type Lab } from './index.js';

const PG_URL = process.env['AUTOLAB_TEST_PG'] || undefined;
const MYSQL_URL = process.env['AUTOLAB_TEST_MYSQL'] || undefined;
const ROWS = 25_000;

interface DbBackend {
  readonly name: string;
  readonly skip: string | false;
  /** creates the tables; returns the source location and the options that pick all of them */
  setup(): Promise<{ location: string; all: { schema?: string }; qualified: (table: string) => string }>;
  /** a location on a port where nothing listens */
  downLocation(): string;
  /** the types the customers table arrives with */
  readonly customerTypes: string[];
  teardown(): Promise<void>;
}

const suffix = randomBytes(4).toString('hex');
const CUSTOMERS = [
  [1, 'Ada', '2023-01-04', '10.50', true, 'likes "quotes", commas'],
  [2, 'Bjørn', '2023-02-11', '-3.25', false, 'two\nlines'],
  [3, 'Cleo', null, '0.00', true, null],
] as const;

function postgresBackend(): DbBackend {
  const schema = `autolab_src_${suffix}`;
  return {
    name: 'postgres',
    skip: PG_URL ? false : 'AUTOLAB_TEST_PG is not set',
    customerTypes: ['INTEGER', 'VARCHAR', 'DATE', 'DECIMAL(10,2)', 'BOOLEAN', 'VARCHAR'],
    async setup() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      try {
        await client.query(`CREATE SCHEMA ${schema}`);
        await client.query(`CREATE TABLE ${schema}.customers (id integer PRIMARY KEY, name text, signup date, balance numeric(10,2), active boolean, note text)`);
        for (const row of CUSTOMERS) await client.query(`INSERT INTO ${schema}.customers VALUES ($1, $2, $3, $4, $5, $6)`, [...row]);
        await client.query(`CREATE TABLE ${schema}.events AS SELECT i AS id, i % 3 AS customer_id, i * 0.5::float8 AS amount FROM generate_series(1, ${ROWS}) i`);
      } finally {
        await client.end();
      }
      return { location: PG_URL ?? '', all: { schema }, qualified: (t) => `${schema}.${t}` };
    },
    downLocation: () => 'postgres://postgres@127.0.0.1:1/test',
    async teardown() {
      if (!PG_URL) return;
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
}

function mysqlBackend(): DbBackend {
  const database = `autolab_src_${suffix}`;
  const url = (db: string) => {
    const u = new URL(MYSQL_URL ?? 'mysql://x@127.0.0.1/x');
    u.pathname = `/${db}`;
    return u.toString();
  };
  return {
    name: 'mariadb',
    skip: MYSQL_URL ? false : 'AUTOLAB_TEST_MYSQL is not set',
    customerTypes: ['BIGINT', 'VARCHAR', 'DATE', 'DECIMAL(10,2)', 'BIGINT', 'VARCHAR'],
    async setup() {
      const conn = await mysql.createConnection({ uri: MYSQL_URL ?? '', multipleStatements: false });
      try {
        await conn.query(`CREATE DATABASE ${database}`);
        await conn.query(`CREATE TABLE ${database}.customers (id int PRIMARY KEY, name text, signup date, balance decimal(10,2), active boolean, note text)`);
        for (const row of CUSTOMERS) await conn.query(`INSERT INTO ${database}.customers VALUES (?, ?, ?, ?, ?, ?)`, [...row]);
        await conn.query(`CREATE TABLE ${database}.events (id int, customer_id int, amount double)`);
        await conn.query('SET SESSION max_recursive_iterations = 1000000');
        await conn.query(
          `INSERT INTO ${database}.events WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) SELECT i, i % 3, i * 0.5 FROM n`,
        );
      } finally {
        await conn.end();
      }
      return { location: url(database), all: {}, qualified: (t) => t };
    },
    downLocation: () => 'mysql://root@127.0.0.1:1/test',
    async teardown() {
      if (!MYSQL_URL) return;
      const conn = await mysql.createConnection({ uri: MYSQL_URL });
      await conn.query(`DROP DATABASE IF EXISTS ${database}`);
      await conn.end();
    },
  };
}

function sqliteBackend(): DbBackend {
  const dir = mkdtempSync(join(tmpdir(), 'autolab-sqlite-src-'));
  const file = join(dir, 'shop.sqlite');
  return {
    name: 'sqlite',
    skip: false,
    customerTypes: ['BIGINT', 'VARCHAR', 'DATE', 'DOUBLE', 'BOOLEAN', 'VARCHAR'],
    setup() {
      const db = new Database(file);
      db.exec('CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, signup DATE, balance REAL, active BOOLEAN, note TEXT)');
      const insert = db.prepare('INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)');
      for (const [id, name, signup, balance, active, note] of CUSTOMERS) insert.run(id, name, signup, Number(balance), active ? 1 : 0, note);
      db.exec(`CREATE TABLE events AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${ROWS}) SELECT i AS id, i % 3 AS customer_id, i * 0.5 AS amount FROM n`);
      db.close();
      return Promise.resolve({ location: `sqlite:${file}`, all: {}, qualified: (t: string) => t });
    },
    downLocation: () => `sqlite:${join(dir, 'missing.sqlite')}`,
    teardown() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

let dir: string;
let lab: Lab;
let duck: DuckDBInstance;
let conn: DuckDBConnection;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-dbsrc-'));
  lab = await initLab(join(dir, 'lab'), { project: 'p' });
  duck = await DuckDBInstance.create(':memory:');
  conn = await duck.connect();
});
afterAll(async () => {
  conn.closeSync();
  duck.closeSync();
  await lab.close();
  rmSync(dir, { recursive: true, force: true });
});

async function lakeRows(lakeKey: string | null, sql = 'SELECT * FROM read_parquet($p) ORDER BY 1') {
  const reader = await conn.runAndReadAll(sql, { p: await lab.store.localPathFor(lakeKey ?? '') });
  return { types: reader.columnTypes().map(String), rows: reader.getRowsJson() as unknown[][] };
}

for (const backend of [postgresBackend(), mysqlBackend(), sqliteBackend()]) {
  describe.skipIf(backend.skip)(`${backend.name} sources${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    let setup: Awaited<ReturnType<DbBackend['setup']>>;
    beforeAll(async () => {
      setup = await backend.setup();
    });
    afterAll(() => backend.teardown());

    it('ingests every table, streaming a large one in batches, with the declared types', async () => {
      const added = await addSource(lab, 'p', `${backend.name}-all`, setup.location, setup.all);
      expect(added.tables.map((t) => t.name)).toEqual(['customers', 'events']);
      const outcome = await ingestProject(lab, 'p', { source: `${backend.name}-all` });
      expect(outcome.firstError).toBeUndefined();
      expect(outcome.tables.map((t) => [t.table, t.status, t.rows])).toEqual([
        ['customers', 'new', 3],
        ['events', 'new', ROWS],
      ]);
      const customers = await lakeRows(outcome.tables[0]?.lakeKey ?? null);
      expect(customers.types).toEqual(backend.customerTypes);
      expect(customers.rows.map((r) => [r[1], r[2], Number(r[3]), r[5]])).toEqual([
        ['Ada', '2023-01-04', 10.5, 'likes "quotes", commas'],
        ['Bjørn', '2023-02-11', -3.25, 'two\nlines'],
        ['Cleo', null, 0, null],
      ]);
      const events = await lakeRows(outcome.tables[1]?.lakeKey ?? null, 'SELECT count(*), sum(amount) FROM read_parquet($p)');
      expect(events.rows[0]).toEqual([String(ROWS), (ROWS * (ROWS + 1)) / 4]);
    });

    it('ingests chosen tables, and makes no new snapshot when the rows did not change', async () => {
      await addSource(lab, 'p', `${backend.name}-chosen`, setup.location, { tables: [setup.qualified('customers')] });
      const first = await ingestProject(lab, 'p', { source: `${backend.name}-chosen` });
      expect(first.tables.map((t) => [t.status, t.rows])).toEqual([['new', 3]]);
      const again = await ingestProject(lab, 'p', { source: `${backend.name}-chosen` });
      expect(again.tables.map((t) => [t.status, t.version])).toEqual([['unchanged', 1]]);
    });

    it('ingests a query as one table named after the source', async () => {
      const added = await addSource(lab, 'p', `${backend.name}-q`, setup.location, {
        query: `SELECT customer_id, count(*) AS n FROM ${setup.qualified('events')} GROUP BY customer_id ORDER BY customer_id;`,
      });
      expect(added.tables.map((t) => t.name)).toEqual([`${backend.name}-q`]);
      const outcome = await ingestProject(lab, 'p', { source: `${backend.name}-q` });
      const rows = await lakeRows(outcome.tables[0]?.lakeKey ?? null);
      expect(rows.rows.map((r) => Number(r[1]))).toEqual([Math.floor(ROWS / 3), Math.ceil(ROWS / 3), Math.floor(ROWS / 3)]);
    });

    it('ingests a query that ends in a -- comment', async () => {
      const added = await addSource(lab, 'p', `${backend.name}-commented`, setup.location, {
        query: `SELECT id, name FROM ${setup.qualified('customers')} WHERE id < 3 -- the first two customers`,
      });
      expect(added.tables.map((t) => t.name)).toEqual([`${backend.name}-commented`]);
      const outcome = await ingestProject(lab, 'p', { source: `${backend.name}-commented` });
      expect(outcome.firstError).toBeUndefined();
      const rows = await lakeRows(outcome.tables[0]?.lakeKey ?? null);
      expect(rows.rows.map((r) => [Number(r[0]), r[1]])).toEqual([
        [1, 'Ada'],
        [2, 'Bjørn'],
      ]);
    });

    it('ingests a query that ends in a semicolon and then a -- comment', async () => {
      const added = await addSource(lab, 'p', `${backend.name}-semi-commented`, setup.location, {
        query: `SELECT id, name FROM ${setup.qualified('customers')} WHERE id < 3 AND name <> ';--' ; -- the first two customers; not the rest`,
      });
      expect(added.tables.map((t) => t.name)).toEqual([`${backend.name}-semi-commented`]);
      const outcome = await ingestProject(lab, 'p', { source: `${backend.name}-semi-commented` });
      expect(outcome.firstError).toBeUndefined();
      const rows = await lakeRows(outcome.tables[0]?.lakeKey ?? null);
      expect(rows.rows.map((r) => [Number(r[0]), r[1]])).toEqual([
        [1, 'Ada'],
        [2, 'Bjørn'],
      ]);
    });

    it('says which table does not exist, and which do', async () => {
      const error = await addSource(lab, 'p', `${backend.name}-missing`, setup.location, { tables: [setup.qualified('nope')] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect((error as Error).message).toMatch(/^no table \S*nope in .* — tables there: customers, events$/);
      expect(await lab.catalog.getSource((await lab.catalog.getProject('p'))?.id ?? -1, `${backend.name}-missing`)).toBeUndefined();
    });

    it('says when the database is down (nothing listens on the port) or missing', async () => {
      const error = await addSource(lab, 'p', `${backend.name}-down`, backend.downLocation()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(backend.name === 'sqlite' ? InputError : ConnectionError);
      expect((error as Error).message).toMatch(backend.name === 'sqlite' ? /^file not found: / : /^cannot reach .*127\.0\.0\.1:1.* \(ECONNREFUSED\) — check that the server is running/);
      expect((error as Error).message).not.toContain('\n');
    });
  });
}

/** Whether the PostgreSQL server checks passwords at all: one configured with `trust` lets any in. */
async function pgRefusesWrongPasswords(): Promise<boolean> {
  if (!PG_URL) return false;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  const probe = `autolab_probe_${suffix}`;
  try {
    await admin.query(`CREATE ROLE ${probe} LOGIN PASSWORD 'probe-${suffix}'`);
    const url = new URL(PG_URL);
    url.username = probe;
    const client = new pg.Client({ connectionString: url.toString(), password: 'not-the-password' });
    const refused = await client.connect().then(
      () => false,
      () => true,
    );
    await client.end().catch(() => undefined);
    return refused;
  } finally {
    await admin.query(`DROP ROLE IF EXISTS ${probe}`);
    await admin.end();
  }
}
const pgChecksPasswords = await pgRefusesWrongPasswords();
const pgPasswordSkip = !PG_URL
  ? 'AUTOLAB_TEST_PG is not set'
  : !pgChecksPasswords
    ? 'the PostgreSQL server at AUTOLAB_TEST_PG trusts every connection (pg_hba trust), so it cannot refuse a wrong password'
    : false;

describe.skipIf(pgPasswordSkip)(`a wrong PostgreSQL password${pgPasswordSkip ? ` (skipped: ${pgPasswordSkip})` : ''}`, () => {
  const role = `autolab_role_${suffix}`;
  beforeAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'Right-Horse-${suffix}'`);
    await client.end();
  });
  afterAll(async () => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`DROP ROLE IF EXISTS ${role}`);
    await client.end();
  });

  it('is refused in one line that names the user, not the password', async () => {
    const url = new URL(PG_URL ?? '');
    url.username = role;
    const error = await addSource(lab, 'p', 'pg-wrong', url.toString(), { password: `Wrong-Horse-${suffix}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`refused the password for ${role} — check the user name and password$`));
    expect((error as Error).message).not.toContain('Horse');
  });
});

describe.skipIf(!MYSQL_URL)(`a wrong MariaDB password${MYSQL_URL ? '' : ' (skipped: AUTOLAB_TEST_MYSQL is not set)'}`, () => {
  const user = `autolab_u_${suffix}`;
  beforeAll(async () => {
    const conn = await mysql.createConnection({ uri: MYSQL_URL ?? '' });
    await conn.query(`CREATE USER '${user}'@'127.0.0.1' IDENTIFIED BY 'Right-Horse-${suffix}'`);
    await conn.end();
  });
  afterAll(async () => {
    const conn = await mysql.createConnection({ uri: MYSQL_URL ?? '' });
    await conn.query(`DROP USER IF EXISTS '${user}'@'127.0.0.1'`);
    await conn.end();
  });

  it('is refused in one line', async () => {
    const url = new URL(MYSQL_URL ?? '');
    url.username = user;
    const error = await addSource(lab, 'p', 'my-wrong', url.toString(), { password: `Wrong-Horse-${suffix}` }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toMatch(new RegExp(`refused the password for ${user} — check the user name and password$`));
    expect((error as Error).message).not.toContain('Horse');
  });

  it('is asked for when the URL names a user without one, and kept encrypted', async () => {
    const url = new URL(MYSQL_URL ?? '');
    url.username = user;
    const noTerminal = await addSource(lab, 'p', 'my-noask', url.toString()).catch((e: unknown) => e);
    expect((noTerminal as Error).message).toMatch(/wants a password for .* and there is no terminal to ask for it — give it as a reference: USER:\$\{env:NAME\}@host/);
    const asked: string[] = [];
    const error = await addSource(lab, 'p', 'my-ask', url.toString(), {
      askPassword: (message) => {
        asked.push(message);
        return Promise.resolve(`Wrong-Horse-${suffix}`);
      },
    }).catch((e: unknown) => e);
    expect(asked).toEqual([`password for ${user} at mysql://${user}@${url.host}/${url.pathname.slice(1)}`]);
    expect((error as Error).message).toMatch(/refused the password/);
  });
});

describe('sqlite sources: types SQLite does not enforce (duckdb/duckdb#25824)', () => {
  it('keeps a decimal in an INTEGER column, a time in a DATE column and a decimal past the rows an untyped column is typed from', async () => {
    const file = join(dir, 'loose.sqlite');
    const db = new Database(file);
    const late = 1500;
    db.exec('CREATE TABLE loose (id INTEGER, x INTEGER, d DATE)');
    const insert = db.prepare('INSERT INTO loose VALUES (?, ?, ?)');
    for (let i = 0; i < 2000; i++) insert.run(i, i === late ? 2.5 : i % 9, i === late ? '2024-01-05 12:34:56' : `2024-01-0${1 + (i % 9)}`);
    // a column made by an expression declares no type: the first 1,000 rows give it one
    db.exec(`CREATE TABLE derived AS SELECT id, CASE WHEN id = ${late} THEN 2.5 ELSE id END AS v FROM loose`);
    db.close();
    await addSource(lab, 'p', 'sqlite-loose', `sqlite:${file}`, {});
    const outcome = await ingestProject(lab, 'p', { source: 'sqlite-loose' });
    expect(outcome.firstError).toBeUndefined();
    const [derived, loose] = [...outcome.tables].sort((a, b) => (a.table ?? '').localeCompare(b.table ?? ''));
    const looseRows = await lakeRows(loose?.lakeKey ?? null, `SELECT * FROM read_parquet($p) WHERE id IN (${late - 1}, ${late}) ORDER BY id`);
    expect(looseRows.types).toEqual(['BIGINT', 'VARCHAR', 'VARCHAR']);
    expect(looseRows.rows).toEqual([
      [String(late - 1), String((late - 1) % 9), `2024-01-0${1 + ((late - 1) % 9)}`],
      [String(late), '2.5', '2024-01-05 12:34:56'],
    ]);
    expect(loose?.notes.join('\n')).toMatch(/values that do not fit their declared type: read as text in (x, d|d, x)$/);
    const derivedRows = await lakeRows(derived?.lakeKey ?? null, `SELECT * FROM read_parquet($p) WHERE id = ${late}`);
    expect(derivedRows.types).toEqual(['BIGINT', 'VARCHAR']);
    expect(derivedRows.rows).toEqual([[String(late), '2.5']]);
  });
});
