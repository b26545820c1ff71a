import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDuckEngine, type DuckEngine } from './engine.js';
import { parquetLayoutProblem, readWholeParquet } from './parquet-layout.js';
import { execute, queryRows, quoteLiteral } from './sql.js';

const work = mkdtempSync(join(tmpdir(), 'autolab-parquet-layout-'));
let engine: DuckEngine;
beforeAll(async () => {
  engine = await openDuckEngine(work);
});
afterAll(() => {
  engine.close();
  rmSync(work, { recursive: true, force: true });
});

async function write(name: string, select: string, options = ''): Promise<string> {
  const path = join(work, `${name}.parquet`);
  await execute(engine.conn, `COPY (${select}) TO ${quoteLiteral(path)} (FORMAT parquet${options})`);
  return path;
}

describe('which Parquet files the lake keeps as they are', () => {
  it('keeps a flat file with row groups of a usual size', async () => {
    const path = await write('flat', "SELECT i AS id, i * 0.5 AS amount, 'n' || i AS note FROM range(300000) t(i)");
    expect(await parquetLayoutProblem(engine.conn, path)).toBeUndefined();
    await readWholeParquet(engine.conn, path);
  });

  it('rewrites nested columns, huge row groups and many tiny ones', async () => {
    const nested = await write('nested', "SELECT i AS id, {'a': i, 'b': 'x'} AS s FROM range(10) t(i)");
    expect(await parquetLayoutProblem(engine.conn, nested)).toBe('nested columns');
    const huge = await write('huge', 'SELECT i AS id FROM range(1100000) t(i)', ', ROW_GROUP_SIZE 2000000');
    expect(await parquetLayoutProblem(engine.conn, huge)).toBe('row groups of up to 1,100,000 rows');
    const tiny = await write('tiny', 'SELECT i AS id FROM range(40960) t(i)', ', ROW_GROUP_SIZE 2048');
    expect(await parquetLayoutProblem(engine.conn, tiny)).toMatch(/^\d+ row groups of [\d,]+ rows on average$/);
    // one small row group is just a small file
    const small = await write('small', 'SELECT i AS id FROM range(10) t(i)');
    expect(await parquetLayoutProblem(engine.conn, small)).toBeUndefined();
  });

  it('rewrites a file whose column names are equal ignoring case', async () => {
    // DuckDB itself never writes such names: write two others of one length and rename one in the footer
    const path = await write('cases', 'SELECT 1 AS "Kq7w", 2 AS "zq7w"');
    const bytes = readFileSync(path);
    const from = Buffer.from('zq7w');
    for (let at = bytes.indexOf(from); at >= 0; at = bytes.indexOf(from, at + 1)) bytes.write('kQ7W', at);
    writeFileSync(path, bytes);
    expect(await parquetLayoutProblem(engine.conn, path)).toMatch(/^column names (DuckDB reads differently|equal ignoring case)$/);
  });

  it('fails reading a file whose footer is sound but a data page is damaged', async () => {
    const path = await write('damaged', 'SELECT hash(i) AS h, i AS id FROM range(200000) t(i)');
    // the second row group's first page header, zeroed; the footer at the end stays as it was
    const [chunk] = await queryRows(engine.conn, 'SELECT data_page_offset FROM parquet_metadata($p) WHERE row_group_id = 1 AND column_id = 0', { p: path });
    const bytes = readFileSync(path);
    bytes.fill(0, Number(chunk?.[0]), Number(chunk?.[0]) + 64);
    writeFileSync(path, bytes);
    expect(await parquetLayoutProblem(engine.conn, path)).toBeUndefined();
    await expect(readWholeParquet(engine.conn, path)).rejects.toThrow();
  });
});
