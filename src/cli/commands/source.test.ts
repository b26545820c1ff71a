import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput, err, out, run } from './cli.testutil.js';

captureOutput();

const FIXTURES = resolve(import.meta.dirname, '../../../test/fixtures/ingest');
const work = mkdtempSync(join(tmpdir(), 'autolab-cli-ingest-'));
const startDir = process.cwd();
afterAll(() => {
  process.chdir(startDir);
  rmSync(work, { recursive: true, force: true });
});



describe('autolab source and ingest', () => {
  it('adds a CSV, lists it, ingests it, and says so in status', async () => {
    const root = join(work, 'shop');
    expect(await run('init', root, '--project', 'churn')).toBe(0);
    process.chdir(root);
    copyFileSync(join(FIXTURES, 'customers.csv'), join(root, 'customers.csv'));
    expect(await run('source', 'add', 'customers', 'customers.csv')).toBe(0);
    expect(out).toContain('added source customers (file) file:customers.csv');
    expect(await run('source', 'list', '--json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject([{ name: 'customers', kind: 'file', uri: 'file:customers.csv', credentialId: null }]);

    expect(await run('ingest', 'churn')).toBe(0);
    expect(out).toMatch(/customers\s+customers\s+new\s+1\s+5/);
    expect(err).toContain('ingesting customers/customers (1/1)');
    expect(await run('ingest', '--json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ project: 'churn', tables: [{ table: 'customers', status: 'unchanged', version: 1, rows: 5 }] });

    expect(await run('status', '--json')).toBe(0);
    const status = JSON.parse(out) as { projects: { stages: { stage: string; state: string }[]; tablesIngested: number }[] };
    expect(status.projects[0]?.tablesIngested).toBe(1);
    expect(status.projects[0]?.stages.slice(0, 2).map((s) => s.state)).toEqual(['done', 'done']);
  });

  it('exits non-zero with one line for a bad input, and ingests the rest', async () => {
    const root = join(work, 'bad');
    expect(await run('init', root)).toBe(0);
    process.chdir(root);
    expect(await run('source', 'add', 'gone', 'no-such.csv')).toBe(1);
    expect(err).toBe(`autolab: file not found: ${join(root, 'no-such.csv')} — check the path (relative paths are from the current folder)\n`);
    expect(await run('source', 'add', 'nothing', 'data/*.csv')).toBe(1);
    expect(err).toMatch(/^autolab: no file matches .*data\/\*\.csv — check the pattern/);
    expect(await run('source', 'add', 'x', 'a.csv', '--tables', 'a')).toBe(2);
    expect(err).toBe('autolab: --tables, --schema and --query are for databases — a file source takes every file its path or glob matches\n');

    copyFileSync(join(FIXTURES, 'truncated.parquet'), join(root, 'truncated.parquet'));
    copyFileSync(join(FIXTURES, 'customers.csv'), join(root, 'customers.csv'));
    expect(await run('source', 'add', 'broken', 'truncated.parquet')).toBe(0);
    expect(await run('source', 'add', 'good', 'customers.csv')).toBe(0);
    expect(await run('ingest')).toBe(1);
    expect(out).toMatch(/broken\s+truncated\s+failed/);
    expect(out).toMatch(/good\s+customers\s+new\s+1\s+5/);
    const lines = err.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^autolab: cannot read .*truncated\.parquet: .* — check that it is a complete Parquet file/);
    expect(err).not.toMatch(/\n\s+at /);
  });

  it('names an unset ${env:NAME} password, so the user knows what to export', async () => {
    const root = join(work, 'unset-env');
    expect(await run('init', root)).toBe(0);
    process.chdir(root);
    delete process.env['AUTOLAB_UNSET_PASSWORD'];
    for (const location of ['postgres://analyst:${env:AUTOLAB_UNSET_PASSWORD}@127.0.0.1:1/crm', 'mysql://analyst@127.0.0.1:1/crm?password=${env:AUTOLAB_UNSET_PASSWORD}']) {
      expect(await run('source', 'add', 'crm', location)).toBe(1);
      expect(err).toMatch(/^autolab: the password of \S+ is \$\{env:AUTOLAB_UNSET_PASSWORD\} but AUTOLAB_UNSET_PASSWORD is not set — export AUTOLAB_UNSET_PASSWORD before running autolab\n$/);
    }
  });

  it('says when the folder is not a lab, or its catalog is damaged', async () => {
    const plain = join(work, 'plain');
    expect(await run('init', plain)).toBe(0);
    rmSync(join(plain, 'autolab.yaml'));
    process.chdir(plain);
    expect(await run('ingest')).toBe(1);
    expect(err).toBe(`autolab: no autolab lab in ${plain} or its parents — run \`autolab init\` there first\n`);
    expect(await run('source', 'add', 'c', 'c.csv')).toBe(1);
    expect(err).toMatch(/^autolab: no autolab lab in /);

    const damaged = join(work, 'damaged');
    expect(await run('init', damaged)).toBe(0);
    writeFileSync(join(damaged, '.autolab', 'catalog.sqlite'), 'this is not a database, just text that overwrote it '.repeat(100));
    for (const extra of ['-wal', '-shm']) rmSync(join(damaged, '.autolab', `catalog.sqlite${extra}`), { force: true });
    process.chdir(damaged);
    expect(await run('ingest')).toBe(1);
    expect(err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(err).toMatch(/^autolab: .*catalog\.sqlite.* — /);
    expect(err).not.toContain('internal error');
  });
});
