import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../common/index.js';
import { addSource, ingestProject, initLab, type IngestedTable, type Lab } from './index.js';
import { labBackends } from './lab-backends.testutil.js';

const FIXTURES = resolve(import.meta.dirname, '../../test/fixtures/ingest');
const fixture = (name: string) => join(FIXTURES, name);

let dir: string;
let lab: Lab;
let duck: DuckDBInstance;
let conn: DuckDBConnection;
let counter = 0;

/** Adds `location` as a new source and ingests just that source. */
async function ingestLocation(location: string): Promise<{ source: string; table: IngestedTable; all: readonly IngestedTable[]; firstError: unknown }> {
  const source = `s${counter++}`;
  await addSource(lab, 'p', source, location);
  const outcome = await ingestProject(lab, 'p', { source });
  const [table] = outcome.tables;
  if (!table) throw new Error('no table ingested');
  return { source, table, all: outcome.tables, firstError: outcome.firstError };
}

async function readLake(lakeKey: string | null): Promise<{ columns: string[]; types: string[]; rows: unknown[][] }> {
  const path = await lab.store.localPathFor(lakeKey ?? '');
  const reader = await conn.runAndReadAll('SELECT * FROM read_parquet($p)', { p: path });
  return { columns: reader.columnNames(), types: reader.columnTypes().map(String), rows: reader.getRowsJson() as unknown[][] };
}

async function snapshotOf(result: IngestedTable) {
  const project = await lab.catalog.getProject('p');
  const snapshots = await lab.catalog.listSnapshots(project?.id ?? -1);
  const found = snapshots.find((s) => s.lakeKey === result.lakeKey);
  if (!found) throw new Error(`no snapshot for ${result.lakeKey}`);
  return found;
}

// every test body on both deployments: SQLite + the disk, PostgreSQL + S3
for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(async () => {
      await backend.start();
      dir = mkdtempSync(join(tmpdir(), 'autolab-ingest-'));
      lab = await initLab(join(dir, 'lab'), { ...(await backend.fresh()), project: 'p' });
      duck = await DuckDBInstance.create(':memory:');
      conn = await duck.connect();
    });
    afterAll(async () => {
      conn.closeSync();
      duck.closeSync();
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
      await backend.stop();
    });

    describe('ingest of file sources into bronze', () => {
      it('snapshots a CSV: Parquet in the lake, schema, rows, raw bytes kept, one action after the output', async () => {
        const { source, table } = await ingestLocation(fixture('customers.csv'));
        expect(table).toMatchObject({ table: 'customers', status: 'new', version: 1, rows: 5, notes: [] });
        const lake = await readLake(table.lakeKey);
        expect(lake.columns).toEqual(['id', 'name', 'plan', 'monthly_charges', 'signup_date', 'churn']);
        // bronze keeps yes/no and true/false text as written; exploration types the column as boolean
        expect(lake.types).toEqual(['BIGINT', 'VARCHAR', 'VARCHAR', 'DOUBLE', 'DATE', 'VARCHAR']);
        expect(lake.rows[1]).toEqual(['2', 'Ben', 'pro', 99, '2023-02-11', 'yes']);
        const snapshot = await snapshotOf(table);
        // named by content: the version is the catalog's alone
        expect(snapshot.lakeKey).toBe(`lake/bronze/p/${source}/customers/${snapshot.contentHash}.parquet`);
        expect(snapshot.rowCount).toBe(5);
        expect(snapshot.schema.map((c) => c.type)).toEqual(lake.types);
        expect(snapshot.rawHashes).toHaveLength(1);
        const raw = await lab.store.getBytes(snapshot.rawHashes[0] ?? '');
        expect(Buffer.from(raw).equals(readFileSync(fixture('customers.csv')))).toBe(true);
        const [action] = await lab.catalog.listActions({ kind: 'ingest.table', limit: 1 });
        // a file that has not changed for a while is keyed by its size, time and inode (not read to be recognised)
        const info = statSync(fixture('customers.csv'));
        expect(action).toMatchObject({ status: 'done', project: 'p', inputs: { raw0: `stat:${info.size}:${Math.floor(info.mtimeMs)}:${info.ino}` }, outputs: { snapshot: snapshot.contentHash } });
        expect(action?.bytesWritten).toBeGreaterThan(snapshot.bytes);
        expect(action?.detail).toMatchObject({ source, table: 'customers', rows: 5, version: 1 });
      });

      it('makes no new snapshot for unchanged input, a new version for changed input, and keeps the old one', async () => {
        const file = join(dir, 'changing.csv');
        copyFileSync(fixture('customers.csv'), file);
        const first = await ingestLocation(file);
        const before = await lab.catalog.listActions({ kind: 'ingest.table', unit: `${first.source}/changing` });
        const again = await ingestProject(lab, 'p', { source: first.source });
        expect(again.tables[0]).toMatchObject({ status: 'unchanged', version: 1 });
        // the file's bytes did not change: its action's result is reused and nothing is recorded
        expect(await lab.catalog.listActions({ kind: 'ingest.table', unit: `${first.source}/changing` })).toEqual(before);

        writeFileSync(file, readFileSync(file, 'utf8') + '6,Fay,plus,60.0,2023-06-01,no\n');
        const changed = await ingestProject(lab, 'p', { source: first.source });
        expect(changed.tables[0]).toMatchObject({ status: 'new', version: 2, rows: 6 });
        expect(await lab.store.hasObject(first.table.lakeKey ?? '')).toBe(true);
        expect((await readLake(first.table.lakeKey)).rows).toHaveLength(5);
        expect((await readLake(changed.tables[0]?.lakeKey ?? null)).rows).toHaveLength(6);
      });

      it('makes a file given back an earlier snapshot\'s bytes the newest snapshot again', async () => {
        const file = join(dir, 'reverting.csv');
        const before = readFileSync(fixture('customers.csv'), 'utf8');
        writeFileSync(file, before);
        const first = await ingestLocation(file);
        writeFileSync(file, before + '6,Fay,plus,60.0,2023-06-01,no\n');
        expect((await ingestProject(lab, 'p', { source: first.source })).tables[0]).toMatchObject({ status: 'new', version: 2, rows: 6 });
        // the first bytes again, at once (keyed by their hash, as the first read was)
        writeFileSync(file, before);
        expect((await ingestProject(lab, 'p', { source: first.source })).tables[0]).toMatchObject({ status: 'new', version: 3, rows: 5 });
        const project = (await lab.catalog.getProject('p'))!;
        const newest = (await lab.catalog.listSnapshots(project.id)).filter((s) => s.tableName === 'reverting').sort((a, b) => b.version - a.version)[0]!;
        expect(newest).toMatchObject({ version: 3, contentHash: first.table.contentHash });
        expect((await ingestProject(lab, 'p', { source: first.source })).tables[0]).toMatchObject({ status: 'unchanged', version: 3 });
      });

      it('hashes a file read just after it was written once more when it settles, then keys it by size and time alone', async () => {
        const file = join(dir, 'settling.csv');
        copyFileSync(fixture('customers.csv'), file);
        // read within two seconds of its last change: keyed by the hash of its bytes
        const first = await ingestLocation(file);
        const unit = `${first.source}/settling`;
        expect(Object.values((await lab.catalog.listActions({ kind: 'ingest.table', unit }))[0]!.inputs)[0]).not.toMatch(/^stat:/);
        // settled (its time now well in the past): the same bytes, so the settled key becomes an alias of that read
        const past = new Date(Date.now() - 3_600_000);
        utimesSync(file, past, past);
        const settled = await ingestProject(lab, 'p', { source: first.source });
        expect(settled.tables[0]).toMatchObject({ status: 'unchanged', version: 1 });
        const actions = await lab.catalog.listActions({ kind: 'ingest.table', unit });
        expect(actions).toHaveLength(2);
        const [read, alias] = actions;
        expect(alias!.detail).toMatchObject({ aliasOf: read!.seq });
        expect(alias!.outputs).toEqual(read!.outputs);
        expect(Object.values(alias!.inputs)[0]).toMatch(/^stat:/);
        await ingestProject(lab, 'p', { source: first.source });
        expect(await lab.catalog.listActions({ kind: 'ingest.table', unit })).toHaveLength(2);
        // other bytes behind an old time are read
        writeFileSync(file, readFileSync(file, 'utf8') + '6,Fay,plus,60.0,2023-06-01,no\n');
        utimesSync(file, past, new Date(past.getTime() - 60_000));
        expect((await ingestProject(lab, 'p', { source: first.source })).tables[0]).toMatchObject({ status: 'new', version: 2, rows: 6 });
      });

      it.each([
        ['semicolon.csv', 3, /delimiter ";" sniffed/, ['id', 'city', 'amount']],
        ['tabs.tsv', 3, /delimiter "\\t" sniffed/, ['id', 'city', 'amount']],
        ['pipes.txt', 3, /delimiter "\|" sniffed/, ['id', 'city', 'amount']],
        ['latin1.csv', 3, /not UTF-8: read as Latin-1/, ['id', 'city']],
        ['duplicate-names.csv', 2, /made unique or filled in: "name"→name_1, ""→column3/, ['id', 'name', 'name_1', 'column3', 'score']],
        ['ragged.csv', 4, /ragged rows: .* column3/, ['id', 'a', 'b', 'column3']],
        ['short-rows.csv', 4, /ragged rows: some have fewer fields than the header, padded with NULL/, ['id', 'a', 'b']],
        ['header-only.csv', 0, /no data rows/, ['id', 'name', 'score']],
        ['mixed-types.csv', 6, /mixed types in amount: 83.3%/, ['id', 'amount']],
      ])('reads %s with a note in the quality record', async (name, rows, note, columns) => {
        const { table } = await ingestLocation(fixture(name));
        expect(table.status).toBe('new');
        expect(table.rows).toBe(rows);
        expect(table.notes.join('\n')).toMatch(note);
        const snapshot = await snapshotOf(table);
        expect((snapshot.quality['notes'] as string[]).join('\n')).toMatch(note);
        expect(snapshot.schema.map((c) => c.name)).toEqual(columns);
      });

      it('decodes Latin-1, drops a BOM, keeps quoted newlines, fills ragged rows', async () => {
        expect((await readLake((await ingestLocation(fixture('latin1.csv'))).table.lakeKey)).rows.map((r) => r[1])).toEqual(['München', 'Zürich', 'São Paulo']);
        const bom = await readLake((await ingestLocation(fixture('bom.csv'))).table.lakeKey);
        expect(bom.columns).toEqual(['id', 'city']);
        const quoted = await readLake((await ingestLocation(fixture('quoted-newlines.csv'))).table.lakeKey);
        expect(quoted.rows.map((r) => r[1])).toEqual(['first line\nsecond line', 'say "hi", then\nleave', 'plain']);
        const ragged = await readLake((await ingestLocation(fixture('ragged.csv'))).table.lakeKey);
        expect(ragged.rows).toEqual([
          ['1', 'x', 'y', null],
          ['2', 'z', null, null],
          ['3', 'u', 'v', 'w'],
          ['4', 'p', 'q', null],
        ]);
      });

      it('reads decimal commas as numbers in a file delimited by semicolons, unless another column has decimal points', async () => {
        const { table } = await ingestLocation(fixture('semicolon.csv'));
        expect(table.notes.join('\n')).toMatch(/decimal commas read as numbers in amount/);
        const semicolon = await readLake(table.lakeKey);
        expect(semicolon.types).toEqual(['BIGINT', 'VARCHAR', 'DOUBLE']);
        expect(semicolon.rows.map((r) => r[2])).toEqual([3.5, 4.25, 1]);
        expect((await snapshotOf(table)).quality['decimalSeparator']).toBe(',');
        // a column written with points keeps its numbers; the comma column stays text as written
        const both = join(dir, 'both.csv');
        writeFileSync(both, 'id;price;weight\n1;1.5;2,5\n2;2.25;3,0\n');
        const mixed = await ingestLocation(both);
        expect(mixed.table.notes.join('\n')).not.toMatch(/decimal commas/);
        expect((await readLake(mixed.table.lakeKey)).types).toEqual(['BIGINT', 'DOUBLE', 'VARCHAR']);
        // first rows that cannot be read as they are (Latin-1 here) are looked at after the conversion instead
        const latin1 = join(dir, 'latin1-commas.csv');
        writeFileSync(latin1, Buffer.from('id;city;amount\n1;Li\xe8ge;1,5\n2;Namur;2,25\n', 'latin1'));
        const european = await ingestLocation(latin1);
        expect(european.table.notes.join('\n')).toMatch(/not UTF-8: read as Latin-1[^]*decimal commas read as numbers in amount/);
        const read = await readLake(european.table.lakeKey);
        expect(read.types).toEqual(['BIGINT', 'VARCHAR', 'DOUBLE']);
        expect(read.rows).toEqual([['1', 'Liège', 1.5], ['2', 'Namur', 2.25]]);
      });

      it('keeps a Parquet file whose layout serves the lake byte for byte, and rewrites one whose does not', async () => {
        const { table } = await ingestLocation(fixture('items.parquet'));
        const snapshot = await snapshotOf(table);
        expect(snapshot.quality['layout']).toBe('kept as is');
        expect(snapshot.contentHash).toBe(snapshot.rawHashes[0]);
        expect(readFileSync(await lab.store.localPathFor(table.lakeKey ?? '')).equals(readFileSync(fixture('items.parquet')))).toBe(true);

        const nested = join(dir, 'nested.parquet');
        await conn.run(`COPY (SELECT i AS id, {'a': i, 'b': 'x'} AS s FROM range(5) t(i)) TO '${nested}' (FORMAT parquet)`);
        const rewritten = await ingestLocation(nested);
        const rewrittenSnapshot = await snapshotOf(rewritten.table);
        expect(rewrittenSnapshot.quality['layout']).toBe('rewritten: nested columns');
        expect((await readLake(rewritten.table.lakeKey)).types).toEqual(['BIGINT', 'STRUCT("a" BIGINT, "b" VARCHAR)']);
      });

      it('records a Parquet file with a damaged page as a failed action, though its footer reads', async () => {
        const damaged = join(dir, 'damaged.parquet');
        await conn.run(`COPY (SELECT hash(i) AS h, i AS id FROM range(200000) t(i)) TO '${damaged}' (FORMAT parquet)`);
        const reader = await conn.runAndReadAll('SELECT data_page_offset FROM parquet_metadata($p) WHERE row_group_id = 1 AND column_id = 0', { p: damaged });
        const offset = Number(reader.getRowsJson()[0]?.[0]);
        const bytes = readFileSync(damaged);
        bytes.fill(0, offset, offset + 64);
        writeFileSync(damaged, bytes);
        const { table, firstError } = await ingestLocation(damaged);
        expect(table.status).toBe('failed');
        expect(table.error).toMatch(/^cannot read .*damaged\.parquet: .* — check that it is a complete Parquet file/);
        expect(table.error).not.toContain('.autolab');
        expect(firstError).toBeInstanceOf(InputError);
      });

      it('reads Parquet, JSON, NDJSON and xlsx with their types', async () => {
        expect((await readLake((await ingestLocation(fixture('items.parquet'))).table.lakeKey)).rows).toHaveLength(50);
        expect((await readLake((await ingestLocation(fixture('people.json'))).table.lakeKey)).types).toEqual(['BIGINT', 'VARCHAR[]', 'DOUBLE']);
        expect((await readLake((await ingestLocation(fixture('events.ndjson'))).table.lakeKey)).types).toEqual(['BIGINT', 'VARCHAR', 'TIMESTAMP']);
        const orders = await readLake((await ingestLocation(fixture('orders.xlsx'))).table.lakeKey);
        expect(orders.types).toEqual(['BIGINT', 'VARCHAR', 'DOUBLE', 'DATE']);
        expect(orders.rows[0]).toEqual(['1', 'Ada', 12.5, '2024-01-03']);
      });

      it('takes every sheet of a workbook as its own table', async () => {
        const { all } = await ingestLocation(fixture('orders.xlsx'));
        expect(all.map((t) => [t.table, t.status, t.rows])).toEqual([
          ['orders', 'new', 3],
          ['orders_notes', 'new', 0],
        ]);
        expect((await snapshotOf(all[0]!)).quality['sheet']).toBe('orders');
        expect((await snapshotOf(all[1]!)).quality['sheet']).toBe('notes');
        expect((await readLake(all[1]!.lakeKey)).columns).toEqual(['just a note']);
        // names with spaces and XML entities, in tab order, whatever the order of their parts
        const workbook = new ExcelJS.Workbook();
        workbook.addWorksheet('Q3 & Q4').addRows([['quarter', 'sales'], ['Q3', 10], ['Q4', 12]]);
        workbook.addWorksheet('<archive>').addRows([['year', 'sales'], [2023, 40]]);
        const path = join(dir, 'sales.xlsx');
        await workbook.xlsx.writeFile(path);
        const sales = await ingestLocation(path);
        expect(sales.all.map((t) => [t.table, t.rows])).toEqual([
          ['sales', 2],
          ['sales_<archive>', 1],
        ]);
        expect((await snapshotOf(sales.all[0]!)).quality['sheet']).toBe('Q3 & Q4');
      });

      it('takes every file of a glob as its own table', async () => {
        const { all } = await ingestLocation(join(FIXTURES, '{semicolon,tabs}.*'));
        expect(all.map((t) => [t.table, t.status, t.rows])).toEqual([
          ['semicolon', 'new', 3],
          ['tabs', 'new', 3],
        ]);
      });

      it('reads a 10 MB field', async () => {
        const file = join(dir, 'long-field.csv');
        writeFileSync(file, `id,text\n1,${'x'.repeat(10 * 1024 * 1024)}\n2,short\n`);
        const { table } = await ingestLocation(file);
        expect(table).toMatchObject({ status: 'new', rows: 2 });
        expect(table.notes.join('\n')).toMatch(/lines over 2 MB/);
        const path = await lab.store.localPathFor(table.lakeKey ?? '');
        const reader = await conn.runAndReadAll('SELECT max(length(text)) FROM read_parquet($p)', { p: path });
        expect(Number(reader.getRowsJson()[0]?.[0])).toBe(10 * 1024 * 1024);
      });

      it('widens a column whose odd value comes after the sniffing sample', async () => {
        const file = join(dir, 'late-text.csv');
        const lines = ['id,amount'];
        for (let i = 0; i < 30_000; i++) lines.push(`${i},${i * 2}`);
        lines.push('30000,abc');
        writeFileSync(file, lines.join('\n') + '\n');
        const { table } = await ingestLocation(file);
        expect(table).toMatchObject({ status: 'new', rows: 30_001 });
        expect(table.notes.join('\n')).toMatch(/types sniffed from the whole file/);
        expect((await snapshotOf(table)).schema).toEqual([
          { name: 'id', type: 'BIGINT' },
          { name: 'amount', type: 'VARCHAR' },
        ]);
      });
    });

    describe('bad file input: one-line errors, nothing half-written', () => {
      it('refuses a missing file, an empty file and a glob that matches nothing when the source is added', async () => {
        await expect(addSource(lab, 'p', 'missing', fixture('no-such-file.csv'))).rejects.toThrow(/^file not found: .*no-such-file\.csv — check the path/);
        await expect(addSource(lab, 'p', 'empty', fixture('empty.csv'))).rejects.toThrow(/empty\.csv is empty — /);
        await expect(addSource(lab, 'p', 'nothing', join(FIXTURES, '*.nothing'))).rejects.toThrow(/^no file matches .*\*\.nothing — /);
        const failed = await lab.catalog.listActions({ kind: 'source.add', limit: 3 });
        expect(failed.map((a) => a.status)).toEqual(['failed', 'failed', 'failed']);
        expect(failed.every((a) => a.error !== null && !a.error.includes('\n'))).toBe(true);
      });

      it.skipIf(process.getuid?.() === 0)('refuses a file it may not read (skipped as root: root reads every file)', async () => {
        const file = join(dir, 'secret.csv');
        copyFileSync(fixture('customers.csv'), file);
        chmodSync(file, 0o000);
        await expect(addSource(lab, 'p', 'locked', file)).rejects.toThrow(/^no permission to read .*secret\.csv/);
      });

      it('records a truncated Parquet file as a failed action, with no snapshot', async () => {
        const project = await lab.catalog.getProject('p');
        const before = (await lab.catalog.listSnapshots(project?.id ?? -1)).length;
        const { table, firstError } = await ingestLocation(fixture('truncated.parquet'));
        expect(table.status).toBe('failed');
        expect(table.error).toMatch(/^cannot read .*truncated\.parquet: .* — check that it is a complete Parquet file/);
        expect(table.error).not.toContain('\n');
        // the file named is the user's, not the copy in the lab's work folder
        expect(table.error).not.toContain('.autolab');
        expect(firstError).toBeInstanceOf(InputError);
        expect((await lab.catalog.listSnapshots(project?.id ?? -1)).length).toBe(before);
        const [action] = await lab.catalog.listActions({ kind: 'ingest.table', limit: 1 });
        expect(action).toMatchObject({ status: 'failed', error: table.error });
        expect(await lab.store.listObjects(`lake/bronze/p/s${counter - 1}/`)).toEqual([]);
      });

      it('fails a table whose file became empty after it was added, and goes on with the others', async () => {
        const a = join(dir, 'glob-a.csv');
        const b = join(dir, 'glob-b.csv');
        copyFileSync(fixture('customers.csv'), a);
        copyFileSync(fixture('customers.csv'), b);
        const source = `s${counter++}`;
        await addSource(lab, 'p', source, join(dir, 'glob-*.csv'));
        writeFileSync(a, '');
        const outcome = await ingestProject(lab, 'p', { source });
        expect(outcome.tables.map((t) => [t.table, t.status])).toEqual([
          ['glob-a', 'failed'],
          ['glob-b', 'new'],
        ]);
        expect(outcome.tables[0]?.error).toMatch(/glob-a\.csv is empty/);
      });
    });
  });
}
