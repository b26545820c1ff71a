import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckEngine, queryRows } from '../lake/index.js';
import type { PredictionEntry } from './prediction-entry.js';
import { ParquetPredictionLog } from './prediction-log.js';

function entry(i: number): PredictionEntry {
  return {
    requestId: `r${i}`,
    time: 1_700_000_000_000 + i,
    route: '/predict',
    slot: i % 2 === 0 ? 'blue' : 'green',
    role: 'answer',
    model: 'm',
    version: 'v1',
    rows: 1,
    inputs: [{ x: i, text: 'a "quoted"\nline' }],
    outputs: { predictions: ['yes'], probabilities: Float64Array.of(0.1, 0.9), classes: ['no', 'yes'] },
    warnings: i % 3,
    latencyMs: i / 10,
  };
}

async function readLog(dir: string): Promise<unknown[][]> {
  const engine = await openDuckEngine(join(dir, '..', 'read'));
  try {
    return await queryRows(engine.conn, `SELECT request_id, epoch_ms(time), slot, inputs, warnings, latency_ms FROM read_parquet($glob) ORDER BY time`, { glob: join(dir, '*.parquet') });
  } finally {
    engine.close();
  }
}

describe('the prediction log', () => {
  it('writes every entry to Parquet on close, values intact, and leaves no temporary file', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'autolab-serve-log-')), 'log');
    const log = new ParquetPredictionLog(dir, { flushMs: 60_000 });
    for (let i = 0; i < 500; i++) log.append(entry(i));
    expect(readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toEqual([]);
    await log.close();
    const rows = await readLog(dir);
    expect(rows).toHaveLength(500);
    expect(rows[7]).toEqual(['r7', '1700000000007', 'green', JSON.stringify(entry(7).inputs), 1, 0.7]);
    const [[outputs]] = (await (async () => {
      const engine = await openDuckEngine(join(dir, '..', 'read2'));
      try {
        return await queryRows(engine.conn, `SELECT outputs FROM read_parquet($glob) WHERE request_id = 'r7'`, { glob: join(dir, '*.parquet') });
      } finally {
        engine.close();
      }
    })()) as [[string]];
    expect(JSON.parse(outputs)).toEqual({ predictions: ['yes'], probabilities: [0.1, 0.9], classes: ['no', 'yes'] });
    expect(readdirSync(dir).every((f) => /^predictions-.*\.parquet$/.test(f))).toBe(true);
  });

  it('flushes on its own while the server runs, one file per batch', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'autolab-serve-log-')), 'log');
    const log = new ParquetPredictionLog(dir, { flushMs: 30 });
    try {
      log.append(entry(1));
      while (readdirSync(dir).filter((f) => f.endsWith('.parquet')).length < 1) await new Promise((r) => setTimeout(r, 10));
      log.append(entry(2));
      log.append(entry(3));
      while (readdirSync(dir).filter((f) => /^predictions-.*\.parquet$/.test(f)).length < 2) await new Promise((r) => setTimeout(r, 10));
      expect(log.pending).toBe(0);
      expect((await readLog(dir)).map((r) => r[0])).toEqual(['r1', 'r2', 'r3']);
    } finally {
      await log.close();
    }
  });
});
