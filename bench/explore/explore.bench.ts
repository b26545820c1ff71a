/**
 * Exploration round 1 beside DuckDB's SUMMARIZE of the same table, in the same run:
 *   node --import tsx bench/explore/explore.bench.ts [--quick] [--wide-columns N] [--only wide]
 * 1. flights-3m.parquet from vega-datasets (3 million rows, 5 columns);
 * 2. a generated 20-million-row table (peak RSS of this process is reported: DuckDB runs in it);
 * 3. a generated 2,000-column table (`--wide-columns N` for another width), and beside it a
 *    200,000-row table: both explored in one lab is issue 12's bound (under a minute for 5,000 columns).
 * SUMMARIZE computes min/max/approx distinct/avg/std/quartiles/null share; round 1 computes all of
 * that plus histograms, top values, string formats, alerts, keys, duplicates, correlations and PII.
 * Each comparison prints wall time and the process's CPU time (DuckDB's threads included); on a
 * machine shared with other work the CPU ratio is the steadier of the two.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { profileTable } from '../../src/explore/profile.js';
import { findRelationships } from '../../src/explore/relationships.js';
import type { TableProfile } from '../../src/explore/profile-types.js';
import { time } from '../measure.js';

if (process.argv.includes('--help')) {
  console.log('node --import tsx bench/explore/explore.bench.ts [--quick] [--wide-columns N] [--only wide]');
  process.exit(0);
}
const quick = process.argv.includes('--quick');
const widthAt = process.argv.indexOf('--wide-columns');
const onlyWide = process.argv.includes('--only') && process.argv[process.argv.indexOf('--only') + 1] === 'wide';
const flights = join(import.meta.dirname, '../../node_modules/vega-datasets/data/flights-3m.parquet');

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function compare(conn: DuckDBConnection, label: string, path: string, rounds: number): Promise<TableProfile> {
  const summarize: number[] = [];
  const ours: number[] = [];
  const summarizeCpu: number[] = [];
  const oursCpu: number[] = [];
  let phases = '';
  let phaseCpu = '';
  let profile: TableProfile | undefined;
  for (let r = 0; r < rounds; r++) {
    // alternate the order so that neither side always gets the warm cache
    const runSummarize = async () => {
      const { ms, cpuMs } = await time(() => conn.runAndReadAll('SUMMARIZE SELECT * FROM read_parquet($p)', { p: path }));
      summarize.push(ms);
      summarizeCpu.push(cpuMs);
    };
    const runOurs = async () => {
      // CPU time per phase (DuckDB's threads included), measured between the profile's phase ends
      const cpuPhases: string[] = [];
      let cpuMark = process.cpuUsage();
      const onPhase = (name: string) => {
        const used = process.cpuUsage(cpuMark);
        cpuMark = process.cpuUsage();
        cpuPhases.push(`${name} ${Math.round((used.user + used.system) / 1000)}`);
      };
      const { ms, cpuMs, value } = await time(() => profileTable(conn, { name: label, parquetPath: path }, { onPhase }));
      ours.push(ms);
      oursCpu.push(cpuMs);
      phases = Object.entries(value.timings.phases).map(([k, v]) => `${k} ${v}`).join(', ');
      phaseCpu = cpuPhases.join(', ');
      profile = value;
    };
    if (r % 2 === 0) {
      await runSummarize();
      await runOurs();
    } else {
      await runOurs();
      await runSummarize();
    }
  }
  const s = median(summarize);
  const o = median(ours);
  const sc = median(summarizeCpu);
  const oc = median(oursCpu);
  console.log(`${label.padEnd(16)} SUMMARIZE ${s.toFixed(0).padStart(6)} ms   round 1 ${o.toFixed(0).padStart(6)} ms   ratio ${(o / s).toFixed(2)}×   (median of ${rounds}, wall)`);
  console.log(`${''.padEnd(16)} SUMMARIZE ${sc.toFixed(0).padStart(6)} ms   round 1 ${oc.toFixed(0).padStart(6)} ms   ratio ${(oc / sc).toFixed(2)}×   (CPU time of the process)`);
  console.log(`${''.padEnd(16)} round-1 phases (ms): ${phases}`);
  console.log(`${''.padEnd(16)} round-1 phases (CPU ms): ${phaseCpu}`);
  return profile!;
}

const dir = mkdtempSync(join(tmpdir(), 'autolab-explore-bench-'));
try {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const threads = (await conn.runAndReadAll(`SELECT current_setting('threads')`)).getRowsJson()[0]?.[0];
  console.log(`DuckDB ${(await conn.runAndReadAll('SELECT version()')).getRowsJson()[0]?.[0]}, ${threads} threads${quick ? ', quick mode' : ''}`);

  if (!onlyWide) await compare(conn, 'flights-3m', flights, quick ? 1 : 3);

  const bigRows = onlyWide ? 200_000 : quick ? 2_000_000 : 20_000_000;
  const big = join(dir, 'big.parquet');
  await conn.run(
    `COPY (SELECT i AS id,
                  (i * 7919) % 100003 AS customer_id,
                  ((i * 2654435761) % 1000000) / 100.0 AS amount,
                  ['north', 'south', 'east', 'west', 'central'][1 + (i % 5)] AS region,
                  TIMESTAMP '2020-01-01' + to_seconds(i % 100000000) AS created_at,
                  CASE WHEN i % 17 = 0 THEN NULL ELSE (i % 1000) * 1.5 END AS score,
                  'SKU-' || lpad(CAST(i % 5000 AS VARCHAR), 5, '0') AS sku,
                  i % 2 = 0 AS flag
           FROM range(${bigRows}) t(i)) TO '${big}' (FORMAT parquet)`,
  );
  peakRss = process.memoryUsage().rss;
  const rssBefore = peakRss;
  if (!onlyWide) {
    await compare(conn, `generated-${bigRows / 1e6}M`, big, 1);
    console.log(`${''.padEnd(16)} peak RSS of the process ${(peakRss / 2 ** 30).toFixed(2)} GiB (before: ${(rssBefore / 2 ** 30).toFixed(2)} GiB)`);
  }

  const wideColumns = widthAt > 0 ? Number(process.argv[widthAt + 1]) : quick ? 500 : 2000;
  if (!Number.isInteger(wideColumns) || wideColumns < 1) throw new Error('--wide-columns takes a whole number, e.g. --wide-columns 5000');
  const wide = join(dir, 'wide.parquet');
  const exprs = Array.from({ length: wideColumns }, (_, k) => {
    switch (k % 4) {
      case 0:
        return `(i * ${k + 1}) % 1000 AS n${k}`;
      case 1:
        return `((i * ${k + 3}) % 997) / 7.0 AS f${k}`;
      case 2:
        return `'c' || ((i + ${k}) % 23) AS s${k}`;
      default:
        return `CASE WHEN (i + ${k}) % 9 = 0 THEN NULL ELSE DATE '2021-01-01' + INTERVAL ((i * ${k}) % 700) DAY END AS d${k}`;
    }
  });
  await conn.run(`COPY (SELECT i AS id, ${exprs.join(', ')} FROM range(10000) t(i)) TO '${wide}' (FORMAT parquet)`);
  const started = performance.now();
  const wideProfile = await compare(conn, `wide-${wideColumns}col`, wide, 1);
  // beside it, a 200,000-row table (the first rows of the generated one): a lab holding both
  const rows200k = join(dir, 'rows-200k.parquet');
  await conn.run(`COPY (SELECT * FROM read_parquet('${big}') LIMIT 200000) TO '${rows200k}' (FORMAT parquet)`);
  const rowsProfile = await compare(conn, 'rows-200k', rows200k, 1);
  // what the lab does next with both profiles (no SUMMARIZE counterpart)
  const rel = await time(() =>
    findRelationships(conn, [
      { name: 'wide', parquetPath: wide, profile: wideProfile },
      { name: 'rows_200k', parquetPath: rows200k, profile: rowsProfile },
    ]),
  );
  console.log(`${'relationships'.padEnd(16)} ${rel.ms.toFixed(0)} ms wall, ${rel.cpuMs.toFixed(0)} ms CPU, ${rel.value.length} found`);
  console.log(`${''.padEnd(16)} both tables, both sides: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  conn.closeSync();
} finally {
  clearInterval(sampler);
  rmSync(dir, { recursive: true, force: true });
}
