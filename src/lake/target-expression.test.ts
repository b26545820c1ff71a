import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../common/index.js';
import { openDuckEngine, type DuckEngine } from './engine.js';
import { checkTargetExpression } from './target-expression.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'autolab-target-expr-'));
let engine: DuckEngine;
beforeAll(async () => {
  engine = await openDuckEngine(dir);
});
afterAll(() => {
  engine.close();
  rmSync(dir, { recursive: true, force: true });
});

const HOSTILE = 'a"; drop table x; --';
const COLUMNS = [
  { name: 'delay', type: 'DOUBLE' },
  { name: 'origin', type: 'VARCHAR' },
  { name: 'date', type: 'TIMESTAMP' },
  { name: HOSTILE, type: 'BIGINT' },
];

async function refusal(expression: string): Promise<string> {
  const error: unknown = await checkTargetExpression(engine.conn, 'flights', expression, COLUMNS).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(InputError);
  const message = (error as InputError).message;
  expect(message).not.toContain('\n');
  return message;
}

describe('a target expression', () => {
  it('reads the columns DuckDB finds in it, whatever their names', async () => {
    expect(await checkTargetExpression(engine.conn, 'flights', 'delay > 15', COLUMNS)).toEqual({ reads: ['delay'] });
    expect(await checkTargetExpression(engine.conn, 'flights', `"${HOSTILE.replaceAll('"', '""')}" > 2 OR DELAY > 15 AND origin = 'SFO'`, COLUMNS)).toEqual({ reads: [HOSTILE, 'delay', 'origin'].sort() });
    expect(await checkTargetExpression(engine.conn, 'flights', 'delay > 15 -- late', COLUMNS)).toEqual({ reads: ['delay'] });
  });

  it('is refused in one line naming what is wrong', async () => {
    expect(await refusal('dela > 15')).toMatch(/no column "dela" in flights/);
    expect(await refusal('delay >')).toMatch(/syntax error/);
    expect(await refusal("delay > 'x' + 1")).toMatch(/flights/);
    expect(await refusal('(SELECT max(delay) FROM flights) > delay')).toMatch(/subquery/);
    expect(await refusal('delay > 15) AS t FROM __autolab_target_probe WHERE (1')).toMatch(/syntax error|not one expression/);
    expect(await refusal('delay > 15) AS __autolab_target, (1')).toMatch(/not one expression/);
    expect(await refusal('1) AS __autolab_target FROM __autolab_target_probe; DROP TABLE x; SELECT (1')).toMatch(/flights/);
    expect(await refusal('15 > 3')).toMatch(/reads no column/);
    expect(await refusal('  ')).toMatch(/empty/);
  });
});
