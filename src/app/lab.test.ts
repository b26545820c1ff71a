import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresBackend } from '../catalog/catalog.testutil.js';
import { LabError, UsageError, redactSecrets, tempPrefix } from '../common/index.js';
import { startLocalS3 } from '../store/s3rver.testutil.js';
import { initLab, openLab } from './lab.js';
import { createProject, resolveProject } from './project.js';

const work = mkdtempSync(join(tmpdir(), 'autolab-lab-test-'));
const pg = postgresBackend();
afterAll(async () => {
  await pg.cleanup();
  rmSync(work, { recursive: true, force: true });
});

describe('a lab folder', () => {
  it('init writes autolab.yaml and .autolab, creates the first project, and refuses to init twice', async () => {
    const root = join(work, 'My Churn Lab');
    const lab = await initLab(root);
    try {
      expect(readFileSync(join(root, 'autolab.yaml'), 'utf8')).toMatch(
        /catalog: sqlite:\.autolab\/catalog\.sqlite\nstore: file:\.autolab\/store\ndefaults:\n {2}timeLimitSeconds: 60\n {2}autoAcceptTags: false/,
      );
      expect(readdirSync(join(root, '.autolab')).sort()).toEqual(
        expect.arrayContaining(['.gitignore', 'catalog.sqlite', 'store', 'work']),
      );
      expect((await lab.catalog.listProjects()).map((p) => p.name)).toEqual(['my-churn-lab']);
      expect((await lab.catalog.listActions()).map((a) => a.kind)).toEqual(['lab.init', 'project.create']);
      expect(lab.workDir).toBe(join(root, '.autolab', 'work'));
    } finally {
      await lab.close();
    }
    await expect(initLab(root)).rejects.toThrow(/already an autolab lab/);
  });

  it('open walks up from a subfolder; a folder outside any lab is a LabError', async () => {
    const root = join(work, 'walk');
    await (await initLab(root, { project: 'churn' })).close();
    const deep = join(root, 'data', 'raw');
    mkdirSync(deep, { recursive: true });
    const lab = await openLab(deep);
    try {
      expect(lab.root).toBe(root);
      expect(lab.catalog.url).toBe(`sqlite:${join(root, '.autolab', 'catalog.sqlite')}`);
      expect((await resolveProject(lab)).name).toBe('churn');
      await createProject(lab, 'fraud');
      await expect(resolveProject(lab)).rejects.toThrow(/2 projects; say which project — projects: churn, fraud/);
      await expect(resolveProject(lab)).rejects.toBeInstanceOf(UsageError);
      expect((await resolveProject(lab, 'fraud')).name).toBe('fraud');
      await expect(resolveProject(lab, 'nope')).rejects.toThrow(/no project nope .* projects: churn, fraud/);
      await expect(createProject(lab, 'bad name!')).rejects.toBeInstanceOf(UsageError);
      await expect(createProject(lab, 'fraud')).rejects.toThrow(/already exists/);
    } finally {
      await lab.close();
    }
    const outside = mkdtempSync(join(tmpdir(), 'autolab-not-a-lab-'));
    try {
      const error = await openLab(outside).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(LabError);
      expect((error as Error).message).toBe(`no autolab lab in ${outside} or its parents — run \`autolab init\` there first`);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('reports a damaged configuration or catalog as a LabError', async () => {
    const root = join(work, 'damaged');
    await (await initLab(root)).close();
    const config = readFileSync(join(root, 'autolab.yaml'), 'utf8');
    writeFileSync(join(root, 'autolab.yaml'), 'catalog: [unclosed');
    await expect(openLab(root)).rejects.toThrow(/autolab\.yaml is not valid YAML/);
    writeFileSync(join(root, 'autolab.yaml'), 'store: file:x\n');
    await expect(openLab(root)).rejects.toThrow(/not a valid lab configuration \(catalog:/);
    writeFileSync(join(root, 'autolab.yaml'), config);
    for (const f of readdirSync(join(root, '.autolab')).filter((f) => f.startsWith('catalog.sqlite'))) rmSync(join(root, '.autolab', f));
    writeFileSync(join(root, '.autolab', 'catalog.sqlite'), 'garbage '.repeat(1000));
    await expect(openLab(root)).rejects.toThrow(/catalog .* is damaged .* restore it from a backup/);
    rmSync(join(root, '.autolab', 'catalog.sqlite'));
    await expect(openLab(root)).rejects.toThrow(/catalog .* is missing/);
  });

  it('removes the temporaries of a process killed with -9 when the lab opens, never those of a live one', async () => {
    const root = join(work, 'killed');
    await (await initLab(root)).close();
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await once(child, 'spawn');
    const live = (kind: string) => tempPrefix(kind);
    const dead = (kind: string) => tempPrefix(kind).replace(`-${process.pid}-`, `-${child.pid ?? 0}-`);
    const workDir = join(root, '.autolab', 'work');
    const storeTemp = join(root, '.autolab', 'store', '.tmp');
    for (const name of [`${dead('ingest')}a1`, `${dead('plan')}b2`, `${live('ingest')}c3`, 'cache']) {
      mkdirSync(join(workDir, name), { recursive: true });
      writeFileSync(join(workDir, name, 'table.parquet'), 'x'.repeat(1000));
    }
    for (const name of [`${dead('put')}d4`, `${live('put')}e5`]) writeFileSync(join(storeTemp, name), 'y'.repeat(1000));
    child.kill('SIGKILL');
    await once(child, 'exit');
    await (await openLab(root)).close();
    expect(readdirSync(workDir).sort()).toEqual(['cache', `${live('ingest')}c3`].sort());
    expect(readdirSync(storeTemp)).toEqual([`${live('put')}e5`]);
  });

  it('removes every kind of temporary a process killed with -9 leaves, when the lab opens next; those of a live process stay', { timeout: 60_000 }, async () => {
    const root = join(work, 'killed-every-kind');
    await (await initLab(root)).close();
    const labDir = join(root, '.autolab');
    /** every file and folder a temporary can be in, but the cache's and the store's contents */
    const temporaries = () =>
      [join(labDir, 'work'), join(labDir, 'work', 'cache', '.tmp'), join(labDir, 'reports'), join(labDir, 'store', '.tmp')].flatMap((dir) =>
        existsSync(dir) ? readdirSync(dir).filter((n) => n !== 'cache' && n !== '.tmp').map((n) => `${dir.slice(labDir.length + 1)}/${n}`) : [],
      );
    const run = (name: string) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'temps-of-a-process.testutil.ts'), root], { stdio: ['ignore', 'pipe', 'inherit'] });
      return new Promise<{ child: typeof child; made: string[] }>((ready, failed) => {
        child.once('exit', (code) => failed(new Error(`${name} exited (${code}) before it was ready`)));
        child.stdout.on('data', (chunk: Buffer) => String(chunk).includes('ready') && ready({ child, made: temporaries() }));
      });
    };
    const killed = await run('the process to kill');
    const made = killed.made;
    // a DuckDB spill folder, three partial files, five scratch folders, the anchor's copy, a put
    expect(made.map((p) => p.replace(/-[0-9a-f]{8}-\d+-.*$/, '')).sort()).toEqual(
      ['work/anchor', 'work/autolab-read', 'work/duckdb', 'work/ingest', 'work/model', 'work/plan', 'work/train', 'work/monitor', 'work/cache/.tmp/.part', 'reports/.part', 'store/.tmp/.part', 'store/.tmp/put'].sort(),
    );
    killed.child.removeAllListeners('exit');
    killed.child.kill('SIGKILL');
    await once(killed.child, 'exit');
    const live = await run('the live process');
    try {
      const liveOnes = live.made.filter((p) => !made.includes(p));
      expect(liveOnes).toHaveLength(made.length);
      await (await openLab(root)).close();
      expect(temporaries().sort()).toEqual(liveOnes.sort());
    } finally {
      live.child.removeAllListeners('exit');
      live.child.kill('SIGKILL');
      await once(live.child, 'exit');
    }
    await (await openLab(root)).close();
    expect(temporaries()).toEqual([]);
  });

  it('refuses a 0-byte catalog or one that is not SQLite, and leaves the file as it is', async () => {
    const root = join(work, 'emptied');
    await (await initLab(root)).close();
    const file = join(root, '.autolab', 'catalog.sqlite');
    for (const f of readdirSync(join(root, '.autolab')).filter((f) => f.startsWith('catalog.sqlite'))) rmSync(join(root, '.autolab', f));
    writeFileSync(file, '');
    const empty = await openLab(root).catch((e: unknown) => e);
    expect(empty).toBeInstanceOf(LabError);
    expect((empty as Error).message).toBe(`the catalog ${file} is empty (0 bytes) — restore it from a backup; autolab does not start a new catalog over it`);
    expect(readFileSync(file).length).toBe(0);
    writeFileSync(file, 'not a database');
    await expect(openLab(root)).rejects.toThrow(/^the catalog .* is damaged \(not a SQLite database\) — restore it from a backup/);
  });

  it('a failed init leaves no half-lab behind', async () => {
    const root = join(work, 'failed');
    await expect(initLab(root, { catalog: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(/cannot reach the catalog/);
    expect(existsSync(join(root, '.autolab'))).toBe(false);
    expect(existsSync(join(root, 'autolab.yaml'))).toBe(false);
  });

  it.skipIf(pg.skip)(`resolves \${env:NAME} in a PostgreSQL catalog URL and registers it as a secret (${pg.skip || 'PostgreSQL'})`, async () => {
    const url = new URL(await pg.freshUrl());
    const schema = url.searchParams.get('schema');
    process.env['AUTOLAB_TEST_CATALOG_SCHEMA'] = `${schema}`;
    process.env['AUTOLAB_TEST_FAKE_PASSWORD'] = 'not-really-used-9f3';
    url.searchParams.set('schema', '${env:AUTOLAB_TEST_CATALOG_SCHEMA}');
    url.password = 'PLACEHOLDER';
    const templated = decodeURIComponent(url.toString()).replace('PLACEHOLDER', '${env:AUTOLAB_TEST_FAKE_PASSWORD}');
    const root = join(work, 'pg-lab');
    const lab = await initLab(root, { catalog: templated, project: 'shared' });
    try {
      expect(lab.catalog.dialect).toBe('postgres');
      expect(lab.config.catalog).toContain('${env:AUTOLAB_TEST_FAKE_PASSWORD}');
      expect(readFileSync(join(root, 'autolab.yaml'), 'utf8')).not.toContain('not-really-used-9f3');
      expect(lab.catalog.url).not.toContain('not-really-used-9f3');
      expect(redactSecrets('x not-really-used-9f3 y')).toBe('x *** y');
    } finally {
      await lab.close();
    }
    const again = await openLab(root);
    expect((await again.catalog.listProjects()).map((p) => p.name)).toEqual(['shared']);
    await again.close();
    delete process.env['AUTOLAB_TEST_FAKE_PASSWORD'];
    await expect(openLab(root)).rejects.toThrow(/refers to \$\{env:AUTOLAB_TEST_FAKE_PASSWORD\} but AUTOLAB_TEST_FAKE_PASSWORD is not set/);
  });

  it('keeps its store in an S3 bucket, with keys given as ${env:NAME} in the store URL; an unset one is named', async () => {
    const s3 = await startLocalS3(['lab-bucket']);
    const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AUTOLAB_TEST_S3_KEY_ID', 'AUTOLAB_TEST_S3_SECRET'] as const;
    const saved = names.map((name) => process.env[name]);
    try {
      // keys in the environment that would be refused: the URL's references must be the ones used
      process.env['AWS_ACCESS_KEY_ID'] = 'NOBODY';
      process.env['AWS_SECRET_ACCESS_KEY'] = 'nothing';
      process.env['AUTOLAB_TEST_S3_KEY_ID'] = 'S3RVER';
      process.env['AUTOLAB_TEST_S3_SECRET'] = 'S3RVER';
      const root = join(work, 's3-env-lab');
      const store = `${s3.url('lab-bucket', 'labs/env')}&accessKeyId=\${env:AUTOLAB_TEST_S3_KEY_ID}&secretAccessKey=\${env:AUTOLAB_TEST_S3_SECRET}`;
      await (await initLab(root, { store })).close();
      expect(readFileSync(join(root, 'autolab.yaml'), 'utf8')).toContain('accessKeyId=${env:AUTOLAB_TEST_S3_KEY_ID}&secretAccessKey=${env:AUTOLAB_TEST_S3_SECRET}');
      const again = await openLab(root);
      try {
        const file = join(work, 'env-blob.txt');
        writeFileSync(file, 'hello');
        await again.store.putObject('lake/bronze/x/1.parquet', file);
        expect(readFileSync(await again.store.localPathFor('lake/bronze/x/1.parquet'), 'utf8')).toBe('hello');
      } finally {
        await again.close();
      }
      delete process.env['AUTOLAB_TEST_S3_SECRET'];
      const unset = await openLab(root).catch((e: unknown) => e);
      expect(unset).toBeInstanceOf(LabError);
      expect((unset as Error).message).toBe(
        `${join(root, 'autolab.yaml')} refers to \${env:AUTOLAB_TEST_S3_SECRET} but AUTOLAB_TEST_S3_SECRET is not set — export AUTOLAB_TEST_S3_SECRET before running autolab`,
      );
    } finally {
      names.forEach((name, i) => {
        const value = saved[i];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      });
      await s3.stop();
    }
  });

  it('keeps its store in an S3 bucket, with keys from the environment', async () => {
    const s3 = await startLocalS3(['lab-bucket']);
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
    try {
      process.env['AWS_ACCESS_KEY_ID'] = 'S3RVER';
      process.env['AWS_SECRET_ACCESS_KEY'] = 'S3RVER';
      const root = join(work, 's3-lab');
      const lab = await initLab(root, { store: s3.url('lab-bucket', 'labs/one') });
      await lab.close();
      const again = await openLab(root);
      try {
        expect(again.store.url).toMatch(/^s3:\/\/lab-bucket\/labs\/one\?endpoint=/);
        const file = join(work, 'blob.txt');
        writeFileSync(file, 'hello');
        await again.store.putObject('lake/bronze/x/1.parquet', file);
        const local = await again.store.localPathFor('lake/bronze/x/1.parquet');
        expect(local.startsWith(join(root, '.autolab', 'work', 'cache'))).toBe(true);
        expect(readFileSync(local, 'utf8')).toBe('hello');
      } finally {
        await again.close();
      }
      // s3rver checks the key id, not the signature: an unknown id stands for wrong keys
      process.env['AWS_ACCESS_KEY_ID'] = 'NOBODY';
      await expect(initLab(join(work, 's3-lab-2'), { store: s3.url('lab-bucket', 'x') })).rejects.toThrow(/refused access/);
      expect(existsSync(join(work, 's3-lab-2', '.autolab'))).toBe(false);
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      await s3.stop();
    }
  });
});
