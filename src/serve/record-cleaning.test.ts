import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseNumber } from '../features/index.js';
import { cleaningSelect, openDuckEngine, queryRows, type DuckEngine, type SilverColumn } from '../lake/index.js';
import { compileRecordCleaner } from './record-cleaning.js';

const base: Omit<SilverColumn, 'name'> = { cast: null, dateFormat: null, trim: true, nullStrings: ['', '?', 'n/a', 'unknown'], nullNumbers: [], pii: 'keep' };
const columns: SilverColumn[] = [
  { ...base, name: 'text' },
  { ...base, name: 'untrimmed', trim: false },
  { ...base, name: 'amount', cast: 'number', nullNumbers: [-999, 99999] },
  { ...base, name: 'score', trim: false, nullStrings: [], nullNumbers: [-1] },
];
const plan = { table: 't', columns, key: [] };

/** Silver's SQL cleaning of one row, as DuckDB does it. */
async function cleanedBySql(engine: DuckEngine, row: { text: string; untrimmed: string; amount: string; score: number }): Promise<unknown[]> {
  const input = [
    { name: 'text', type: 'VARCHAR' },
    { name: 'untrimmed', type: 'VARCHAR' },
    { name: 'amount', type: 'VARCHAR' },
    { name: 'score', type: 'DOUBLE' },
  ];
  const select = cleaningSelect(plan, input);
  const rows = await queryRows(engine.conn, `SELECT ${select.list} FROM (SELECT $a::VARCHAR AS text, $b::VARCHAR AS untrimmed, $c::VARCHAR AS amount, $d::DOUBLE AS score)`, { ...select.params, a: row.text, b: row.untrimmed, c: row.amount, d: row.score });
  return rows[0]!;
}

describe('silver cleaning of served records', () => {
  let engine: DuckEngine;
  beforeAll(async () => {
    engine = await openDuckEngine(mkdtempSync(join(tmpdir(), 'autolab-serve-clean-')));
  });
  afterAll(() => engine.close());
  const clean = compileRecordCleaner(plan, ['text', 'untrimmed', 'amount', 'score'])!;

  it('gives the values DuckDB gives, on placeholders, spaces and sentinel numbers', async () => {
    const text = fc.oneof(fc.constantFrom('', ' ', '?', ' ? ', 'N/A', ' Unknown ', 'rent', '  rent ', '\trent', '-999', ' -999 ', '99999', '12.5', ' 7 ', 'abc', '0X0', ' 0x1A', '0b1', '1_000', '1__0', '1_', '1.5_5'), fc.string({ maxLength: 6 }));
    await fc.assert(
      fc.asyncProperty(fc.record({ text, untrimmed: text, amount: text, score: fc.constantFrom(-1, 0, 2.5, -999) }), async (row) => {
        const [sqlText, sqlUntrimmed, sqlAmount, sqlScore] = await cleanedBySql(engine, row);
        const ours = clean([row])[0]!;
        expect(ours['text']).toBe(sqlText);
        expect(ours['untrimmed']).toBe(sqlUntrimmed);
        // the cast itself is the schema check's (text parsed as a number); the nulls must agree
        const amount = ours['amount'] === null ? null : parseNumber(ours['amount'] as string);
        expect(amount === null || Number.isNaN(amount) ? null : amount).toBe(sqlAmount === null ? null : sqlAmount);
        expect(ours['score']).toBe(sqlScore);
      }),
      { numRuns: 150 },
    );
  });
});
