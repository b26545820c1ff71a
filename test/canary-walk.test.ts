/**
 * The canary walk (issue 12, "Secrets"): one password — the canary — given in every form the lab
 * accepts (PostgreSQL user-info percent-encoded and raw with `/` and `@`, `?password=`,
 * `?sslpassword=`, MariaDB `?user=&password=`, S3 keys in the URL, `init --catalog` and
 * `init --store`), then every command of the built CLI (`node bin/autolab.js`), with and without
 * `--json`, and every failure it can provoke. Afterwards no byte of the labs, of the S3 server's
 * objects, of any output or of the PostgreSQL catalog's tables holds the canary.
 *
 * The servers here trust every connection, so a wrong password still connects: what matters is
 * that the canary never shows.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3RVER_CREDENTIALS, startLocalS3, type LocalS3 } from '../src/store/s3rver.testutil.js';

const PG_URL = process.env['AUTOLAB_TEST_PG'] || undefined;
const MYSQL_URL = process.env['AUTOLAB_TEST_MYSQL'] || undefined;
const CLI = resolve(import.meta.dirname, '../bin/autolab.js');
const BUILT = existsSync(resolve(import.meta.dirname, '../dist/cli/main.js'));
const skipReason = !PG_URL || !MYSQL_URL ? ' (skipped: AUTOLAB_TEST_PG and AUTOLAB_TEST_MYSQL must be set)' : !BUILT ? ' (skipped: run `npm run build` first)' : '';

const suffix = randomBytes(4).toString('hex');
const TAIL = randomBytes(6).toString('hex');
/** unencoded `/` and `@`, so that a parser that cuts it leaks its tail */
const CANARY = `Cn-${randomBytes(6).toString('hex')}/${TAIL}@Ry`;
const FORMS = [CANARY, encodeURIComponent(CANARY), TAIL];
const pgSchema = `canary_src_${suffix}`;
const catalogSchema = `canary_cat_${suffix}`;
const myUser = `canary_${suffix}`;

interface Printed {
  argv: string[];
  code: number;
  stdout: string;
  stderr: string;
}

const printed: Printed[] = [];

function cli(cwd: string, ...argv: string[]): Promise<Printed> {
  return new Promise((done) => {
    const env: NodeJS.ProcessEnv = { ...process.env, AUTOLAB_THREADS: '2' };
    delete env['AUTOLAB_DEBUG'];
    execFile(process.execPath, [CLI, ...argv], { cwd, env, maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      const result = { argv, code, stdout, stderr };
      printed.push(result);
      done(result);
    });
  });
}

async function exits(code: number, running: Promise<Printed>): Promise<void> {
  const done = await running;
  expect(done.code, `${done.argv.join(' ')}: ${done.stderr}`).toBe(code);
}

/** Runs the command with and without `--json`, expecting `code` both times. */
async function both(cwd: string, code: number, ...argv: string[]): Promise<void> {
  const [plain, json] = await Promise.all([cli(cwd, ...argv), cli(cwd, ...argv, '--json')]);
  expect(plain.code, `${argv.join(' ')}: ${plain.stderr}`).toBe(code);
  expect(json.code, `${argv.join(' ')} --json: ${json.stderr}`).toBe(code);
}

/** As `both`, one after the other: two changes at once are a conflict (the second is refused). */
async function bothInTurn(cwd: string, code: number, ...argv: string[]): Promise<void> {
  const plain = await cli(cwd, ...argv);
  const json = await cli(cwd, ...argv, '--json');
  expect(plain.code, `${argv.join(' ')}: ${plain.stderr}`).toBe(code);
  expect(json.code, `${argv.join(' ')} --json: ${json.stderr}`).toBe(code);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Where the canary shows, in any of its forms, in UTF-8 or UTF-16. */
function hitsIn(label: string, bytes: Buffer): string[] {
  return FORMS.flatMap((form) =>
    [Buffer.from(form), Buffer.from(form, 'utf16le')].filter((needle) => bytes.includes(needle)).map(() => `${label}: ${form === TAIL ? 'its tail' : form}`),
  );
}

describe.skipIf(skipReason !== '')(`the canary walk${skipReason}`, () => {
  const work = mkdtempSync(join(tmpdir(), 'autolab-canary-'));
  const pgHost = PG_URL ? new URL(PG_URL).host : '';
  const pgDb = PG_URL ? new URL(PG_URL).pathname : '';
  const myHost = MYSQL_URL ? new URL(MYSQL_URL).host : '';
  const myDb = MYSQL_URL ? new URL(MYSQL_URL).pathname : '';
  let s3: LocalS3;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${pgSchema}`);
    await admin.query(`CREATE TABLE ${pgSchema}.accounts AS SELECT i AS id, 'acct' || i AS name FROM generate_series(1, 30) i`);
    await admin.end();
    const my = await mysql.createConnection(MYSQL_URL ?? '');
    await my.query(`CREATE USER '${myUser}'@'%' IDENTIFIED BY '${CANARY}'`);
    await my.query(`CREATE TABLE ${myUser}_orders (id int, amount int)`);
    await my.query(`INSERT INTO ${myUser}_orders VALUES (1, 10), (2, 20), (3, 30)`);
    await my.query(`GRANT SELECT ON *.* TO '${myUser}'@'%'`);
    await my.end();
    s3 = await startLocalS3(['canary-data', 'canary-store'], { anySecretKey: true });
    const client = new S3Client({ endpoint: s3.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: S3RVER_CREDENTIALS });
    await client.send(new PutObjectCommand({ Bucket: 'canary-data', Key: 'exports/items.csv', Body: 'item,price\na,1\nb,2\nc,3\n' }));
    client.destroy();
    const lines = ['id,age,plan,income,churn'];
    for (let i = 0; i < 200; i++) lines.push(`${i},${20 + (i % 50)},${['basic', 'plus', 'pro'][i % 3]},${1000 + ((i * 37) % 900)},${i % 3 === 2 || 20 + (i % 50) > 55 ? 'yes' : 'no'}`);
    writeFileSync(join(work, 'customers.csv'), lines.join('\n') + '\n');
    writeFileSync(join(work, 'new.csv'), 'age,plan,income\n33,plus,1200\n41,pro,1800\n');
  });

  afterAll(async () => {
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${pgSchema} CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS ${catalogSchema} CASCADE`);
    await admin.end();
    const my = await mysql.createConnection(MYSQL_URL ?? '');
    await my.query(`DROP TABLE IF EXISTS ${myUser}_orders`);
    await my.query(`DROP USER IF EXISTS '${myUser}'@'%'`);
    await my.end();
    await s3?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds the canary nowhere after every command and every failure', async () => {
    const lab = join(work, 'lab');
    const raw = CANARY;
    const enc = encodeURIComponent(CANARY);
    const s3Data = `s3://canary-data/exports/?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true`;

    // a lab whose PostgreSQL catalog URL carries the canary
    await exits(0, cli(work, 'init', lab, '--catalog', `postgres://postgres:${raw}@${pgHost}${pgDb}?schema=${catalogSchema}`, '--project', 'walk'));
    // every accepted form of a source password
    const sources: [name: string, location: string, ...options: string[]][] = [
      ['customers', join(work, 'customers.csv')],
      ['pg-encoded', `postgres://postgres:${enc}@${pgHost}${pgDb}`, '--tables', `${pgSchema}.accounts`],
      ['pg-raw', `postgres://postgres:${raw}@${pgHost}${pgDb}`, '--tables', `${pgSchema}.accounts`],
      ['pg-query', `postgres://postgres@${pgHost}${pgDb}?password=${enc}`, '--tables', `${pgSchema}.accounts`],
      ['pg-query-raw', `postgres://postgres@${pgHost}${pgDb}?password=${raw}&application_name=walk`, '--tables', `${pgSchema}.accounts`],
      ['pg-ssl', `postgres://postgres@${pgHost}${pgDb}?sslpassword=${enc}`, '--query', `SELECT id FROM ${pgSchema}.accounts WHERE id < 5`],
      ['maria', `mysql://${myHost}${myDb}?user=${myUser}&password=${enc}`, '--tables', `${myUser}_orders`],
      ['bucket', `${s3Data}&accessKeyId=${S3RVER_CREDENTIALS.accessKeyId}&secretAccessKey=${enc}`],
    ];
    for (const [name, location, ...options] of sources) {
      const added = await cli(lab, 'source', 'add', name, location, ...options, ...(name.endsWith('raw') ? ['--json'] : []));
      expect(added.code, `${name}: ${added.stderr}`).toBe(0);
    }

    // failures that carry the canary in their input: one line, never the canary
    const failures: [number, string, ...string[]][] = [
      [1, 'wrong-pw', `mysql://${myHost}${myDb}?user=${myUser}&password=${enc}x`, '--tables', `${myUser}_orders`],
      [1, 'down', `postgres://postgres:${raw}@127.0.0.1:1${pgDb}`],
      [1, 'down-query', `postgres://postgres@127.0.0.1:1${pgDb}?password=${raw}`],
      [1, 'no-host', `postgres://postgres:${raw}@${pgDb}`],
      [1, 'no-table', `postgres://postgres:${raw}@${pgHost}${pgDb}`, '--tables', 'nope'],
      [1, 'bad-query', `postgres://postgres:${raw}@${pgHost}${pgDb}`, '--query', 'SELECT nope FROM nowhere'],
      [1, 'no-db', `postgres://postgres:${raw}@${pgHost}/no_such_db_${suffix}`],
      [1, 'bad-port', `postgres://postgres:${raw}@127.0.0.1:99999${pgDb}`],
      [1, 'bad-escape', `postgres://postgres:%ZZ${raw}@${pgHost}${pgDb}`],
      [2, 'ftp', `ftp://user:${raw}@example.com/data.csv`],
      [1, 'maria-down', `mysql://127.0.0.1:1${myDb}?user=${myUser}&password=${enc}`],
      [1, 's3-bad-key', `${s3Data}&accessKeyId=NOT-A-KEY&secretAccessKey=${enc}`],
      [1, 's3-down', `s3://canary-data/x/?endpoint=${encodeURIComponent('http://127.0.0.1:1')}&region=us-east-1&accessKeyId=A&secretAccessKey=${enc}`],
    ];
    const failed = await Promise.all(failures.flatMap(([, name, ...rest]) => [cli(lab, 'source', 'add', name, ...rest), cli(lab, 'source', 'add', name, ...rest, '--json')]));
    const codes = failed.map((f) => f.code);
    if (process.env['CANARY_DEBUG']) for (const f of failed) console.log(f.code, f.stderr);
    expect(codes).toEqual(failures.flatMap(([code]) => [code, code]));
    for (const f of failed) expect(f.stderr.trim().split('\n'), f.stderr).toHaveLength(1);
    const initFailures = await Promise.all([
      cli(work, 'init', join(work, 'lab-down'), '--catalog', `postgres://postgres:${raw}@127.0.0.1:1${pgDb}?schema=x`),
      cli(work, 'init', join(work, 'lab-bad'), '--catalog', `postgres://postgres:${raw}@127.0.0.1:99999${pgDb}`, '--json'),
      cli(work, 'init', join(work, 'lab-s3-down'), '--store', `s3://b/p?endpoint=${encodeURIComponent('http://127.0.0.1:1')}&accessKeyId=A&secretAccessKey=${enc}`),
    ]);
    expect(initFailures.map((f) => f.code)).toEqual([1, 1, 1]);

    // the walk
    await Promise.all([both(lab, 0, 'source', 'list'), both(lab, 0, 'project', 'list')]);
    await exits(0, cli(lab, 'ingest', '--json'));
    await exits(0, cli(lab, 'ingest'));
    await both(lab, 0, 'status');
    await exits(0, cli(lab, 'explore', '--json'));
    await exits(0, cli(lab, 'explore'));
    await both(lab, 0, 'tags', 'show');
    await bothInTurn(lab, 0, 'tags', 'set', 'customers.churn', 'role=target');
    await both(lab, 0, 'tags', 'history');
    await both(lab, 1, 'tags', 'set', 'customers.nope', 'role=target');
    await both(lab, 0, 'run', '--dry-run');
    await exits(0, cli(lab, 'run', '--trials', '2', '--json'));
    await exits(0, cli(lab, 'run', '--trials', '2'));
    // read-only commands side by side (the machine has 2 cores; the walk is long enough)
    await Promise.all([
      both(lab, 0, 'status'),
      both(lab, 0, 'log'),
      both(lab, 0, 'log', '--verify'),
      both(lab, 0, 'log', '--limit', '1000'),
      both(lab, 2, 'log', '--limit', '-1'),
      both(lab, 2, 'log', '--project', 'nope'),
    ]);
    await exits(0, cli(lab, 'report', '--json'));
    await exits(0, cli(lab, 'report'));
    const model = join(work, 'model');
    await exits(0, cli(lab, 'train', join(work, 'customers.csv'), '--target', 'churn', '--trials', '2', '--out', model, '--json'));
    await Promise.all([
      both(lab, 0, 'leaderboard', model),
      both(lab, 0, 'predict', model, join(work, 'new.csv')),
      both(lab, 1, 'train', join(work, 'customers.csv'), '--target', 'nope', '--trials', '1', '--out', join(work, 'model-x')),
      both(lab, 2, 'nonsense'),
      exits(2, cli(lab, 'ingest', '--source', 'nope')),
    ]);

    // a second lab: SQLite catalog, S3 store whose secret key is the canary
    const lab2 = join(work, 'lab2');
    const store = `s3://canary-store/lab2?endpoint=${encodeURIComponent(s3.endpoint)}&region=us-east-1&forcePathStyle=true&accessKeyId=${S3RVER_CREDENTIALS.accessKeyId}&secretAccessKey=${raw}`;
    await exits(0, cli(work, 'init', lab2, '--store', store, '--project', 'two', '--json'));
    await exits(0, cli(lab2, 'source', 'add', 'pg-raw', `postgres://postgres:${raw}@${pgHost}${pgDb}`, '--tables', `${pgSchema}.accounts`));
    await exits(0, cli(lab2, 'source', 'add', 'bucket', `${s3Data}&accessKeyId=${S3RVER_CREDENTIALS.accessKeyId}&secretAccessKey=${raw}`));
    await exits(0, cli(lab2, 'ingest'));
    await Promise.all([both(lab2, 0, 'status'), both(lab2, 0, 'log', '--verify'), both(lab2, 0, 'source', 'list')]);

    const byCode = new Map<number, number>();
    for (const p of printed) byCode.set(p.code, (byCode.get(p.code) ?? 0) + 1);
    expect(byCode.get(70) ?? 0, printed.filter((p) => p.code === 70).map((p) => p.stderr).join('')).toBe(0);
    expect(printed.some((p) => p.stdout.includes('accounts'))).toBe(true);

    // zero hits: every output, every file of both labs, the S3 server's objects, the catalog's tables
    const hits: string[] = [];
    for (const p of printed) hits.push(...hitsIn(`output of ${p.argv.join(' ')}`, Buffer.from(p.stdout + p.stderr)));
    for (const file of [...filesUnder(lab), ...filesUnder(lab2), ...filesUnder(s3.directory), ...filesUnder(model)]) {
      hits.push(...hitsIn(file, readFileSync(file)));
    }
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    try {
      const tables = await admin.query<{ name: string }>('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1', [catalogSchema]);
      expect(tables.rows.length).toBeGreaterThan(3);
      for (const { name } of tables.rows) {
        const rows = await admin.query(`SELECT * FROM ${catalogSchema}."${name}"`);
        hits.push(...hitsIn(`catalog table ${name}`, Buffer.from(JSON.stringify(rows.rows))));
      }
    } finally {
      await admin.end();
    }
    // the figures for docs/benchmarks.md ("reliability")
    console.log(`canary walk: ${printed.length} commands, exits ${JSON.stringify(Object.fromEntries([...byCode].sort((a, b) => a[0] - b[0])))}, ${hits.length} hits`);
    expect(hits).toEqual([]);
  }, 300_000);
});
