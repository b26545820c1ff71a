/**
 * `autolab status` on a lab with 10,000 actions (issue 2: under 200 ms).
 * Times: catalog.status() (the two queries), labStatus() (plus the stage logic), the command
 * in-process (open lab + status + print + close), and `node bin/autolab.js status` as a user runs
 * it (Node start-up included; needs `npm run build`). The peer figure is the naive way: read the
 * whole log and reduce it in JavaScript.
 * Run: node --import tsx bench/status/status.bench.ts [actions=10000] [projects=20]
 * With AUTOLAB_TEST_PG set, the catalog part also runs on PostgreSQL.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initLab, openLab } from '../../src/app/index.js';
import { labStatus } from '../../src/app/status.js';
import { openCatalog, type ActionInput, type Catalog } from '../../src/catalog/index.js';
import { main } from '../../src/cli/main.js';

const ACTIONS = Number(process.argv[2] ?? 10_000);
const PROJECTS = Number(process.argv[3] ?? 20);
const KINDS = ['source.add', 'ingest.table', 'explore.table', 'tags.confirm', 'silver.build', 'gold.build', 'automl.train'];

async function fill(catalog: Catalog): Promise<void> {
  const projectIds: number[] = [];
  for (let p = 0; p < PROJECTS; p++) projectIds.push((await catalog.createProject(`project-${p}`)).id);
  for (const [p, id] of projectIds.entries()) {
    for (let s = 0; s < 3; s++) {
      const source = await catalog.addSource({ projectId: id, name: `source-${s}`, kind: 'file', uri: `/data/${p}/${s}.csv`, options: {}, credentialId: null });
      for (let v = 0; v < 2; v++) {
        await catalog.addSnapshot({
          projectId: id, sourceId: source.id, tableName: 'table', contentHash: `${p}-${s}-${v}`, lakeKey: `lake/${p}/${s}/${v}.parquet`,
          rawHashes: [], rowCount: 1000, bytes: 1_000_000, schema: [{ name: 'id', type: 'BIGINT' }], quality: {},
        });
      }
    }
  }
  const batch: ActionInput[] = [];
  const base = Date.parse('2026-01-01T00:00:00Z');
  const appendMany = (catalog as Catalog & { appendActions(a: readonly ActionInput[]): Promise<unknown> }).appendActions.bind(catalog);
  for (let i = 0; i < ACTIONS; i++) {
    const at = new Date(base + i * 1000).toISOString();
    batch.push({
      kind: KINDS[i % KINDS.length] ?? 'ingest.table',
      project: `project-${i % PROJECTS}`,
      inputs: { snapshot: `sha256-${i}` },
      outputs: { table: `sha256-out-${i}` },
      status: i % 50 === 0 ? 'failed' : 'done',
      startedAt: at,
      finishedAt: at,
      cpuSeconds: 0.5,
      bytesWritten: 123_456,
      workerId: 'bench',
      error: i % 50 === 0 ? 'something went wrong' : null,
      detail: { table: `table-${i % 7}`, rows: i },
    });
    if (batch.length === 1000) await appendMany(batch.splice(0));
  }
  if (batch.length) await appendMany(batch.splice(0));
}

async function time(label: string, runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm-up: statement caches, page cache
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)] ?? NaN;
  console.log(`  ${label.padEnd(52)} median ${median.toFixed(1).padStart(7)} ms   (min ${samples[0]?.toFixed(1)}, max ${samples.at(-1)?.toFixed(1)}, ${runs} runs)`);
  return median;
}

/** The peer: what status costs without the aggregate queries — read every entry, reduce in JS. */
async function naiveStatus(catalog: Catalog): Promise<number> {
  const all = await catalog.listActions();
  const lastDone = new Map<string, string>();
  for (const a of all) if (a.status === 'done' && a.project) lastDone.set(`${a.project}/${a.kind}`, a.finishedAt);
  return lastDone.size;
}

async function benchCatalog(label: string, catalog: Catalog): Promise<void> {
  console.log(`${label}: ${ACTIONS} actions, ${PROJECTS} projects`);
  const ours = await time('catalog.status() — two queries', 20, () => catalog.status());
  const peer = await time('peer: read the whole log, reduce in JS', 5, () => naiveStatus(catalog));
  console.log(`  → status() is ${(peer / ours).toFixed(1)}× faster than reading the whole log`);
}

const dir = mkdtempSync(join(tmpdir(), 'autolab-status-bench-'));
const quietly = async <T>(fn: () => Promise<T>): Promise<T> => {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
};

try {
  const root = join(dir, 'lab');
  const t0 = performance.now();
  const lab = await initLab(root, { project: 'main' });
  await fill(lab.catalog);
  console.log(`made a lab with ${ACTIONS} actions in ${((performance.now() - t0) / 1000).toFixed(1)} s (${root})`);
  await benchCatalog('SQLite', lab.catalog);
  await time('labStatus() — status + stage checklist', 20, () => labStatus(lab));
  await lab.close();

  process.chdir(root);
  await time('autolab status, in process (open lab, print, close)', 20, () => quietly(() => main(['status'])));
  await time('autolab status --json, in process', 20, () => quietly(() => main(['status', '--json'])));
  const bin = fileURLToPath(new URL('../../bin/autolab.js', import.meta.url));
  if (existsSync(fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url)))) {
    await time('node bin/autolab.js status (a new process)', 5, () => Promise.resolve(execFileSync(process.execPath, [bin, 'status'], { cwd: root })));
    await time('peer: node -e "" (Node start-up alone)', 5, () => Promise.resolve(execFileSync(process.execPath, ['-e', ''])));
  } else {
    console.log('  (dist/ not built: run npm run build to time the command as a process)');
  }
  const check = await openLab(root);
  const verify0 = performance.now();
  const verification = await check.catalog.verifyLog();
  console.log(`  autolab log --verify over ${verification.entries} entries: ${(performance.now() - verify0).toFixed(0)} ms, ok=${verification.ok}`);
  await check.close();

  const pgUrl = process.env['AUTOLAB_TEST_PG'];
  if (pgUrl) {
    const schema = `autolab_bench_${process.pid}`;
    const url = new URL(pgUrl);
    url.searchParams.set('schema', schema);
    const catalog = await openCatalog(url.toString());
    try {
      await fill(catalog);
      await benchCatalog('PostgreSQL', catalog);
    } finally {
      await (catalog as Catalog & { db: { schema: { dropSchema(n: string): { cascade(): { execute(): Promise<void> } } } } }).db.schema
        .dropSchema(schema)
        .cascade()
        .execute();
      await catalog.close();
    }
  } else {
    console.log('PostgreSQL: skipped (AUTOLAB_TEST_PG is not set)');
  }
} finally {
  process.chdir(tmpdir());
  rmSync(dir, { recursive: true, force: true });
}
