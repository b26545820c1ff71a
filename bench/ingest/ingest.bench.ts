/**
 * Ingest throughput and memory (issue 2): `autolab ingest` of flights-3m.parquet (vega-datasets)
 * and of a generated CSV (1 GB by default), each beside DuckDB's own
 * `COPY (SELECT * FROM read_csv(…)) TO '….parquet'` (read_parquet for the Parquet file) of the same
 * file in the same run. Each side runs in its own process so that peak RSS is its own.
 * Ours does more than the peer: it keeps the raw file byte for byte in the store, hashes it and the
 * Parquet, checks the header and mixed types, and records the snapshot and action in the catalog.
 * A Parquet input whose layout serves the lake is kept as it is (decoded whole to check it) rather
 * than rewritten: the table's `bronze` column says which happened.
 * Each input is run `--runs` times (default 3), the two sides alternating; the table shows the
 * median time of each side and the ratio of the medians (the machine's noise is ±20 % run to run), and
 * beside it each side's CPU time over the timed part (user + system, every thread of its process),
 * which another job on the machine disturbs less than the wall time.
 * Run: npm run bench:ingest -- [--size MB] [--runs N]   (target: within 1.3× DuckDB's time, peak RSS < 2 GB)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { addSource, ingestProject, initLab } from '../../src/app/index.js';
import { quoteLiteral } from '../../src/lake/index.js';

const HERE = fileURLToPath(import.meta.url);
const ROOT = resolve(HERE, '../../..');
const FLIGHTS = join(ROOT, 'node_modules/vega-datasets/data/flights-3m.parquet');

interface Measured {
  readonly seconds: number;
  /** user + system CPU seconds of the side's process (every thread) over the timed part */
  readonly cpuSeconds: number;
  readonly rows: number;
  readonly peakRssMb: number;
  /** ours: how bronze holds the input — a Parquet file kept as is, or the input converted */
  readonly how?: string;
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

async function runOurs(file: string): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'autolab-bench-ingest-'));
  try {
    const lab = await initLab(join(dir, 'lab'), { project: 'bench' });
    try {
      const t0 = performance.now();
      const cpu0 = process.cpuUsage();
      await addSource(lab, 'bench', 'data', file);
      const outcome = await ingestProject(lab, 'bench');
      const seconds = (performance.now() - t0) / 1000;
      const cpuSeconds = cpuSecondsSince(cpu0);
      if (outcome.firstError) throw outcome.firstError;
      const project = await lab.catalog.getProject('bench');
      const [snapshot] = await lab.catalog.listSnapshots(project?.id ?? -1);
      const layout = snapshot?.quality['layout'];
      return { seconds, cpuSeconds, rows: outcome.tables[0]?.rows ?? 0, peakRssMb: process.resourceUsage().maxRSS / 1024, how: typeof layout === 'string' ? layout : 'converted' };
    } finally {
      await lab.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runDuckdb(file: string): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'autolab-bench-duckdb-'));
  try {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    const reader = file.endsWith('.parquet') ? 'read_parquet' : 'read_csv';
    const out = join(dir, 'out.parquet');
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await conn.run(`COPY (SELECT * FROM ${reader}(${quoteLiteral(file)})) TO ${quoteLiteral(out)}`);
    const seconds = (performance.now() - t0) / 1000;
    const cpuSeconds = cpuSecondsSince(cpu0);
    const rows = Number((await conn.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(out)})`)).getRowsJson()[0]?.[0] ?? 0);
    conn.closeSync();
    instance.closeSync();
    return { seconds, cpuSeconds, rows, peakRssMb: process.resourceUsage().maxRSS / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A CSV of about `megabytes` MB: ints, floats, categories, free text, dates, timestamps, some NULLs. */
async function generateCsv(path: string, megabytes: number): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const select = (n: number) => `
    SELECT i AS id,
           (hash(i) % 100000)::BIGINT AS customer_id,
           round((hash(i * 3) % 1000000) / 100.0, 2) AS amount,
           ['basic', 'plus', 'pro', 'enterprise'][1 + (i % 4)] AS plan,
           CASE WHEN i % 17 = 0 THEN NULL ELSE 'note ' || (hash(i * 7) % 99991)::VARCHAR || ', ok' END AS note,
           DATE '2020-01-01' + (i % 1500)::INTEGER AS day,
           TIMESTAMP '2024-01-01' + to_seconds((i * 37)::BIGINT) AS at
    FROM range(${n}) t(i)`;
  const probe = join(tmpdir(), `autolab-bench-probe-${process.pid}.csv`);
  await conn.run(`COPY (${select(100_000)}) TO ${quoteLiteral(probe)} (HEADER)`);
  const bytesPerRow = statSync(probe).size / 100_000;
  rmSync(probe);
  const rows = Math.max(1000, Math.round((megabytes * 1e6) / bytesPerRow));
  await conn.run(`COPY (${select(rows)}) TO ${quoteLiteral(path)} (HEADER)`);
  conn.closeSync();
  instance.closeSync();
}

/** Runs one side in a fresh process; it prints one JSON line. */
function child(side: 'ours' | 'duckdb', file: string): Measured {
  // each side starts with nothing waiting to be written: the peer leaves its output for the
  // kernel to write later, which would otherwise slow whichever run comes next
  execFileSync('sync');
  const output = execFileSync(process.execPath, ['--import', 'tsx', HERE, '--child', side, file], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = output.trim().split('\n').at(-1) ?? '{}';
  return JSON.parse(last) as Measured;
}

/** The run with the median time, with the median CPU time and the highest peak RSS of all runs. */
function median(runs: readonly Measured[]): Measured {
  const middle = [...runs].sort((a, b) => a.seconds - b.seconds)[Math.floor(runs.length / 2)]!;
  const cpuSeconds = [...runs].map((r) => r.cpuSeconds).sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
  return { ...middle, cpuSeconds, peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)) };
}

function fmt(m: Measured): string[] {
  return [`${m.seconds.toFixed(2)} s`, `${m.cpuSeconds.toFixed(2)} s`, `${Math.round(m.rows / m.seconds).toLocaleString('en-US')} rows/s`, `${Math.round(m.peakRssMb)} MB`];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    const file = args[2] ?? '';
    const measured = args[1] === 'ours' ? await runOurs(file) : await runDuckdb(file);
    process.stdout.write(JSON.stringify(measured) + '\n');
    return;
  }
  const runsIndex = args.indexOf('--runs');
  const runs = runsIndex >= 0 ? Number(args[runsIndex + 1]) : 3;
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number, e.g. --runs 3');
  const sizeIndex = args.indexOf('--size');
  const megabytes = sizeIndex >= 0 ? Number(args[sizeIndex + 1]) : 1000;
  if (!Number.isFinite(megabytes) || megabytes <= 0) throw new Error('--size takes megabytes, e.g. --size 300');
  const work = mkdtempSync(join(tmpdir(), 'autolab-bench-csv-'));
  try {
    const csv = join(work, 'generated.csv');
    process.stderr.write(`generating a ${megabytes} MB CSV …\n`);
    await generateCsv(csv, megabytes);
    const inputs = [...(existsSync(FLIGHTS) ? [FLIGHTS] : []), csv];
    const lines = ['| input | size | rows | bronze | autolab ingest | CPU | rows/s | peak RSS | DuckDB COPY | CPU | rows/s | peak RSS | ratio | CPU ratio |', '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |'];
    for (const input of inputs) {
      const peers: Measured[] = [];
      const oursRuns: Measured[] = [];
      for (let run = 1; run <= runs; run++) {
        process.stderr.write(`ingesting ${input} (run ${run} of ${runs}) …\n`);
        peers.push(child('duckdb', input));
        oursRuns.push(child('ours', input));
        const [p, o] = [peers.at(-1)!, oursRuns.at(-1)!];
        process.stderr.write(
          `  DuckDB ${p.seconds.toFixed(2)} s (CPU ${p.cpuSeconds.toFixed(2)} s), autolab ${o.seconds.toFixed(2)} s (CPU ${o.cpuSeconds.toFixed(2)} s): ${(o.seconds / p.seconds).toFixed(2)}x, CPU ${(o.cpuSeconds / p.cpuSeconds).toFixed(2)}x\n`,
        );
      }
      const peer = median(peers);
      const ours = median(oursRuns);
      if (ours.rows !== peer.rows) throw new Error(`row counts differ: ours ${ours.rows}, DuckDB ${peer.rows}`);
      const name = input === FLIGHTS ? 'flights-3m.parquet' : `generated CSV`;
      lines.push(
        `| ${name} | ${(statSync(input).size / 1e6).toFixed(0)} MB | ${ours.rows.toLocaleString('en-US')} | ${ours.how ?? ''} | ${fmt(ours).join(' | ')} | ${fmt(peer).join(' | ')} | ${(ours.seconds / peer.seconds).toFixed(2)}× | ${(ours.cpuSeconds / peer.cpuSeconds).toFixed(2)}× |`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
