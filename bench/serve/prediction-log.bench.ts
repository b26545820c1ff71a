/**
 * The prediction log's own cost, in process: CPU per entry of what a logged request adds on its path
 * (the entry's JSON text, the line in the batch) and of the flush (the batch to a file, DuckDB's
 * read into Parquet), apart. `npm run bench:serve` measures the same in the server, beside the
 * requests; this says where it goes.
 *
 *   node --import tsx bench/serve/prediction-log.bench.ts [--entries 30000] [--rounds 5]
 *
 * Entries are the anchor's record (credit_data, MLflow's dataframe_records) with two fields and
 * the probabilities varied per entry, so that no cache of the same text or number helps; each round
 * makes `--entries` requests (2 s of a busy worker's) without the log, then again appending each
 * one's entry, and flushes them as one file. The first round opens DuckDB and is left out.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordsOfMlflowBody } from '../../src/serve/body-formats.js';
import { recordsJson, scoresJson } from '../../src/serve/entry-json.js';
import { ParquetPredictionLog } from '../../src/serve/prediction-log.js';
import type { RecordValues } from '../../src/serve/record-validator.js';
import type { Scored } from '../../src/serve/served-model.js';
import { anchorRecord, loadAverage, option } from './serve-harness.js';

const args = process.argv.slice(2);
const entries = Number(option(args, 'entries', '30000'));
const rounds = Number(option(args, 'rounds', '5'));
const record = anchorRecord();
const classes = ['bad', 'good'];
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One request's body text, parsed body and scores, as the server has them when it logs. */
function request(i: number): { text: string; body: unknown; records: RecordValues[]; scored: Scored } {
  const text = JSON.stringify({ dataframe_records: [{ ...record, Amount: 500 + (i % 2000), Age: 20 + (i % 50) }] });
  const body = JSON.parse(text) as unknown;
  const p = (i % 997) / 997 + 1e-7 * Math.random();
  return { text, body, records: recordsOfMlflowBody(body, [], 10_000), scored: { predictions: [p > 0.5 ? 'good' : 'bad'], probabilities: Float64Array.of(1 - p, p), classes, warnings: [] } };
}

const dir = join(mkdtempSync(join(tmpdir(), 'autolab-bench-log-')), 'log');
const log = new ParquetPredictionLog(dir, { flushMs: 3_600_000 });
const rows: string[] = [];
let kept = 0;
try {
  for (let round = 0; round <= rounds; round++) {
    // the request's own part (body, records, scores) alone, then with the entry appended: the difference is the log's
    const t0 = cpuMs();
    for (let i = 0; i < entries; i++) kept += request(i).records.length;
    const t1 = cpuMs();
    for (let i = 0; i < entries; i++) {
      const { text, body, records, scored } = request(i);
      log.append({ requestId: randomUUID(), time: Date.now(), route: '/invocations', slot: 'blue', role: 'answer', model: 'credit', version: 'abcdef123456', rows: records.length, inputs: recordsJson(records, body, text), outputs: scoresJson(scored), warnings: 0, latencyMs: 0.04 + Math.random() / 100 });
    }
    const t2 = cpuMs();
    await log.flush();
    const t3 = cpuMs();
    const append = t2 - t1 - (t1 - t0);
    const flush = t3 - t2;
    if (round > 0) rows.push(`round ${round}: append ${((append * 1000) / entries).toFixed(2)} µs an entry, flush ${((flush * 1000) / entries).toFixed(2)} µs (CPU, DuckDB's threads too): ${(((append + flush) * 1000) / entries).toFixed(2)} µs`);
  }
} finally {
  await log.close();
  rmSync(join(dir, '..'), { recursive: true, force: true });
}
process.stdout.write([`prediction log in process, ${entries} entries a batch of ${kept / (rounds + 1) / entries} record (${new Date().toISOString()}; load average ${loadAverage()})`, ...rows, ''].join('\n'));
