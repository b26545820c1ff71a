/**
 * The bad-input corpus (issue 12, "How we will know"): what a hostile or careless user gives the
 * lab — damaged files, odd encodings and quoting, malformed URLs, broken bundles, a damaged
 * catalog, misused flags, two processes at once, a process killed with -9 — each case with its
 * exact outcome: the one-line error and its exit code, or what was stored, read back. The outcomes
 * live in `__snapshots__/bad-input.test.ts.snap` (paths shown as <work>); read a change there as a
 * change of behaviour. No case may end in an internal error (exit 70).
 *
 * Cases run in this process through `main()` (fast); only the concurrency and kill cases spawn the
 * built CLI. Figures for docs/benchmarks.md ("reliability") are printed at the end.
 */
import { fileURLToPath } from 'node:url';
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openLab } from '../../src/app/index.js';
import { openDuckEngine, queryRows } from '../../src/lake/index.js';
import { main } from '../../src/cli/index.js';

const FIXTURES = resolve(import.meta.dirname, '../fixtures/ingest');
const CLI = resolve(import.meta.dirname, '../../bin/autolab.js');
const BUILT = existsSync(resolve(import.meta.dirname, '../../dist/cli/main.js'));
const work = mkdtempSync(join(tmpdir(), 'autolab-corpus-'));
const startDir = process.cwd();
const exits = new Map<number, number>();

interface Outcome {
  code: number;
  err: string;
  stored?: unknown;
}

const repo = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Output with the folders that differ between machines and checkouts named, not spelled out. */
function shown(text: string): string {
  return text.split(work).join('<work>').split(repo).join('<repo>');
}

/** Runs the CLI in this process from `cwd`; stdout and stderr captured. */
async function cli(cwd: string, ...argv: string[]): Promise<Outcome & { out: string }> {
  let out = '';
  let err = '';
  const outSpy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.chdir(cwd);
  try {
    const code = await main(argv);
    return { code, err: shown(err), out: shown(out) };
  } finally {
    outSpy.mockRestore();
    errSpy.mockRestore();
    process.exitCode = undefined;
    process.chdir(startDir);
  }
}

/**
 * The outcome every case ends with: counted, never an internal error, a failure ends in one line
 * (after the progress lines a long command prints first) — kept alone. Usage errors found by
 * commander are its own words ("error: …", with a suggestion on a second line).
 */
function settle(outcome: Outcome): Outcome {
  exits.set(outcome.code, (exits.get(outcome.code) ?? 0) + 1);
  expect(outcome.code, outcome.err).not.toBe(70);
  if (outcome.code === 0 || (outcome.code === 2 && outcome.err.startsWith('error: '))) return outcome;
  const last = outcome.err.trimEnd().split('\n').at(-1) ?? '';
  expect(last, outcome.err).toMatch(/^autolab: [^\n]+$/);
  return { ...outcome, err: last };
}

/** What the lab stored for a source: per table its rows, columns (name:type) and notes; with `values`, its first rows too. */
async function storedBy(lab: string, source: string, values = false): Promise<unknown> {
  const opened = await openLab(lab);
  try {
    const project = await opened.catalog.getProject('corpus');
    const sources = await opened.catalog.listSources(project?.id ?? -1);
    const id = sources.find((s) => s.name === source)?.id;
    const snapshots = (await opened.catalog.listSnapshots(project?.id ?? -1)).filter((s) => s.sourceId === id);
    return await Promise.all(
      snapshots.map(async (s) => ({
        table: s.tableName,
        version: s.version,
        rows: s.rowCount,
        columns: s.schema.map((c) => `${c.name}:${c.type}`),
        notes: JSON.parse(shown(JSON.stringify(s.quality['notes'] ?? []))) as unknown,
        ...(values ? { values: await firstRows(await opened.store.localPathFor(s.lakeKey)) } : {}),
      })),
    );
  } finally {
    await opened.close();
  }
}

/** The first rows of a bronze Parquet file, every value as text (JSON-quoted, so that a stray \r shows). */
async function firstRows(parquet: string): Promise<string[]> {
  const engine = await openDuckEngine(work);
  try {
    const rows = await queryRows(engine.conn, 'SELECT * FROM read_parquet($p) LIMIT 5', { p: parquet });
    return rows.map((r) => r.map((v) => JSON.stringify(String(v))).join(','));
  } finally {
    engine.close();
  }
}

// ---------------------------------------------------------------- files and encodings
const lab = join(work, 'lab');
let sourceCount = 0;

/** Adds `content` as a file source and ingests it: the error, or what was stored. */
async function ingestFile(fileName: string, content: string | Buffer, values = false): Promise<Outcome> {
  const folder = join(work, 'files', String(++sourceCount));
  mkdirSync(folder, { recursive: true });
  const path = join(folder, fileName);
  writeFileSync(path, content);
  return ingestPath(path, values);
}

async function ingestPath(path: string, values = false): Promise<Outcome> {
  const name = `s${++sourceCount}`;
  const added = await cli(lab, 'source', 'add', name, path);
  if (added.code !== 0) return settle({ code: added.code, err: added.err });
  const ingested = await cli(lab, 'ingest', '--source', name, '--json');
  if (ingested.code === 0) return settle({ code: 0, err: ingested.err, stored: await storedBy(lab, name, values) });
  // with --json a failure is one JSON line on stdout and nothing on stderr
  expect(ingested.err).toBe('');
  return settle({ code: ingested.code, err: jsonFailureLine(ingested.out) });
}

/** A `--json` failure as the plain one-line error it stands for: `autolab: error — hint`. */
function jsonFailureLine(out: string): string {
  const failure = JSON.parse(out.trimEnd().split('\n').at(-1) ?? '{}') as { error?: string; hint?: string };
  return `autolab: ${failure.error ?? ''}${failure.hint ? ` — ${failure.hint}` : ''}`;
}

const rows = (n: number, row: (i: number) => string) => Array.from({ length: n }, (_, i) => row(i)).join('\n');
const nested = (depth: number) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
const zipOf = (name: string, text: string): Buffer => {
  // a stored (uncompressed) zip with one entry: an .xlsx that is really a zip of something else
  const data = Buffer.from(text);
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(0, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + nameBytes.length, 12);
  end.writeUInt32LE(30 + nameBytes.length + data.length, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
};
const garbage = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 256));

/** `values`: the stored values are read back into the outcome too (cases about how text is decoded and split) */
type FileCase = [name: string, fileName: string, content: () => string | Buffer, values?: 'values'];
const utf16 = (text: string, order: 'le' | 'be') => {
  const le = Buffer.from(text, 'utf16le');
  return order === 'le' ? Buffer.concat([Buffer.from([0xff, 0xfe]), le]) : Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(le).swap16()]);
};
const fileCases: FileCase[] = [
  ['an empty CSV (0 bytes)', 'empty.csv', () => ''],
  ['a CSV with a header only', 'header.csv', () => 'a,b,c\n'],
  ['a CSV of newlines only', 'newlines.csv', () => '\n\n\n\n'],
  ['a CSV of delimiters only', 'commas.csv', () => ',,,\n,,,\n,,,\n'],
  ['binary garbage named .csv', 'garbage.csv', () => garbage(4096)],
  ['NUL bytes inside a CSV', 'nul.csv', () => 'a,b\n1,x\u0000y\n2,z\n'],
  ['a CSV of NUL bytes', 'nuls.csv', () => Buffer.alloc(2048)],
  ['a UTF-8 BOM', 'bom8.csv', () => '\ufeffid,name\n1,Zürich\n2,Genève\n'],
  ['a UTF-16LE CSV with its BOM', 'bom16.csv', () => utf16('id,name\n1,Zürich\n2,Genève\n', 'le'), 'values'],
  ['mixed CRLF and LF line endings', 'mixed-eol.csv', () => 'id,name\r\n1,a\n2,b\r\n3,c\n', 'values'],
  ['CR-only line endings', 'cr.csv', () => 'id,name\r1,a\r2,b\r', 'values'],
  ['no newline at the end', 'no-eol.csv', () => 'id,name\n1,a\n2,b'],
  ['a field of 3 MB', 'huge-field.csv', () => `id,text\n1,${'x'.repeat(3 << 20)}\n2,short\n`],
  ['duplicate column names', 'dup.csv', () => 'a,a,b,a\n1,2,3,4\n5,6,7,8\n'],
  ['blank column names', 'blank.csv', () => 'id,,name,\n1,x,a,y\n2,z,b,w\n'],
  ['a header of spaces and quotes', 'odd-header.csv', () => '" id ","na""me", \n1,a,b\n'],
  ['a Latin-1 CSV', 'latin1.csv', () => Buffer.from('id,city\n1,Z\xfcrich\n2,Gen\xe8ve\n', 'latin1')],
  ['doubled quotes inside quotes', 'quotes.csv', () => 'id,text\n1,"say ""hi"""\n2,"a, b"\n'],
  ['a quoted newline', 'quoted-nl.csv', () => 'id,text\n1,"line one\nline two"\n2,plain\n'],
  ['ragged rows', 'ragged.csv', () => 'id,a,b\n1,x,y\n2,z\n3,u,v,w\n'],
  ['a semicolon CSV with decimal commas', 'semi.csv', () => 'id;price\n1;3,5\n2;4,25\n'],
  ['a tab-separated file', 'tabs.tsv', () => 'id\tname\n1\ta\n2\tb\n'],
  ['one column, one row', 'one.csv', () => 'x\n1\n'],
  ['a column of mixed types', 'mixed.csv', () => `v\n${rows(50, (i) => String(i))}\nnot-a-number\n`],
  ['a JSON array of objects', 'people.json', () => '[{"id":1,"name":"a"},{"id":2,"name":"b"}]'],
  ['an empty JSON array', 'empty-array.json', () => '[]'],
  ['an empty JSON object', 'empty-object.json', () => '{}'],
  ['a JSON scalar', 'scalar.json', () => '42'],
  ['JSON that is not JSON', 'not.json', () => 'this is { not json'],
  ['deeply nested JSON (depth 500)', 'deep.json', () => `[${nested(500)}]`],
  ['a JSON array of arrays', 'arrays.json', () => '[[1,2],[3,4]]'],
  ['NDJSON with a bad line', 'bad-line.ndjson', () => '{"a":1}\n{"a":\n{"a":3}\n'],
  ['an empty NDJSON file', 'empty.ndjson', () => ''],
  ['NDJSON of blank lines', 'blank.ndjson', () => '\n\n\n'],
  ['an .xlsx that is a zip of something else', 'fake.xlsx', () => zipOf('notes.txt', 'not a workbook')],
  ['an .xlsx that is plain text', 'text.xlsx', () => 'id,name\n1,a\n'],
  ['an .xlsx of 0 bytes', 'zero.xlsx', () => ''],
  ['a truncated Parquet file', 'truncated.parquet', () => readFileSync(join(FIXTURES, 'truncated.parquet'))],
  ['a Parquet file cut to its first half', 'half.parquet', () => (() => {
    const whole = readFileSync(join(FIXTURES, 'items.parquet'));
    return whole.subarray(0, whole.length >> 1);
  })()],
  ['garbage named .parquet', 'garbage.parquet', () => garbage(4096)],
  ['a Parquet file of 0 bytes', 'zero.parquet', () => ''],
  ['an unknown extension', 'data.foo', () => 'id\n1\n'],
  ['UTF-8 with one stray Latin-1 byte (read as UTF-8, the byte reported)', 'stray.csv', () => Buffer.concat([Buffer.from(`id,city\n${rows(5000, (i) => `${i},Zürich`)}\n`), Buffer.from('5001,Z\xfcrich\n', 'latin1')])],
  ['an unclosed quote on the last line (quoting kept)', 'unclosed.csv', () => `id,name\n${rows(100, (i) => `${i},"Doe, J${i}"`)}\n101,"Doe, Ja\n`],
  ['a JSON array cut after a complete object', 'cut.json', () => '[{"a":1},{"a":2},'],
  ['a UTF-16BE CSV with its BOM', 'bom16be.csv', () => utf16('id,name\r\n1,Zürich\r\n2,"Genève, 😀"\r\n', 'be'), 'values'],
  ['mixed line endings and a quoted CRLF kept in its value', 'mixed-quoted.csv', () => 'id,note\n1,"two\r\nlines"\r\n2,x\n', 'values'],
];


beforeAll(async () => {
  expect((await cli(work, 'init', lab, '--project', 'corpus')).code).toBe(0);
});

afterAll(() => {
  process.chdir(startDir);
  rmSync(work, { recursive: true, force: true });
  const byCode = Object.fromEntries([...exits].sort((a, b) => a[0] - b[0]));
  const counted = [...exits.values()].reduce((a, b) => a + b, 0);
  // the two-process case counts both processes' exits
  console.log(`bad-input corpus: ${counted} exits counted, by code ${JSON.stringify(byCode)}`);
});

describe('files, encodings and quoting', () => {
  for (const [name, fileName, content, values] of fileCases) {
    it(name, async () => {
      expect(await ingestFile(fileName, content(), values === 'values')).toMatchSnapshot();
    });
  }
  it('a path that does not exist', async () => {
    expect(await ingestPath(join(work, 'no-such.csv'))).toMatchSnapshot();
  });
  it('a folder given as a file', async () => {
    mkdirSync(join(work, 'a-folder.csv'));
    expect(await ingestPath(join(work, 'a-folder.csv'))).toMatchSnapshot();
  });
  it('a glob that matches nothing', async () => {
    expect(await ingestPath(join(work, 'nothing-here', '*.csv'))).toMatchSnapshot();
  });
  it('a dangling symbolic link', async () => {
    symlinkSync(join(work, 'gone.csv'), join(work, 'dangling.csv'));
    expect(await ingestPath(join(work, 'dangling.csv'))).toMatchSnapshot();
  });
  it('a file removed between source add and ingest', async () => {
    const path = join(work, 'vanishing.csv');
    writeFileSync(path, 'id\n1\n');
    expect((await cli(lab, 'source', 'add', 'vanishing', path)).code).toBe(0);
    rmSync(path);
    const ingested = await cli(lab, 'ingest', '--source', 'vanishing');
    expect(settle({ code: ingested.code, err: ingested.err })).toMatchSnapshot();
  });
  it('a file changed between two ingests: a second version, the first kept', async () => {
    const path = join(work, 'changing.csv');
    writeFileSync(path, 'id\n1\n');
    expect((await cli(lab, 'source', 'add', 'changing', path)).code).toBe(0);
    expect((await cli(lab, 'ingest', '--source', 'changing')).code).toBe(0);
    writeFileSync(path, 'id\n1\n2\n');
    const again = await cli(lab, 'ingest', '--source', 'changing');
    expect(settle({ code: again.code, err: again.err, stored: await storedBy(lab, 'changing') })).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------- URLs and credentials
describe('URLs and credentials', () => {
  const urls: [name: string, location: string, ...options: string[]][] = [
    ['an unknown scheme', 'ftp://user@example.com/data.csv'],
    ['http:// is not a source', 'http://example.com/data.csv'],
    ['postgres:// without a host', 'postgres:///test'],
    ['postgres:// with a port out of range', 'postgres://u@127.0.0.1:99999/test'],
    ['postgres:// with port 0', 'postgres://u@127.0.0.1:0/test'],
    ['postgres:// with a port that is not a number', 'postgres://u@127.0.0.1:abc/test'],
    ['postgres:// with a space in the host', 'postgres://u@my host:5432/test'],
    ['postgres:// nobody listens on', 'postgres://u:pw@127.0.0.1:1/test'],
    ['mysql:// with a port out of range', 'mysql://root@127.0.0.1:70000/test'],
    ['mysql:// nobody listens on', 'mysql://root:pw@127.0.0.1:1/test'],
    ['s3:// without a bucket', 's3://'],
    ['s3:// whose endpoint is not a URL', 's3://bucket/prefix?endpoint=not a url'],
    ['s3:// whose endpoint nobody listens on', 's3://bucket/prefix?endpoint=http%3A%2F%2F127.0.0.1%3A1&accessKeyId=A&secretAccessKey=B'],
    ['sqlite: of a missing file', 'sqlite:/no/such/file.sqlite'],
    ['sqlite: of a text file', `sqlite:${join(FIXTURES, 'customers.csv')}`],
    ['sqlite: with no path', 'sqlite:'],
    ['an unset ${env:NAME} password', 'postgres://u:${env:AUTOLAB_CORPUS_UNSET}@127.0.0.1:1/test'],
    ['a ${env:…} reference that is not closed', 'postgres://u:${env:OOPS@127.0.0.1:1/test'],
    ['--tables and --query together', `sqlite:${join(work, 'db.sqlite')}`, '--tables', 't', '--query', 'select 1'],
    ['a query on a file source', join(FIXTURES, 'customers.csv'), '--query', 'select 1'],
    ['a missing table of a SQLite file', `sqlite:${join(work, 'db.sqlite')}`, '--tables', 'nope'],
    ['a failing query on a SQLite file', `sqlite:${join(work, 'db.sqlite')}`, '--query', 'select nope from nowhere'],
    ['an s3:// secret key given as an unset ${env:NAME}', 's3://bucket/prefix?endpoint=http%3A%2F%2F127.0.0.1%3A1&accessKeyId=A&secretAccessKey=${env:AUTOLAB_CORPUS_UNSET}'],
  ];
  const pg = process.env['AUTOLAB_TEST_PG'];
  const my = process.env['AUTOLAB_TEST_MYSQL'];
  beforeAll(() => {
    const db = new Database(join(work, 'db.sqlite'));
    db.exec("create table t (id integer, name text); insert into t values (1, 'a'), (2, 'b')");
    db.close();
  });
  for (const [name, location, ...options] of urls) {
    it(name, async () => {
      const added = await cli(lab, 'source', 'add', `u${++sourceCount}`, location, ...options);
      expect(settle({ code: added.code, err: added.err })).toMatchSnapshot();
    });
  }
  it('a store URL whose S3 secret key is an unset ${env:NAME}', async () => {
    const store = 's3://bucket/lab?endpoint=http%3A%2F%2F127.0.0.1%3A1&accessKeyId=A&secretAccessKey=${env:AUTOLAB_CORPUS_UNSET}';
    const result = await cli(work, 'init', join(work, 'env-store-lab'), '--store', store);
    expect(settle({ code: result.code, err: result.err })).toMatchSnapshot();
    expect(existsSync(join(work, 'env-store-lab', '.autolab'))).toBe(false);
  });
  it('a source name that is not a name', async () => {
    const added = await cli(lab, 'source', 'add', 'no good', join(FIXTURES, 'customers.csv'));
    expect(settle({ code: added.code, err: added.err })).toMatchSnapshot();
  });
  it('a source name used twice', async () => {
    expect((await cli(lab, 'source', 'add', 'twice', join(FIXTURES, 'customers.csv'))).code).toBe(0);
    const again = await cli(lab, 'source', 'add', 'twice', join(FIXTURES, 'semicolon.csv'));
    expect(settle({ code: again.code, err: again.err })).toMatchSnapshot();
  });
  it.skipIf(!pg)('a PostgreSQL database that does not exist', async () => {
    const url = new URL(pg ?? 'postgres://x');
    const added = await cli(lab, 'source', 'add', 'pg-nodb', `postgres://${url.username}@${url.host}/no_such_db_corpus`);
    expect(settle({ code: added.code, err: added.err.replace(url.host, '<host>') })).toMatchSnapshot();
  });
  it.skipIf(!pg)('a PostgreSQL table that does not exist', async () => {
    const added = await cli(lab, 'source', 'add', 'pg-notable', pg ?? '', '--tables', 'no_such_table_corpus');
    expect(settle({ code: added.code, err: added.err.replace(new URL(pg ?? 'postgres://x').host, '<host>') })).toMatchSnapshot();
  });
  it.skipIf(!my)('a MariaDB database that does not exist', async () => {
    const url = new URL(my ?? 'mysql://x');
    const added = await cli(lab, 'source', 'add', 'my-nodb', `mysql://${url.username}@${url.host}/no_such_db_corpus`);
    expect(settle({ code: added.code, err: added.err.replace(url.host, '<host>') })).toMatchSnapshot();
  });
  it.skipIf(!my)('a MariaDB query that fails', async () => {
    const added = await cli(lab, 'source', 'add', 'my-badq', my ?? '', '--query', 'select nope from nowhere_corpus');
    expect(settle({ code: added.code, err: added.err.replace(new URL(my ?? 'mysql://x').host, '<host>') })).toMatchSnapshot();
  });
  for (const [server, url] of [
    ['PostgreSQL', pg],
    ['MariaDB', my],
  ] as const) {
    it.skipIf(!url)(`a ${server} --query ending in a semicolon and a -- comment`, async () => {
      const name = `${server.toLowerCase()}-semi`;
      const added = await cli(lab, 'source', 'add', name, url ?? '', '--query', "select 1 as id, 'a;--b' as name union all select 2, 'c' ; -- two rows; no table");
      expect(added.code, added.err).toBe(0);
      const ingested = await cli(lab, 'ingest', '--source', name, '--json');
      expect(settle({ code: ingested.code, err: ingested.err, stored: await storedBy(lab, name, true) })).toMatchSnapshot();
    });
  }
});

// ---------------------------------------------------------------- bundles
describe('model bundles', () => {
  const good = join(work, 'model');
  const data = join(work, 'score.csv');
  beforeAll(async () => {
    const lines = ['size,kind,price'];
    for (let i = 0; i < 120; i++) lines.push(`${i % 17},${i % 3 === 0 ? 'a' : 'b'},${(i % 17) * 2 + (i % 3 === 0 ? 10 : 0)}`);
    writeFileSync(join(work, 'train.csv'), lines.join('\n') + '\n');
    writeFileSync(data, 'kind,size\na,3\nb,4\n');
    expect((await cli(startDir, 'train', join(work, 'train.csv'), '--target', 'price', '--trials', '2', '--out', good)).code).toBe(0);
  });
  /** A copy of the good bundle, damaged by `damage`, then `predict` (or `leaderboard`). */
  async function damaged(damage: (bundle: string) => void, command: 'predict' | 'leaderboard' = 'predict'): Promise<Outcome> {
    const bundle = join(work, `bundle-${++sourceCount}`);
    cpSync(good, bundle, { recursive: true });
    damage(bundle);
    const result = command === 'predict' ? await cli(startDir, 'predict', bundle, data) : await cli(startDir, 'leaderboard', bundle);
    return settle({ code: result.code, err: result.err.replace(/<work>\/bundle-\d+/g, '<bundle>') });
  }
  const manifest = (bundle: string) => join(bundle, 'bundle.json');
  const edit = (bundle: string, change: (m: Record<string, unknown>) => void) => {
    const m = JSON.parse(readFileSync(manifest(bundle), 'utf8')) as Record<string, unknown>;
    change(m);
    writeFileSync(manifest(bundle), JSON.stringify(m));
  };
  const firstModel = (bundle: string) => (JSON.parse(readFileSync(manifest(bundle), 'utf8')) as { members: { models: string[] }[] }).members[0]?.models[0] ?? '';
  const cases: [string, (bundle: string) => void, ('predict' | 'leaderboard')?][] = [
    ['bundle.json missing', (b) => rmSync(manifest(b))],
    ['bundle.json of 0 bytes', (b) => writeFileSync(manifest(b), '')],
    ['bundle.json not JSON', (b) => writeFileSync(manifest(b), '{"version": 1, "members": [')],
    ['bundle.json a JSON array', (b) => writeFileSync(manifest(b), '[]')],
    ['bundle.json of a newer version', (b) => edit(b, (m) => (m['version'] = 999))],
    ['bundle.json without its pipeline', (b) => edit(b, (m) => delete m['pipeline'])],
    ['bundle.json without members', (b) => edit(b, (m) => (m['members'] = []))],
    ['a member model file missing', (b) => rmSync(join(b, firstModel(b)))],
    ['a member model file of 0 bytes', (b) => writeFileSync(join(b, firstModel(b)), '')],
    ['bundle.json not JSON, for the leaderboard', (b) => writeFileSync(manifest(b), 'nope'), 'leaderboard'],
    ['bundle.json missing, for the leaderboard', (b) => rmSync(manifest(b)), 'leaderboard'],
  ];
  for (const [name, damage, command] of cases) {
    it(name, async () => {
      expect(await damaged(damage, command)).toMatchSnapshot();
    });
  }
  it('a bundle folder that does not exist', async () => {
    const result = await cli(startDir, 'predict', join(work, 'no-model'), data);
    expect(settle({ code: result.code, err: result.err })).toMatchSnapshot();
  });
  it('data to score that does not exist', async () => {
    const result = await cli(startDir, 'predict', good, join(work, 'no-data.csv'));
    expect(settle({ code: result.code, err: result.err })).toMatchSnapshot();
  });
  it('data to score with none of the model columns', async () => {
    writeFileSync(join(work, 'other.csv'), 'foo,bar\n1,2\n');
    const result = await cli(startDir, 'predict', good, join(work, 'other.csv'));
    expect(settle({ code: result.code, err: result.err, stored: result.out })).toMatchSnapshot();
  });
  it('data to score with a header only', async () => {
    writeFileSync(join(work, 'header-only.csv'), 'kind,size\n');
    const result = await cli(startDir, 'predict', good, join(work, 'header-only.csv'));
    expect(settle({ code: result.code, err: result.err, stored: result.out })).toMatchSnapshot();
  });
  it('predictions written into a folder that does not exist', async () => {
    const result = await cli(startDir, 'predict', good, data, '--out', join(work, 'no', 'such', 'preds.csv'));
    expect(settle({ code: result.code, err: result.err })).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------- catalog and lab damage
describe('a damaged lab', () => {
  let pristine: string;
  beforeAll(async () => {
    pristine = join(work, 'pristine');
    expect((await cli(work, 'init', pristine, '--project', 'corpus')).code).toBe(0);
    expect((await cli(pristine, 'source', 'add', 'people', join(FIXTURES, 'customers.csv'))).code).toBe(0);
    expect((await cli(pristine, 'ingest')).code).toBe(0);
  });
  async function afterDamage(damage: (root: string) => void, ...argv: string[]): Promise<Outcome> {
    const root = join(work, `damaged-${++sourceCount}`);
    cpSync(pristine, root, { recursive: true });
    damage(root);
    const result = await cli(root, ...argv);
    return settle({ code: result.code, err: result.err.replace(/<work>\/damaged-\d+/g, '<lab>') });
  }
  const catalog = (root: string) => join(root, '.autolab', 'catalog.sqlite');
  const sqlite = (root: string, statement: string) => {
    const db = new Database(catalog(root));
    db.exec(statement);
    db.close();
  };
  const cases: [string, (root: string) => void, ...string[]][] = [
    ['a 0-byte catalog', (r) => writeFileSync(catalog(r), ''), 'status'],
    ['a missing catalog', (r) => rmSync(catalog(r)), 'status'],
    ['a catalog of garbage', (r) => writeFileSync(catalog(r), garbage(8192)), 'status'],
    ['a catalog cut to its first page', (r) => writeFileSync(catalog(r), readFileSync(catalog(r)).subarray(0, 4096)), 'status'],
    ['autolab.yaml not YAML', (r) => writeFileSync(join(r, 'autolab.yaml'), 'catalog: [unclosed\n'), 'status'],
    ['autolab.yaml empty', (r) => writeFileSync(join(r, 'autolab.yaml'), ''), 'status'],
    ['autolab.yaml naming an unknown catalog', (r) => writeFileSync(join(r, 'autolab.yaml'), 'catalog: oracle://x\nstore: file:.autolab/store\n'), 'status'],
    ['autolab.yaml with a time limit that is not a number', (r) => writeFileSync(join(r, 'autolab.yaml'), readFileSync(join(r, 'autolab.yaml'), 'utf8') + 'defaults:\n  timeLimitSeconds: soon\n'), 'status'],
    ['the .autolab folder gone', (r) => rmSync(join(r, '.autolab'), { recursive: true }), 'status'],
    ['an action row of invalid JSON', (r) => sqlite(r, `update actions set detail = '{"rows":' where seq = 2`), 'log', '--verify'],
    ['an action edited', (r) => sqlite(r, `update actions set detail = '{"rows":1}' where seq = 2`), 'log', '--verify'],
    ['an action deleted', (r) => sqlite(r, 'delete from actions where seq = 2'), 'log', '--verify'],
    ['a snapshot whose schema is damaged', (r) => sqlite(r, `update snapshots set columns = '{not json'`), 'explore'],
    ['the secret key replaced', (r) => writeFileSync(join(r, '.autolab', 'secret.key'), garbage(32)), 'log', '--verify'],
    ['the bronze Parquet file removed from the store', (r) => rmSync(join(r, '.autolab', 'store', 'lake'), { recursive: true, force: true }), 'explore'],
  ];
  for (const [name, damage, ...argv] of cases) {
    it(name, async () => {
      expect(await afterDamage(damage, ...argv)).toMatchSnapshot();
    });
  }
});

// ---------------------------------------------------------------- flags
describe('flag misuse', () => {
  const cases: [string, ...string[]][] = [
    ['an unknown command', 'ingestt'],
    ['an unknown option', 'status', '--verbose'],
    ['source add without its location', 'source', 'add', 'x'],
    ['log --limit that is not a number', 'log', '--limit', 'ten'],
    ['log --limit negative', 'log', '--limit', '-1'],
    ['log --limit zero', 'log', '--limit', '0'],
    ['log --limit with a fraction', 'log', '--limit', '1.5'],
    ['log --limit beyond 64 bits', 'log', '--limit', '99999999999999999999'],
    ['log --project that does not exist', 'log', '--project', 'nope'],
    ['train without --target', 'train', join(FIXTURES, 'customers.csv')],
    ['train --time-limit negative', 'train', join(FIXTURES, 'customers.csv'), '--target', 'x', '--time-limit', '-5'],
    ['train --trials zero', 'train', join(FIXTURES, 'customers.csv'), '--target', 'x', '--trials', '0'],
    ['train --task unknown', 'train', join(FIXTURES, 'customers.csv'), '--target', 'x', '--task', 'clustering'],
    ['train --metric unknown', 'train', resolve(FIXTURES, '../automl/loans.csv'), '--target', 'grade', '--metric', 'accuracy2', '--trials', '1', '--out', join(work, 'never')],
    ['train --metric of another task', 'train', resolve(FIXTURES, '../automl/loans.csv'), '--target', 'grade', '--metric', 'rmse', '--trials', '1', '--out', join(work, 'never')],
    ['train --target that is not a column', 'train', join(FIXTURES, 'customers.csv'), '--target', 'nope', '--trials', '1', '--out', join(work, 'never')],
    ['tags accept --min-confidence above 1', 'tags', 'accept', '--min-confidence', '2'],
    ['tags set with an unknown role', 'tags', 'set', 'customers.id', 'role=boss'],
    ['tags set without assignments', 'tags', 'set', 'customers.id'],
    ['run --trials negative', 'run', '--trials', '-1'],
    ['ingest --source that does not exist', 'ingest', '--source', 'nope'],
    ['project create with a bad name', 'project', 'create', '../up'],
    ['init into an existing lab', 'init', '.'],
  ];
  for (const [name, ...argv] of cases) {
    it(name, async () => {
      const result = await cli(lab, ...argv);
      expect(settle({ code: result.code, err: result.err })).toMatchSnapshot();
    });
  }
  it('a lab command outside any lab', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'autolab-nolab-'));
    try {
      const result = await cli(outside, 'status');
      expect(settle({ code: result.code, err: result.err.split(outside).join('<dir>') })).toMatchSnapshot();
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
  it('init into a path that is a file', async () => {
    writeFileSync(join(work, 'a-file'), 'x');
    const result = await cli(work, 'init', join(work, 'a-file'));
    expect(settle({ code: result.code, err: result.err })).toMatchSnapshot();
  });
});

// ---------------------------------------------------------------- processes
interface Spawned {
  code: number;
  stderr: string;
}
function spawnCli(cwd: string, ...argv: string[]): Promise<Spawned> {
  return new Promise((done) => {
    execFile(process.execPath, [CLI, ...argv], { cwd }, (error, _stdout, stderr) =>
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stderr: shown(stderr) }),
    );
  });
}

describe.skipIf(!BUILT)(`two processes, and kill -9${BUILT ? '' : ' (skipped: run `npm run build` first)'}`, () => {
  const big = join(work, 'big.csv');
  /** long enough to convert that a kill 100 ms in lands mid-way, even on a loaded machine */
  const bigger = join(work, 'bigger.csv');
  beforeAll(() => {
    const lines = ['id,name,amount'];
    for (let i = 0; i < 400_000; i++) lines.push(`${i},name-${i % 1000},${(i * 31) % 997}.5`);
    writeFileSync(big, lines.join('\n') + '\n');
    const body = lines.slice(1).join('\n') + '\n';
    writeFileSync(bigger, lines[0] + '\n' + body.repeat(5));
  });
  it('two ingests at once of one unchanged file store one snapshot', async () => {
    const root = join(work, 'twice');
    expect((await cli(work, 'init', root, '--project', 'corpus')).code).toBe(0);
    expect((await cli(root, 'source', 'add', 'big', big)).code).toBe(0);
    const both = await Promise.all([spawnCli(root, 'ingest'), spawnCli(root, 'ingest')]);
    for (const one of both) settle({ code: one.code, err: one.code === 0 ? '' : one.stderr });
    const stored = await storedBy(root, 'big');
    expect({ codes: both.map((b) => b.code), stored }).toMatchSnapshot();
  }, 120_000);
  it('an ingest killed with -9, then run again: one snapshot, no temporaries left', async () => {
    const root = join(work, 'killed');
    expect((await cli(work, 'init', root, '--project', 'corpus')).code).toBe(0);
    expect((await cli(root, 'source', 'add', 'big', bigger)).code).toBe(0);
    // killed 100 ms into the table's conversion (its progress line says it began)
    const child = spawn(process.execPath, [CLI, 'ingest'], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((started) => child.stderr.on('data', (chunk: Buffer) => String(chunk).includes('ingesting') && started()));
    await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGKILL');
    await exited;
    expect(child.signalCode).toBe('SIGKILL');
    const again = await spawnCli(root, 'ingest');
    settle({ code: again.code, err: again.code === 0 ? '' : again.stderr });
    const leftovers = [join(root, '.autolab', 'work'), join(root, '.autolab', 'store', '.tmp')].flatMap((d) => (existsSync(d) ? readdirSync(d) : []));
    expect({ code: again.code, stored: await storedBy(root, 'big'), leftovers }).toMatchSnapshot();
  }, 120_000);
});
