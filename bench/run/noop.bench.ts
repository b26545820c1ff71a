/**
 * `autolab run` with nothing changed, on a project of 20 tables (issue 14: under 2 s).
 * A lab gets 20 CSV sources — a target table of customers and 19 tables whose rows refer to them —,
 * is run once to a model (`acceptSuggested`, one candidate), and then run again with nothing
 * changed, timed: in process (`runProject`, the lab open) and as a user runs it
 * (`node bin/autolab.js run`, Node's start-up and the lab's opening included; needs `npm run build`).
 * The peer is `make -q` on a Makefile of the same graph (20 bronze files → 20 silver → a model):
 * the classic no-op check, which compares file times only, where ours plans every stage from the
 * catalog and compares content keys.
 * The walk stops at the approval of the model (a person's step): every stage before it is planned.
 * Run: node --import tsx bench/run/noop.bench.ts [tables=20] [runs=5]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addSource, initLab, openLab, resolveProject } from '../../src/app/index.js';
import { runProject } from '../../src/app/run.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const TABLES = Number(process.argv[2] ?? 20);
const RUNS = Number(process.argv[3] ?? 5);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function writeTables(dir: string): string[] {
  const files: string[] = [];
  const customers = ['customer_id,age,plan,monthly,churn'];
  for (let i = 0; i < 500; i++) {
    const monthly = 20 + ((i * 17) % 70);
    const churn = monthly > 65 || (i % 3 === 0 && i % 7 === 0);
    customers.push(`C${i},${20 + (i % 50)},${['basic', 'plus', 'pro'][i % 3]},${monthly.toFixed(2)},${churn ? 'Yes' : 'No'}`);
  }
  files.push(join(dir, 'customers.csv'));
  writeFileSync(files[0]!, customers.join('\n') + '\n');
  for (let t = 1; t < TABLES; t++) {
    const lines = [`event_id,customer_id,amount_${t},kind_${t}`];
    for (let i = 0; i < 300; i++) lines.push(`E${t}_${i},C${(i * 13 + t) % 500},${((i * 31) % 97).toFixed(1)},${['a', 'b', 'c', 'd'][(i + t) % 4]}`);
    const file = join(dir, `events_${String(t).padStart(2, '0')}.csv`);
    writeFileSync(file, lines.join('\n') + '\n');
    files.push(file);
  }
  return files;
}

function timeCommand(command: string, args: readonly string[], cwd: string): number {
  const t0 = performance.now();
  execFileSync(command, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  return (performance.now() - t0) / 1000;
}

function makePeer(dir: string, files: readonly string[]): string {
  const peer = join(dir, 'make');
  mkdirSync(peer);
  const silver = files.map((_, i) => `silver_${i}.parquet`);
  const rules = files.map((file, i) => `silver_${i}.parquet: ${file}\n\tcp ${file} $@\n`).join('\n');
  writeFileSync(join(peer, 'Makefile'), `model.bin: ${silver.join(' ')}\n\tcat $^ > $@\n\n${rules}`);
  execFileSync('make', ['-s'], { cwd: peer });
  return peer;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'autolab-bench-run-'));
  try {
    const data = join(dir, 'data');
    mkdirSync(data);
    const files = writeTables(data);
    const root = join(dir, 'lab');
    const lab = await initLab(root, { project: 'bench' });
    try {
      for (const file of files) await addSource(lab, 'bench', file.split('/').pop()!.replace('.csv', ''), file);
      const project = await resolveProject(lab, 'bench');
      const first = await runProject(lab, project, { trials: 1, acceptSuggested: 0 });
      // the walk ends at the approval of the model it trained (human moment 3): that is as far as a run goes alone
      if (!first.train || (first.waitsOn && !/waits for approval/.test(first.waitsOn))) throw new Error(`the first run waits on: ${first.waitsOn}`);
      console.log(`first run: ${first.ran} actions (${TABLES} tables)`);
    } finally {
      await lab.close();
    }
    // the files are older than the racy window from here on
    await new Promise((r) => setTimeout(r, 2500));

    const inProcess: number[] = [];
    const opened = await openLab(root);
    try {
      const project = await resolveProject(opened, 'bench');
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const again = await runProject(opened, project, { trials: 1 });
        inProcess.push((performance.now() - t0) / 1000);
        if (again.ran !== 0) throw new Error(`a run with nothing changed ran ${again.ran} actions: ${again.stale.map((s) => `${s.stage} ${s.unit.unit}: ${s.reason}`).join('; ')}`);
      }
    } finally {
      await opened.close();
    }
    const bin = join(ROOT, 'bin', 'autolab.js');
    const cli: number[] = [];
    if (existsSync(join(ROOT, 'dist'))) for (let i = 0; i < RUNS; i++) cli.push(timeCommand(process.execPath, [bin, 'run', '--trials', '1'], root));
    const peer = makePeer(dir, files);
    const make: number[] = [];
    for (let i = 0; i < RUNS; i++) make.push(timeCommand('make', ['-q'], peer));

    console.log(`\nno-op run, ${TABLES} tables, median of ${RUNS}:`);
    console.log(`  autolab run, in process (lab open)     ${median(inProcess).toFixed(3)} s`);
    console.log(`  autolab run, command (node start-up)   ${cli.length > 0 ? `${median(cli).toFixed(3)} s` : 'skipped: npm run build first'}`);
    console.log(`  peer: make -q, same graph               ${median(make).toFixed(3)} s (file times only)`);
    console.log(`  target: under 2 s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
