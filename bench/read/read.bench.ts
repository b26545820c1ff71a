/**
 * Reading a data file into a Frame (issue 13): the wide CSV of the one-reader task (6,552 rows ×
 * 1,701 columns: a 0/1 target, 1,600 0/1 columns, 100 float columns) and a tall one (1M rows × 28
 * float columns, ≈200 MB), each read `--runs` times (default 3; the median is printed).
 * The files are generated once into `--dir` (default: the system's temp folder).
 * Run: node --import tsx bench/read/read.bench.ts [--dir DIR] [--runs N] [--only wide|tall]
 */
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFrame } from '../../src/features/index.js';
import { Rng } from '../../src/learn/index.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function writeCsv(path: string, header: readonly string[], rows: number, row: (random: () => number) => string): Promise<void> {
  const out = createWriteStream(path);
  // seeded: every run reads the same bytes
  const rng = Rng.unmixed(42);
  const random = (): number => rng.next();
  let chunk = header.join(',') + '\n';
  for (let r = 0; r < rows; r++) {
    chunk += row(random) + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

export async function wideCsv(dir: string, rows = 6552): Promise<string> {
  const path = join(dir, `wide-${rows}.csv`);
  if (existsSync(path)) return path;
  const header = ['target', ...Array.from({ length: 1600 }, (_, i) => `b${i}`), ...Array.from({ length: 100 }, (_, i) => `f${i}`)];
  await writeCsv(path, header, rows, (random) => {
    const parts: string[] = [random() < 0.3 ? '1' : '0'];
    for (let i = 0; i < 1600; i++) parts.push(random() < 0.1 ? '1' : '0');
    for (let i = 0; i < 100; i++) parts.push((random() * 100 - 50).toFixed(4));
    return parts.join(',');
  });
  return path;
}

async function tallCsv(dir: string): Promise<string> {
  const path = join(dir, 'tall-1m.csv');
  if (existsSync(path)) return path;
  const header = Array.from({ length: 28 }, (_, i) => `x${i}`);
  await writeCsv(path, header, 1_000_000, (random) => Array.from({ length: 28 }, () => (random() * 10 - 5).toFixed(5)).join(','));
  return path;
}

async function timeRead(path: string, runs: number): Promise<void> {
  const seconds: number[] = [];
  const cpu: number[] = [];
  let shape = '';
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const read = await readFrame(path);
    const used = process.cpuUsage(c0);
    seconds.push((performance.now() - t0) / 1000);
    cpu.push((used.user + used.system) / 1e6);
    shape = `${read.rows} rows × ${read.columns.length} columns`;
  }
  // the machine is shared: CPU seconds (every thread's) say more than wall seconds when it is busy
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `${path}: ${shape}, median ${median(seconds).toFixed(2)} s wall, ${median(cpu).toFixed(2)} s CPU ` +
      `(wall: ${seconds.map((s) => s.toFixed(2)).join(', ')}), peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB, load ${loadavg()[0]!.toFixed(1)}`,
  );
}

async function main(): Promise<void> {
  const dir = flag('dir') ?? join(tmpdir(), 'autolab-bench-read');
  mkdirSync(dir, { recursive: true });
  const runs = Number(flag('runs') ?? 3);
  const only = flag('only');
  if (only !== 'tall') await timeRead(await wideCsv(dir), runs);
  if (only !== 'wide') await timeRead(await tallCsv(dir), runs);
}

if (process.argv[1]?.endsWith('read.bench.ts')) await main();
