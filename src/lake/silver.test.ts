import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataError } from '../common/index.js';
import { openDuckEngine, type DuckEngine } from './engine.js';
import { buildSilver, cleanedRows } from './silver.js';
import type { QualityRule, SilverColumn, SilverPlan } from './silver-types.js';
import { execute, queryRows } from './sql.js';

const HOSTILE = 'a"; drop table x; --';

function column(name: string, extra: Partial<SilverColumn> = {}): SilverColumn {
  return { name, cast: null, dateFormat: null, trim: true, nullStrings: ['', 'n/a', '?', '-'], nullNumbers: [], pii: 'keep', ...extra };
}

const PLAN: SilverPlan = {
  table: 'customers',
  key: ['id'],
  columns: [
    column('id', { cast: 'number' }),
    column('age', { cast: 'number', nullNumbers: [-999] }),
    column('city'),
    column('active', { cast: 'boolean' }),
    column('joined', { cast: 'timestamp', dateFormat: '%d/%m/%Y' }),
    column('email', { pii: 'hash' }),
    column('name', { pii: 'mask' }),
    column('phone', { pii: 'drop' }),
    column(HOSTILE),
  ],
};

// id, age, city, active, joined, email, name, phone, hostile
const ROWS: (string | null)[][] = [
  ['1', '34', ' Zürich ', 'yes', '01/02/2020', 'a@x.org', 'Ann', '555', 'v1'],
  ['2', '-999', 'Bern', 'no', '15/03/2021', 'b@x.org', 'Bob', '556', 'v2'],
  ['3', 'N/A', '?', 'Y', '31/12/2019', 'c@x.org', 'Cy', '557', 'v3'],
  ['2', '40', 'Basel', 'n', '01/01/2022', 'b@x.org', 'Bob', '556', 'dup'],
  ['4', 'old', 'Genf', 'true', 'yesterday', 'd@x.org', 'Di', '558', 'v4'],
  ['5', '250', 'Paris', 'false', '02/02/2020', 'e@x.org', 'Ed', '559', 'v5'],
  [null, '20', 'Bern', 'no', '02/02/2020', 'f@x.org', 'Fa', '560', 'v6'],
];

describe('silver', () => {
  let dir: string;
  let engine: DuckEngine;
  let bronze: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'autolab-silver-'));
    engine = await openDuckEngine(dir);
    bronze = join(dir, 'bronze.parquet');
    const names = ['id', 'age', 'city', 'active', 'joined', 'email', 'name', 'phone', HOSTILE];
    const values = ROWS.map((r) => `(${r.map((v) => (v === null ? 'NULL' : `'${v}'`)).join(', ')})`).join(', ');
    const columns = names.map((n) => `"${n.replaceAll('"', '""')}"`).join(', ');
    await execute(engine.conn, `COPY (SELECT * FROM (VALUES ${values}) AS t(${columns})) TO '${bronze}' (FORMAT parquet)`);
  });

  afterEach(async () => {
    engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function build(rules: QualityRule[]) {
    const outPath = join(dir, 'silver.parquet');
    const quarantinePath = join(dir, 'quarantine.parquet');
    const report = await buildSilver(engine.conn, { plan: PLAN, rules, bronzePath: bronze, referenced: {}, salt: 'pepper', outPath, quarantinePath });
    const rows = await queryRows(engine.conn, 'SELECT * FROM read_parquet($p)', { p: outPath });
    const quarantine = await queryRows(engine.conn, 'SELECT id, broken_rules, bronze_row FROM read_parquet($p)', { p: quarantinePath });
    const schema = await queryRows(engine.conn, 'DESCRIBE SELECT * FROM read_parquet($p)', { p: outPath });
    return { report, rows, quarantine, schema: Object.fromEntries(schema.map((r) => [String(r[0]), String(r[1])])) };
  }

  const rule = (col: string, check: QualityRule['check'], action: QualityRule['action']): QualityRule => ({
    id: `customers.${col}:${check.kind}`,
    table: 'customers',
    column: col,
    check,
    action,
    reason: 'test',
  });

  it('cleans values, drops PII as tagged, deduplicates on the key and accounts for every row', async () => {
    const { report, rows, schema } = await build([]);
    expect(schema).toMatchObject({ id: 'DOUBLE', age: 'DOUBLE', city: 'VARCHAR', active: 'BOOLEAN', joined: 'TIMESTAMP' });
    expect(Object.keys(schema)).not.toContain('phone');
    expect(report.dropped).toEqual(['phone']);
    // the second id 2 is a duplicate of the first: removed, the first kept
    expect(report).toMatchObject({ rowsIn: 7, rowsOut: 6, quarantined: 0, duplicatesRemoved: 1 });
    const byId = new Map(rows.map((r) => [r[0], r]));
    expect(byId.get(1)?.slice(1, 5)).toEqual([34, 'Zürich', true, '2020-02-01 00:00:00']);
    expect(byId.get(2)?.slice(1, 3)).toEqual([null, 'Bern']); // -999 is no value
    expect(byId.get(3)?.slice(1, 4)).toEqual([null, null, true]); // N/A and ? are no value
    expect(byId.get(2)?.[7]).toBe('v2');
    expect(byId.get(4)?.[4]).toBeNull(); // 'yesterday' is not a date
    // hashed with the salt: the same e-mail gives the same hash, never the address
    expect(byId.get(1)?.[5]).toMatch(/^[0-9a-f]{64}$/);
    expect(rows.flat()).not.toContain('a@x.org');
    expect(byId.get(1)?.[6]).toBe('A**');
    // values that are not of their type are counted, with examples
    const types = Object.fromEntries(report.rules.filter((r) => r.kind === 'type').map((r) => [r.column, [r.failed, r.examples]]));
    expect(types).toMatchObject({ age: [1, ['old']], joined: [1, ['yesterday']], active: [0, []] });
  });

  it('warns, quarantines with the rules broken, and stops on a failing rule', async () => {
    const warned = await build([rule('age', { kind: 'range', min: 0, max: 120 }, 'warn'), rule('active', { kind: 'one_of', values: ['yes', 'no'] }, 'fail')]);
    // a set of texts on a column cast to booleans is not checked: its values are booleans now
    expect(warned.report.rules.map((r) => r.id)).not.toContain('customers.active:one_of');
    expect(warned.report.rules.find((r) => r.kind === 'range')).toMatchObject({ failed: 1, examples: ['250.0'] });
    expect(warned.report.rowsOut).toBe(6);

    const { report, quarantine } = await build([
      rule('age', { kind: 'range', min: 0, max: 120 }, 'quarantine'),
      rule('city', { kind: 'one_of', values: ['Zürich', 'Bern', 'Basel', 'Genf'] }, 'quarantine'),
      rule('id', { kind: 'not_null' }, 'quarantine'),
    ]);
    // id 5 breaks two rules (age 250, Paris); the row without an id breaks one
    expect(quarantine).toEqual([
      [5, ['customers.age:range', 'customers.city:one_of'], '5'],
      [null, ['customers.id:not_null'], '6'],
    ]);
    expect(report).toMatchObject({ rowsIn: 7, rowsOut: 4, quarantined: 2, duplicatesRemoved: 1 });
    expect(report.rowsIn).toBe(report.rowsOut + report.quarantined + report.duplicatesRemoved);

    const failing = build([rule('city', { kind: 'one_of', values: ['Zürich', 'Bern'] }, 'fail')]);
    await expect(failing).rejects.toThrow(DataError);
    await expect(failing).rejects.toThrow(/customers\.city:one_of failed on table customers: 3 rows, e\.g\. city = "Basel"/);
  });

  it('counts repeated keys under a unique rule, and checks references against another table', async () => {
    const parents = join(dir, 'cities.parquet');
    await execute(engine.conn, `COPY (SELECT * FROM (VALUES ('Zürich'), ('Bern'), (' Basel ')) AS t(name)) TO '${parents}' (FORMAT parquet)`);
    const outPath = join(dir, 'silver.parquet');
    const report = await buildSilver(engine.conn, {
      plan: PLAN,
      rules: [rule('id', { kind: 'unique' }, 'warn'), rule('city', { kind: 'references', table: 'cities', column: 'name' }, 'warn')],
      bronzePath: bronze,
      referenced: { cities: parents },
      salt: 'pepper',
      outPath,
      quarantinePath: join(dir, 'q.parquet'),
    });
    expect(report.rules.find((r) => r.kind === 'unique')).toMatchObject({ failed: 1, examples: ['2.0'] });
    expect(report.rules.find((r) => r.kind === 'references')).toMatchObject({ failed: 2, examples: ['Genf', 'Paris'] });
  });

  it('cleans raw rows for scoring as the build cleaned them, without the hashed PII', async () => {
    const seen: unknown[][] = [];
    const sink = cleanedRows(PLAN, {
      async consume(conn, sql, params) {
        seen.push(...(await queryRows(conn, `SELECT * FROM (${sql}) LIMIT 3`, params)));
      },
    });
    await sink.consume(engine.conn, 'SELECT * FROM read_parquet($b)', { b: bronze });
    expect(seen[0]).toEqual([1, 34, 'Zürich', true, '2020-02-01 00:00:00', 'A**', 'v1']);
    expect(seen[1]?.[1]).toBeNull();
  });
});
