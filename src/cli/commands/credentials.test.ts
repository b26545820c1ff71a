/**
 * Human moment 1: a PostgreSQL password given three ways (a ${env:NAME} reference, written in the
 * URL, typed at the prompt) must never appear in the catalog file, the store, the action log,
 * `status --json`, any command's output or any error message.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addSource, openLab } from '../../app/index.js';
import { KEY_FILE, Vault } from '../../sources/index.js';
import { main } from '../main.js';

const PG_URL = process.env['AUTOLAB_TEST_PG'] || undefined;
const MYSQL_URL = process.env['AUTOLAB_TEST_MYSQL'] || undefined;
const suffix = randomBytes(4).toString('hex');
const role = `autolab_cred_${suffix}`;
const schema = `autolab_cred_${suffix}`;
const catalogSchema = `autolab_credcat_${suffix}`;
const TAIL = randomBytes(6).toString('hex');
/** unencoded `/` and `@`: the URL parser cuts it, and the part after must not leak either */
const PASSWORD = `Pw-${randomBytes(6).toString('hex')}/${TAIL}@Sec`;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs the CLI in this process, keeping everything it printed in `seen`. */
function printingCli(): { run: (...argv: string[]) => Promise<number>; seen: string } {
  const cli = {
    seen: '',
    async run(...argv: string[]): Promise<number> {
      let printed = '';
      const capture = (chunk: string | Uint8Array) => {
        printed += String(chunk);
        return true;
      };
      const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
      const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
      try {
        return await main(argv);
      } finally {
        outSpy.mockRestore();
        errSpy.mockRestore();
        process.exitCode = undefined;
        cli.seen += printed + '\n';
      }
    },
  };
  return cli;
}

/** No file under the lab (but the vault key) holds `secret`, in UTF-8 or UTF-16. */
function expectNowhereInLab(root: string, secrets: readonly string[]): void {
  const files = filesUnder(join(root, '.autolab')).filter((f) => !f.endsWith(KEY_FILE));
  expect(files.length).toBeGreaterThan(0);
  for (const file of [...files, join(root, 'autolab.yaml')]) {
    const bytes = readFileSync(file);
    for (const secret of secrets) {
      expect(bytes.includes(secret), file).toBe(false);
      expect(bytes.includes(Buffer.from(secret, 'utf16le')), file).toBe(false);
    }
  }
}

describe.skipIf(!PG_URL)(`credentials never leak${PG_URL ? '' : ' (skipped: AUTOLAB_TEST_PG is not set)'}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'autolab-cred-'));
  const startDir = process.cwd();
  const cli = printingCli();
  const run = cli.run;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${PASSWORD}'`);
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.accounts AS SELECT i AS id, 'acct' || i AS name FROM generate_series(1, 20) i`);
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT CREATE ON DATABASE ${new URL(PG_URL ?? '').pathname.slice(1)} TO ${role}`);
    await admin.end();
  });
  afterAll(async () => {
    process.chdir(startDir);
    delete process.env['AUTOLAB_CRED_PW'];
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS ${catalogSchema} CASCADE`);
    await admin.query(`REVOKE ALL ON DATABASE ${new URL(PG_URL ?? '').pathname.slice(1)} FROM ${role}`);
    await admin.query(`DROP ROLE IF EXISTS ${role}`);
    await admin.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('keeps a known password out of every file, log line, output and error', async () => {
    const root = join(work, 'lab');
    const host = new URL(PG_URL ?? '').host;
    const database = new URL(PG_URL ?? '').pathname.slice(1);
    expect(await run('init', root, '--project', 'bank')).toBe(0);
    process.chdir(root);

    process.env['AUTOLAB_CRED_PW'] = PASSWORD;
    expect(await run('source', 'add', 'by-env', `postgres://${role}:\${env:AUTOLAB_CRED_PW}@${host}/${database}`, '--schema', schema)).toBe(0);
    expect(await run('source', 'add', 'in-url', `postgres://${role}:${PASSWORD}@${host}/${database}`, '--tables', `${schema}.accounts`)).toBe(0);
    const inQuery = `postgres://${role}@${host}/${database}?password=${encodeURIComponent(PASSWORD)}&sslpassword=${encodeURIComponent(PASSWORD)}&application_name=canary`;
    expect(await run('source', 'add', 'in-query', inQuery, '--tables', `${schema}.accounts`, '--json')).toBe(0);
    expect(await run('source', 'add', 'in-query-text', inQuery.replace(/password=[^&]+/g, `password=${PASSWORD}`), '--tables', `${schema}.accounts`)).toBe(0);
    const lab = await openLab(root);
    try {
      const typed = await addSource(lab, 'bank', 'typed', `postgres://${role}@${host}/${database}`, {
        query: `SELECT * FROM ${schema}.accounts WHERE id > 10`,
        askPassword: () => Promise.resolve(PASSWORD),
        password: PASSWORD,
      });
      cli.seen += JSON.stringify(typed);
    } finally {
      await lab.close();
    }
    // failures that carry the password in their input
    expect(await run('source', 'add', 'down', `postgres://${role}:${PASSWORD}@127.0.0.1:1/${database}`)).toBe(1);
    expect(await run('source', 'add', 'missing', `postgres://${role}:${PASSWORD}@${host}/${database}`, '--tables', 'nope')).toBe(1);
    expect(await run('source', 'add', 'bad-query', `postgres://${role}:${PASSWORD}@${host}/${database}`, '--query', `SELECT '${PASSWORD}' FROM nowhere`)).toBe(1);
    expect(await run('source', 'add', 'down-query', `postgres://${role}@127.0.0.1:1/${database}?password=${PASSWORD}`)).toBe(1);
    expect(await run('source', 'add', 'bad-url', `postgres://${role}:${PASSWORD}@/${database}`)).toBe(1);

    expect(await run('ingest', '--json')).toBe(0);
    expect(cli.seen).toMatch(/"table": "accounts",\s+"status": "new"/);
    expect(await run('ingest')).toBe(0);
    expect(await run('status', '--json')).toBe(0);
    expect(await run('status')).toBe(0);
    expect(await run('log')).toBe(0);
    expect(await run('log', '--json')).toBe(0);
    expect(await run('source', 'list', '--json')).toBe(0);
    expect(await run('source', 'list')).toBe(0);

    // the vault does hold it — encrypted — and gives it back with the key
    const reopened = await openLab(root);
    try {
      const project = await reopened.catalog.getProject('bank');
      const sources = await reopened.catalog.listSources(project?.id ?? -1);
      expect(sources.map((s) => s.name).sort()).toEqual(['by-env', 'in-query', 'in-query-text', 'in-url', 'typed']);
      const vault = await Vault.open(reopened.catalog, join(root, '.autolab'));
      const inUrl = sources.find((s) => s.name === 'in-url');
      expect(await vault.get(inUrl?.credentialId ?? '')).toEqual({ password: PASSWORD });
      const byEnv = sources.find((s) => s.name === 'by-env');
      expect(await vault.get(byEnv?.credentialId ?? '')).toEqual({ passwordEnv: 'AUTOLAB_CRED_PW' });
      const inQuerySource = sources.find((s) => s.name === 'in-query');
      expect(inQuerySource?.uri).toBe(`postgres://${role}@${host}/${database}?application_name=canary`);
      expect(await vault.get(inQuerySource?.credentialId ?? '')).toEqual({ password: PASSWORD, params: { sslpassword: PASSWORD } });
      cli.seen += JSON.stringify(sources) + JSON.stringify(await reopened.catalog.listActions({ limit: 1000 })) + JSON.stringify(await reopened.catalog.status());
    } finally {
      await reopened.close();
    }
    expect(statSync(join(root, '.autolab', KEY_FILE)).mode & 0o777).toBe(0o600);

    expect(cli.seen).toContain('accounts');
    expect(cli.seen).not.toContain(PASSWORD);
    expect(cli.seen).not.toContain(encodeURIComponent(PASSWORD));
    expect(cli.seen).not.toContain(TAIL);
    expectNowhereInLab(root, [PASSWORD, TAIL]);
  });

  it('init keeps the catalog password out of autolab.yaml, the catalog and every output', async () => {
    const root = join(work, 'pg-lab');
    const { host, pathname } = new URL(PG_URL ?? '');
    const catalog = `postgres://${role}:${PASSWORD}@${host}${pathname}?schema=${catalogSchema}`;
    expect(await run('init', root, '--catalog', catalog, '--project', 'shared')).toBe(0);
    expect(cli.seen).toContain('kept encrypted in .autolab/lab-secrets, not in autolab.yaml');
    const yaml = join(root, 'autolab.yaml');
    expect(readFileSync(yaml, 'utf8')).toContain(`catalog: postgres://${role}@${host}${pathname}?schema=${catalogSchema}\n`);
    expect(statSync(yaml).mode & 0o077).toBe(0);
    expect(statSync(join(root, '.autolab', 'lab-secrets')).mode & 0o777).toBe(0o600);
    process.chdir(root);
    expect(await run('status', '--json')).toBe(0);
    expect(cli.seen).toContain('"project": "shared"');
    expect(await run('log', '--json')).toBe(0);
    expect(await run('source', 'add', 'down', 'postgres://nobody@127.0.0.1:1/x')).toBe(1);

    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    let catalogRows = '';
    try {
      const tables = await admin.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [catalogSchema]);
      expect(tables.rows.length).toBeGreaterThan(3);
      for (const { name } of tables.rows) catalogRows += JSON.stringify((await admin.query(`SELECT * FROM ${catalogSchema}."${name}"`)).rows);
    } finally {
      await admin.end();
    }
    expect(catalogRows).toContain('project.create');
    for (const text of [cli.seen, catalogRows]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(encodeURIComponent(PASSWORD));
      expect(text).not.toContain(TAIL);
    }
    expectNowhereInLab(root, [PASSWORD, TAIL]);
  });
});

describe.skipIf(!MYSQL_URL)(`a MySQL password in the query never leaks${MYSQL_URL ? '' : ' (skipped: AUTOLAB_TEST_MYSQL is not set)'}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'autolab-cred-my-'));
  const startDir = process.cwd();
  const user = `acred_${suffix}`;
  const admin = () => mysql.createConnection(MYSQL_URL ?? '');

  beforeAll(async () => {
    const conn = await admin();
    await conn.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await conn.query(`CREATE TABLE IF NOT EXISTS ${user}_t (id int)`);
    await conn.query(`GRANT SELECT ON *.* TO '${user}'@'%'`);
    await conn.end();
  });
  afterAll(async () => {
    process.chdir(startDir);
    const conn = await admin();
    await conn.query(`DROP TABLE IF EXISTS ${user}_t`);
    await conn.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await conn.end();
    rmSync(work, { recursive: true, force: true });
  });

  it('takes ?user=&password= as the user and a secret', async () => {
    const cli = printingCli();
    const root = join(work, 'lab');
    const { host, pathname } = new URL(MYSQL_URL ?? '');
    expect(await cli.run('init', root, '--project', 'shop')).toBe(0);
    process.chdir(root);
    const location = `mysql://${host}${pathname}?user=${user}&password=${encodeURIComponent(PASSWORD)}`;
    expect(await cli.run('source', 'add', 'shop-db', location, '--tables', `${user}_t`)).toBe(0);
    expect(await cli.run('source', 'add', 'wrong', location.replace(/password=[^&]+/, `password=${PASSWORD}x`), '--tables', `${user}_t`)).toBe(1);
    expect(await cli.run('ingest')).toBe(0);
    expect(await cli.run('source', 'list', '--json')).toBe(0);
    expect(cli.seen).toContain(`"uri": "mysql://${user}@${host}${pathname}"`);
    expect(await cli.run('status', '--json')).toBe(0);
    expect(await cli.run('log', '--json')).toBe(0);
    expect(cli.seen).not.toContain(PASSWORD);
    expect(cli.seen).not.toContain(encodeURIComponent(PASSWORD));
    expect(cli.seen).not.toContain(TAIL);
    expectNowhereInLab(root, [PASSWORD, TAIL]);
  });
});
