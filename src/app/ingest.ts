import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectRecord, SnapshotRecord, SourceRecord } from '../catalog/index.js';
import { UsageError, describeError, redactSecrets } from '../common/index.js';
import { bronzeKey, describeParquet, findMixedTypeColumns, openDuckEngine, type DuckEngine } from '../lake/index.js';
import { hashFile } from '../store/index.js';
import { openConnector, Vault, type Connector, type Credential, type SourceKind, type SourceOptions, type SourceTable } from '../sources/index.js';
import { followWrittenFile } from './growing-file.js';
import { LAB_DIR } from './lab-config.js';
import { actionInput } from './lab.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';

/** Bumped when the way files are read changes, so that unchanged files are read again once. */
export const READER_VERSION = 1;

export interface IngestOptions {
  /** only this source */
  readonly source?: string;
  readonly onProgress?: (event: IngestProgress) => void;
  /** DuckDB's memory limit for the run (it spills beyond); default 1GB */
  readonly memoryLimit?: string;
}

export type IngestProgress =
  | { readonly kind: 'table-start'; readonly source: string; readonly table: string; readonly index: number; readonly total: number; readonly bytes: number | null }
  | { readonly kind: 'rows'; readonly source: string; readonly table: string; readonly rows: number; readonly bytes: number }
  /** DuckDB's own estimate while it reads a file */
  | { readonly kind: 'percent'; readonly source: string; readonly table: string; readonly percent: number }
  | { readonly kind: 'table-done'; readonly result: IngestedTable };

export interface IngestedTable {
  readonly source: string;
  /** null when the source itself could not be read (unreachable, no files) */
  readonly table: string | null;
  /** new: a new snapshot version; unchanged: same input as the latest snapshot; failed: see error */
  readonly status: 'new' | 'unchanged' | 'failed';
  readonly version: number | null;
  readonly rows: number | null;
  readonly bytes: number | null;
  readonly contentHash: string | null;
  readonly lakeKey: string | null;
  readonly notes: readonly string[];
  readonly error: string | null;
}

export interface IngestOutcome {
  readonly project: string;
  readonly tables: readonly IngestedTable[];
  /** the first failure, as thrown (a one-line user error), for the caller to report */
  readonly firstError: unknown;
}

/**
 * `autolab ingest`: every table of every source of the project (or of one source) becomes a bronze
 * snapshot — Parquet in the lake, raw input files byte for byte in the store — unless its input is
 * the same as the latest snapshot's. Each table is one action, appended only after its outputs are
 * stored; a failing table is recorded as a failed action and the others go on.
 */
export async function ingestProject(lab: Lab, projectName?: string, options: IngestOptions = {}): Promise<IngestOutcome> {
  // DuckDB starts (tens of milliseconds) while the catalog is read
  const opening = openDuckEngine(lab.workDir, { memoryLimit: options.memoryLimit ?? '1GB' });
  opening.catch(() => undefined);
  let sources: SourceRecord[];
  let project: ProjectRecord;
  try {
    project = await resolveProject(lab, projectName);
    sources = await lab.catalog.listSources(project.id);
    if (options.source !== undefined) {
      sources = sources.filter((s) => s.name === options.source);
      if (sources.length === 0) throw new UsageError(`project ${project.name} has no source named ${options.source}`, 'see them with `autolab source list`');
    } else if (sources.length === 0) {
      throw new UsageError(`project ${project.name} has no sources yet`, `add one with \`autolab source add NAME FILE-OR-URL --project ${project.name}\``);
    }
  } catch (error) {
    await opening.then((engine) => engine.close()).catch(() => undefined);
    throw error;
  }
  const engine = await opening;
  const results: IngestedTable[] = [];
  let firstError: unknown;
  const report = (result: IngestedTable, error?: unknown) => {
    results.push(result);
    if (error !== undefined && firstError === undefined) firstError = error;
    options.onProgress?.({ kind: 'table-done', result });
  };
  try {
    for (const source of sources) await ingestSource(lab, project, source, engine, options, report);
  } finally {
    engine.close();
  }
  return { project: project.name, tables: results, firstError };
}

async function ingestSource(
  lab: Lab,
  project: ProjectRecord,
  source: SourceRecord,
  engine: DuckEngine,
  options: IngestOptions,
  report: (result: IngestedTable, error?: unknown) => void,
): Promise<void> {
  const started = new Date().toISOString();
  let tables: SourceTable[];
  let connector: Connector | undefined;
  try {
    const credential = await credentialOf(lab, source);
    connector = await openConnector(
      { kind: source.kind as SourceKind, uri: source.uri, options: source.options as SourceOptions },
      { labRoot: lab.root, sourceName: source.name, ...(credential ? { credential } : {}) },
    );
    tables = await connector.listTables();
  } catch (error) {
    await connector?.close().catch(() => undefined);
    await recordFailure(lab, project, source, null, started, error);
    report(failedResult(source.name, null, error), error);
    return;
  }
  try {
    for (const [index, table] of tables.entries()) {
      options.onProgress?.({ kind: 'table-start', source: source.name, table: table.name, index, total: tables.length, bytes: table.sizeHint ?? null });
      await ingestTable(lab, project, source, table, engine, options, report);
    }
  } finally {
    await connector.close().catch(() => undefined);
  }
}

async function ingestTable(
  lab: Lab,
  project: ProjectRecord,
  source: SourceRecord,
  table: SourceTable,
  engine: DuckEngine,
  options: IngestOptions,
  report: (result: IngestedTable, error?: unknown) => void,
): Promise<void> {
  const started = new Date().toISOString();
  const cpuBefore = process.cpuUsage();
  const cpuSeconds = () => {
    const used = process.cpuUsage(cpuBefore);
    return Math.round((used.user + used.system) / 1e3) / 1e3;
  };
  const tmp = await mkdtemp(join(lab.workDir, 'ingest-'));
  const ctx = {
    conn: engine.conn,
    workDir: tmp,
    onRows: (rows: number, bytes: number) => options.onProgress?.({ kind: 'rows', source: source.name, table: table.name, rows, bytes }),
  };
  try {
    const rawFiles = await table.fetchRaw(ctx);
    const latest = await lab.catalog.latestSnapshot(source.id, table.name);
    // a re-ingest first hashes the raw files (a read, no copy): unchanged input stops here, cheaply
    if (latest && rawFiles.length > 0 && latest.quality['reader'] === READER_VERSION) {
      const hashes = (await Promise.all(rawFiles.map(hashFile))).map((h) => h.hash);
      if (sameList(latest.rawHashes, hashes)) {
        await recordUnchanged(lab, project, source, table, latest, started, cpuSeconds());
        report(unchangedResult(source.name, latest));
        return;
      }
    }
    // keeping the raw bytes is disk work and DuckDB's conversion is CPU work: do both at once
    const rawStored = Promise.all(rawFiles.map((file) => lab.store.putFile(file)));
    rawStored.catch(() => undefined);
    const parquet = join(tmp, 'table.parquet');
    const poll = options.onProgress
      ? setInterval(() => {
          const { percentage } = engine.conn.progress;
          if (percentage >= 0) options.onProgress?.({ kind: 'percent', source: source.name, table: table.name, percent: Math.min(100, percentage) });
        }, 250)
      : undefined;
    const writing = table.writeParquet(ctx, parquet).finally(() => clearInterval(poll));
    // the Parquet is hashed and flushed to disk while DuckDB writes it, instead of after
    const following = followWrittenFile(parquet, writing);
    following.catch(() => undefined);
    const quality = await writing;
    const rawPuts = await rawStored;
    const rawHashes = rawPuts.map((p) => p.hash);
    const rawBytes = rawPuts.reduce((sum, p) => sum + p.bytes, 0);
    const facts = await describeParquet(engine.conn, parquet);
    const notes = [...quality.notes];
    if (facts.rows === 0) notes.push('no data rows: only the columns were read');
    const mixed = await findMixedTypeColumns(engine.conn, parquet, facts.schema);
    for (const m of mixed) notes.push(`mixed types in ${m.column}: ${Math.floor(m.numericShare * 1000) / 10}% of sampled values are numbers, kept as text`);
    const { hash: contentHash, bytes: parquetBytes } = await following;
    if (latest && latest.contentHash === contentHash) {
      await recordUnchanged(lab, project, source, table, latest, started, cpuSeconds());
      report(unchangedResult(source.name, latest));
      return;
    }
    // the key names the version the catalog will give; a racing ingest may have taken it, so never overwrite
    let version = (latest?.version ?? 0) + 1;
    while (await lab.store.hasObject(bronzeKey(project.name, source.name, table.name, version))) version++;
    const lakeKey = bronzeKey(project.name, source.name, table.name, version);
    // the Parquet was written for the lake: moved into place (a rename on disk), not copied
    const put = await lab.store.moveObject(lakeKey, parquet, { hash: contentHash, bytes: parquetBytes });
    const snapshot = await lab.catalog.addSnapshot({
      projectId: project.id,
      sourceId: source.id,
      tableName: table.name,
      contentHash: put.hash,
      lakeKey,
      rawHashes,
      rowCount: facts.rows,
      bytes: put.bytes,
      schema: facts.schema,
      quality: { ...quality, notes, reader: READER_VERSION, origin: redactSecrets(table.origin), ...(mixed.length ? { mixedTypes: mixed } : {}) },
    });
    await lab.catalog.appendAction({
      ...actionInput('ingest.table', project.name, started),
      inputs: Object.fromEntries(rawHashes.length ? rawHashes.map((h, i) => [`raw${i}`, h]) : [['source', `${source.kind}:${source.name}/${table.name}`]]),
      outputs: { snapshot: put.hash, lakeKey },
      cpuSeconds: cpuSeconds(),
      bytesWritten: put.bytes + rawBytes,
      detail: { source: source.name, table: table.name, version: snapshot.version, rows: facts.rows, columns: facts.schema.length, notes: notes.length },
    });
    report({
      source: source.name,
      table: table.name,
      status: 'new',
      version: snapshot.version,
      rows: facts.rows,
      bytes: put.bytes,
      contentHash: put.hash,
      lakeKey,
      notes,
      error: null,
    });
  } catch (error) {
    await recordFailure(lab, project, source, table.name, started, error, cpuSeconds());
    report(failedResult(source.name, table.name, error), error);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function credentialOf(lab: Lab, source: SourceRecord): Promise<Credential | undefined> {
  if (source.credentialId === null) return undefined;
  const vault = await Vault.open(lab.catalog, join(lab.root, LAB_DIR));
  return vault.get(source.credentialId);
}

async function recordUnchanged(lab: Lab, project: ProjectRecord, source: SourceRecord, table: SourceTable, latest: SnapshotRecord, started: string, cpuSeconds: number) {
  await lab.catalog.appendAction({
    ...actionInput('ingest.table', project.name, started),
    status: 'skipped',
    inputs: Object.fromEntries(latest.rawHashes.map((h, i) => [`raw${i}`, h])),
    outputs: { snapshot: latest.contentHash, lakeKey: latest.lakeKey },
    cpuSeconds,
    detail: { source: source.name, table: table.name, version: latest.version, unchanged: true },
  });
}

async function recordFailure(lab: Lab, project: ProjectRecord, source: SourceRecord, table: string | null, started: string, error: unknown, cpuSeconds = 0) {
  await lab.catalog
    .appendAction({
      ...actionInput('ingest.table', project.name, started),
      status: 'failed',
      cpuSeconds,
      error: oneLine(error),
      detail: { source: source.name, table },
    })
    .catch(() => undefined);
}

function oneLine(error: unknown): string {
  return redactSecrets(describeError(error).split('\n')[0] ?? 'failed');
}

function failedResult(source: string, table: string | null, error: unknown): IngestedTable {
  return { source, table, status: 'failed', version: null, rows: null, bytes: null, contentHash: null, lakeKey: null, notes: [], error: oneLine(error) };
}

function unchangedResult(source: string, latest: SnapshotRecord): IngestedTable {
  return {
    source,
    table: latest.tableName,
    status: 'unchanged',
    version: latest.version,
    rows: latest.rowCount,
    bytes: latest.bytes,
    contentHash: latest.contentHash,
    lakeKey: latest.lakeKey,
    notes: [],
    error: null,
  };
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
