/**
 * Gold's feature build beside DuckDB scanning the same inputs once, in the same run:
 *   node --import tsx bench/gold/gold.bench.ts [--rows N] [--no-known-at] [--recent-days 7,30]
 * Inputs: flights-3m.parquet from vega-datasets (3 million flights, taken as the flights' silver)
 * and airports.csv (3,376 airports, written to Parquet first, untimed). The plan is what gold plans
 * for the end-to-end test's project: target `delay > 15` cut off at `date`, flights.origin and
 * flights.destination → airports.iata, depth 2 (each airport's flights before this one, known once
 * they left). The peer reads every column of both inputs once and writes the flights back out
 * (`COPY (SELECT * FROM …) TO …parquet`): the floor of any build that reads them and writes one row
 * per flight. Pruning is timed apart. `GOLD_FN=count` (any aggregate) builds only the non-aggregate
 * features and that aggregate: where the time goes. `--recent-days` adds the windows of the last
 * days (`recentDays`, off by default as in the lab). Wall and CPU time (DuckDB's threads included); peak RSS of
 * this process (DuckDB runs in it, limited to 2 GB as in the gold stage).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pruneFeatures, synthesizeFeatures, type SynthesisColumn, type SynthesisTable } from '../../src/features/index.js';
import { buildGold, execute, openDuckEngine, queryRows, quoteIdent, quoteLiteral } from '../../src/lake/index.js';
import { time } from '../measure.js';

if (process.argv.includes('--help')) {
  console.log('node --import tsx bench/gold/gold.bench.ts [--rows N] [--no-known-at] [--recent-days 7,30]');
  process.exit(0);
}
const rowsAt = process.argv.indexOf('--rows');
const rowLimit = rowsAt > 0 ? Number(process.argv[rowsAt + 1]) : undefined;
const knownAt = !process.argv.includes('--no-known-at');
const recentAt = process.argv.indexOf('--recent-days');
const recentDays = recentAt > 0 ? (process.argv[recentAt + 1] ?? '').split(',').map(Number) : [];
const data = join(import.meta.dirname, '../../node_modules/vega-datasets/data');

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 20);

const dir = mkdtempSync(join(tmpdir(), 'autolab-gold-bench-'));
// the memory limit the gold stage builds with
const engine = await openDuckEngine(dir, { memoryLimit: '2GB' });
try {
  const { conn } = engine;
  const flights = join(dir, 'flights.parquet');
  const airports = join(dir, 'airports.parquet');
  const limit = rowLimit ? ` LIMIT ${Math.floor(rowLimit)}` : '';
  await execute(conn, `COPY (SELECT * FROM read_parquet($p)${limit}) TO ${quoteLiteral(flights)} (FORMAT parquet)`, { p: join(data, 'flights-3m.parquet') });
  await execute(conn, `COPY (SELECT * FROM read_csv($p)) TO ${quoteLiteral(airports)} (FORMAT parquet)`, { p: join(data, 'airports.csv') });

  /** A table as exploration would describe it to synthesis: kinds, distinct counts, top values. */
  async function describe(name: string, path: string, roles: Record<string, string>, time: string | null): Promise<SynthesisTable> {
    const schema = await queryRows(conn, 'DESCRIBE SELECT * FROM read_parquet($p)', { p: path });
    const columns: SynthesisColumn[] = [];
    for (const [column, type] of schema.map((r) => [String(r[0]), String(r[1])] as const)) {
      const kind = /INT|DOUBLE|DECIMAL|FLOAT/.test(type) ? 'number' : /TIMESTAMP|DATE/.test(type) ? 'time' : 'text';
      const [[distinct]] = (await queryRows(conn, `SELECT approx_count_distinct(${quoteIdent(column)}) FROM read_parquet($p)`, { p: path })) as [[number]];
      const top = await queryRows(conn, `SELECT CAST(${quoteIdent(column)} AS VARCHAR) FROM read_parquet($p) WHERE ${quoteIdent(column)} IS NOT NULL GROUP BY ALL ORDER BY count(*) DESC, 1 LIMIT 3`, { p: path });
      columns.push({ name: column, kind, role: roles[column] ?? 'feature', semantic: kind === 'number' ? 'numeric' : kind === 'time' ? 'datetime' : column === 'name' ? 'text' : 'categorical', distinct: Number(distinct), topValues: top.map((r) => String(r[0])), personal: false });
    }
    const [[rows]] = (await queryRows(conn, 'SELECT count(*) FROM read_parquet($p)', { p: path })) as [[number]];
    return { name, columns, rows: Number(rows), time, ...(name === 'flights' && knownAt ? { knownAt: 'date + to_minutes(CAST(delay AS BIGINT))' } : {}) };
  }
  const tables = [await describe('flights', flights, { date: 'time' }, 'date'), await describe('airports', airports, { iata: 'id' }, null)];
  const plan = synthesizeFeatures({
    tables,
    recentDays,
    relationships: [
      { child: 'flights', fk: 'origin', parent: 'airports', key: 'iata' },
      { child: 'flights', fk: 'destination', parent: 'airports', key: 'iata' },
    ],
    target: { table: 'flights', label: { kind: 'expression', name: 'late', expression: 'delay > 15' }, time: 'date', reads: ['delay'] },
  });
  const [[rows]] = (await queryRows(conn, 'SELECT count(*) FROM read_parquet($p)', { p: flights })) as [[number]];

  const peer = await time(async () => {
    await execute(conn, `COPY (SELECT * FROM read_parquet($f)) TO ${quoteLiteral(join(dir, 'peer-flights.parquet'))} (FORMAT parquet)`, { f: flights });
    await execute(conn, `COPY (SELECT * FROM read_parquet($a)) TO ${quoteLiteral(join(dir, 'peer-airports.parquet'))} (FORMAT parquet)`, { a: airports });
  });
  const out = join(dir, 'gold.parquet');
  const only = process.env['GOLD_FN'];
  const features = only ? plan.features.filter((f) => f.kind !== 'aggregate' || f.aggregate.fn === only).map((f) => f.name) : undefined;
  const ours = await time(() => buildGold(conn, { plan, targetPath: flights, tablePaths: { flights, airports }, withLabel: true, ...(features ? { features } : {}) }, out));
  const pruning = await time(() => pruneFeatures(conn, out, { label: 'late' }));
  const dropped = pruning.value.dropped;

  console.log(`gold feature build: ${Number(rows).toLocaleString('en')} flights + ${tables[1]!.columns.length}-column airports, ${plan.features.length} features planned${knownAt ? ', known-at on' : ''}`);
  console.log(`  ours  buildGold         ${(ours.ms / 1000).toFixed(2)} s wall, ${(ours.cpuMs / 1000).toFixed(2)} s CPU`);
  console.log(`  peer  DuckDB scan once  ${(peer.ms / 1000).toFixed(2)} s wall, ${(peer.cpuMs / 1000).toFixed(2)} s CPU`);
  console.log(`  ratio ${(ours.ms / peer.ms).toFixed(1)}x wall, ${(ours.cpuMs / peer.cpuMs).toFixed(1)}x CPU`);
  console.log(`  pruning ${(pruning.ms / 1000).toFixed(2)} s: kept ${pruning.value.kept.length}; dropped ${dropped.missing.length} missing, ${dropped.constant.length} constant, ${dropped.duplicate.length} duplicate, ${dropped.correlated.length} correlated, ${dropped.capped.length} capped`);
  console.log(`  peak RSS ${(peakRss / 2 ** 30).toFixed(2)} GiB`);
} finally {
  clearInterval(sampler);
  engine.close();
  rmSync(dir, { recursive: true, force: true });
}
