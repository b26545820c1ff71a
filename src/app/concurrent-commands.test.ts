import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { catalogBackends } from '../catalog/catalog.testutil.js';
import { openLab } from './lab.js';

const binary = fileURLToPath(new URL('../../bin/autolab.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'autolab-concurrent-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the built command line as its own process: exit code and both outputs. */
function autolab(cwd: string, ...argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binary, ...argv], { cwd, env: { ...process.env, AUTOLAB_THREADS: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeCsv(path: string, rows: number): void {
  const lines = ['id,city,amount,churn'];
  for (let i = 0; i < rows; i++) lines.push(`${i},c${i % 97},${(i * 7919) % 10007},${i % 3 === 0 ? 'yes' : 'no'}`);
  writeFileSync(path, lines.join('\n') + '\n');
}

/**
 * Megabytes of the file two ingests read at once. Issue 12 asks for 200 MB: `AUTOLAB_TEST_INGEST_MB=200`
 * runs that (docs/benchmarks.md, "reliability"); the default keeps the test short on a loaded CI machine.
 */
const BIG_MB = Number(process.env['AUTOLAB_TEST_INGEST_MB'] ?? 24);

/** A CSV of about `megabytes` MB, written in blocks of rows; its row count. */
function writeBigCsv(path: string, megabytes: number): number {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, 'id,city,amount,note\n');
    let written = 0;
    let rows = 0;
    while (written < megabytes * 1024 * 1024) {
      const block: string[] = [];
      for (let k = 0; k < 50_000; k++, rows++) block.push(`${rows},c${rows % 97},${(rows * 7919) % 10007}.25,note ${rows % 1013}`);
      written += writeSync(fd, block.join('\n') + '\n');
    }
    return rows;
  } finally {
    closeSync(fd);
  }
}

describe.each(catalogBackends)('two commands at once on one lab ($name catalog)', (backend) => {
  afterAll(() => backend.cleanup());

  describe.skipIf(backend.skip || !built)(`(${backend.skip || (built ? 'available' : 'dist/ not built — run npm run build')})`, () => {
    it('two ingests make one snapshot per table; two runs do each action once', { timeout: 180_000 }, async () => {
      const root = join(work, backend.name);
      const init = await autolab(work, 'init', root, '--project', 'p', ...(backend.name === 'postgres' ? ['--catalog', await backend.freshUrl()] : []));
      expect(init.stderr).toBe('');
      writeCsv(join(root, 'customers.csv'), 300_000);
      writeCsv(join(root, 'orders.csv'), 50_000);
      expect((await autolab(root, 'source', 'add', 'customers', 'customers.csv')).code).toBe(0);
      expect((await autolab(root, 'source', 'add', 'orders', 'orders.csv')).code).toBe(0);

      const ingests = await Promise.all([autolab(root, 'ingest'), autolab(root, 'ingest')]);
      for (const r of ingests) expect({ code: r.code, stderr: r.stderr.split('\n').filter((l) => l.startsWith('autolab:')) }).toEqual({ code: 0, stderr: [] });

      const lab = await openLab(root);
      try {
        const project = (await lab.catalog.getProject('p'))!;
        const snapshots = await lab.catalog.listSnapshots(project.id);
        expect(snapshots.map((s) => `${s.tableName} v${s.version}`).sort()).toEqual(['customers v1', 'orders v1']);
        expect(await lab.store.listObjects('lake/bronze/')).toHaveLength(2);
        // one read made each snapshot; the other ingest reused it, recorded the settled file as an alias of that
        // read, or — when the file settled between the two plans, under two keys — read it and found it unchanged
        const ingested = await lab.catalog.listActions({ kind: 'ingest.table', status: 'done' });
        const made = ingested.filter((a) => a.detail['aliasOf'] === undefined && a.detail['unchanged'] !== true);
        expect(made.map((a) => a.unit).sort()).toEqual(['customers/customers', 'orders/orders']);
      } finally {
        await lab.close();
      }

      const runs = await Promise.all([autolab(root, 'run', 'p'), autolab(root, 'run', 'p')]);
      for (const r of runs) expect(r.stderr.split('\n').filter((l) => l.startsWith('autolab:'))).toEqual([]);
      const after = await openLab(root);
      try {
        const done = await after.catalog.listActions({ status: 'done' });
        const keyed = done.filter((a) => a.unit !== undefined).map((a) => `${a.kind} ${a.unit} ${a.inputsHash}`);
        expect(keyed.length).toBeGreaterThan(4);
        expect(new Set(keyed).size).toBe(keyed.length);
        expect(await after.catalog.listActions({ status: 'failed' })).toEqual([]);
      } finally {
        await after.close();
      }
    });

    it(`two ingests started together on a ${BIG_MB} MB file make one snapshot, and leave no temporaries`, { timeout: 300_000 }, async () => {
      const root = join(work, `${backend.name}-big`);
      const init = await autolab(work, 'init', root, '--project', 'p', ...(backend.name === 'postgres' ? ['--catalog', await backend.freshUrl()] : []));
      expect(init.stderr).toBe('');
      mkdirSync(join(work, `${backend.name}-data`));
      const big = join(work, `${backend.name}-data`, 'big.csv');
      const rows = writeBigCsv(big, BIG_MB);
      expect((await autolab(root, 'source', 'add', 'big', big)).code).toBe(0);

      const ingests = await Promise.all([autolab(root, 'ingest', '--json'), autolab(root, 'ingest', '--json')]);
      for (const r of ingests) expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      // one of them converted the file; the other found it done (or waited for it), never a second copy
      const statuses = ingests.map((r) => (JSON.parse(r.stdout) as { tables: { status: string }[] }).tables.map((t) => t.status)).sort();
      expect(statuses).toEqual([['new'], ['unchanged']]);

      const lab = await openLab(root);
      try {
        const project = (await lab.catalog.getProject('p'))!;
        const snapshots = await lab.catalog.listSnapshots(project.id);
        expect(snapshots.map((s) => [s.tableName, s.version, s.rowCount])).toEqual([['big', 1, rows]]);
        expect(await lab.store.listObjects('lake/bronze/')).toHaveLength(1);
        // one read; the other may have found the file settled meanwhile and recorded its size and time as an alias of that read
        const done = await lab.catalog.listActions({ kind: 'ingest.table', status: 'done' });
        expect(done.filter((a) => a.detail['aliasOf'] === undefined && a.detail['unchanged'] !== true)).toHaveLength(1);
        expect(await lab.catalog.listActions({ status: 'failed' })).toEqual([]);
      } finally {
        await lab.close();
      }
      const temporaries = [join(root, '.autolab', 'work'), join(root, '.autolab', 'store', '.tmp')].flatMap((d) => (existsSync(d) ? readdirSync(d) : []));
      expect(temporaries).toEqual([]);
      rmSync(big, { force: true });
    });
  });
});
