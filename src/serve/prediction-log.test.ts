import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDuckEngine, queryRows } from '../lake/index.js';
import { JsonText, type PredictionEntry } from './prediction-entry.js';
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

describe('the prediction log, exactly', () => {
  it('keeps every field as given — odd ids and names, many sources, long lines — in order, in the columns readers expect', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'autolab-serve-log-')), 'log');
    const log = new ParquetPredictionLog(dir, { flushMs: 60_000 });
    const ids = ['"quoted"', 'nul\u0000', 'tab\there', 'back\\slash', 'line\nbreak', 'ünï\u2028', '', '9f1c0c3e-9a77-4c55-8c1e-2d1f0e0a5b11'];
    const models = ['m', 'with\ttab', 'with "quotes"\nand a line'];
    // a line past DuckDB's default longest (2 MB)
    const long = new JsonText(JSON.stringify([{ text: 'x'.repeat(3_000_000) }]));
    const entries: PredictionEntry[] = [];
    for (let i = 0; i < 60; i++) {
      entries.push({
        ...entry(i),
        requestId: ids[i % ids.length]! + i,
        model: models[i % models.length]!,
        role: i % 4 === 0 ? 'shadow' : 'answer',
        inputs: i === 30 ? long : i % 2 === 0 ? new JsonText(JSON.stringify([{ x: i }])) : [{ x: i }],
        latencyMs: i === 5 ? NaN : i / 7,
      });
    }
    for (const e of entries) log.append(e);
    await log.close();
    const engine = await openDuckEngine(join(dir, '..', 'read'));
    try {
      const glob = { glob: join(dir, '*.parquet') };
      const schema = await queryRows(engine.conn, 'SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($glob))', glob);
      expect(schema).toEqual([
        ['request_id', 'VARCHAR'], ['time', 'TIMESTAMP'], ['route', 'VARCHAR'], ['slot', 'VARCHAR'], ['role', 'VARCHAR'], ['model', 'VARCHAR'], ['version', 'VARCHAR'],
        ['rows', 'INTEGER'], ['inputs', 'VARCHAR'], ['outputs', 'VARCHAR'], ['warnings', 'INTEGER'], ['latency_ms', 'DOUBLE'],
      ]);
      const rows = await queryRows(engine.conn, 'SELECT request_id, epoch_ms(time), route, slot, role, model, version, rows, inputs, outputs, warnings, latency_ms FROM read_parquet($glob)', glob);
      expect(rows).toHaveLength(entries.length);
      rows.forEach((row, i) => {
        const e = entries[i]!;
        const inputs = e.inputs instanceof JsonText ? e.inputs.text : JSON.stringify(e.inputs);
        expect(row, `entry ${i}`).toEqual([e.requestId, String(e.time), e.route, e.slot, e.role, e.model, e.version, e.rows, inputs, JSON.stringify({ predictions: ['yes'], probabilities: [0.1, 0.9], classes: ['no', 'yes'] }), e.warnings, i === 5 ? null : Math.round(e.latencyMs * 1e6) / 1e6]);
      });
    } finally {
      engine.close();
    }
  });

  it('keeps a batch it could not write and writes it, first, at the next flush', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'autolab-serve-log-')), 'log');
    const errors: unknown[] = [];
    const log = new ParquetPredictionLog(dir, { flushMs: 60_000, onError: (error) => errors.push(error) });
    try {
      rmSync(dir, { recursive: true });
      log.append(entry(1));
      log.append(entry(2));
      await log.flush();
      expect(errors).toHaveLength(1);
      expect(log.pending).toBe(2);
      mkdirSync(dir);
      log.append(entry(3));
      await log.flush();
      expect(log.pending).toBe(0);
      expect(readdirSync(dir).filter((f) => f.endsWith('.parquet'))).toHaveLength(2);
      expect((await readLog(dir)).map((r) => r[0])).toEqual(['r1', 'r2', 'r3']);
    } finally {
      await log.close();
    }
  });
});
