import { mkdtemp, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { ProjectRecord, SourceRecord } from '../../catalog/index.js';
import { UsageError, redactSecrets, tempPrefix } from '../../common/index.js';
import { bronzeKey, describeParquet, findMixedTypeColumns, openDuckEngine, type DuckEngine } from '../../lake/index.js';
import { inputsHashOf, runAction, type Stage, type StagePlan, type Unit } from '../../runtime/index.js';
import { hashFile } from '../../store/index.js';
import { openConnector, Vault, type Connector, type Credential, type SourceKind, type SourceOptions, type SourceTable } from '../../sources/index.js';
import { followWrittenFile } from '../growing-file.js';
import { LAB_DIR } from '../lab-config.js';
import { workerId } from '../lab.js';
import type { Lab } from '../lab-types.js';
import type { StageContext } from './stage-context.js';

/** Bumped when the way files are read changes, so that unchanged files are read again once. */
export const READER_VERSION = 1;

/** A file changed this recently is hashed even when its size and time match: its time may not show a change made within the same tick. */
const RACY_MS = 2000;

/**
 * What keys a raw file: its size, modification time and inode when it lies outside the lab and was
 * last changed more than two seconds ago — git's way: reading a 1 GB file only to find it unchanged
 * costs as much as a cold read, before the conversion can start —, else the SHA-256 of its bytes
 * (a download into the lab's work folder is new on every run; a file just written may change again
 * within its time's tick). The snapshot records the raw bytes' hashes either way.
 */
async function rawFileKey(file: string, labWorkDir: string): Promise<string> {
  if (!file.startsWith(labWorkDir + sep)) {
    const info = await stat(file);
    if (Date.now() - info.mtimeMs > RACY_MS) return `stat:${info.size}:${Math.floor(info.mtimeMs)}:${info.ino}`;
  }
  return (await hashFile(file)).hash;
}

/**
 * A file read while its time was still racy was keyed by its bytes' hash; once it has settled, its
 * stat key is new although the file is the same. Hashing it again tells: when the bytes are those the
 * last read keyed, the settled stat key is recorded as an alias of that read (a `done` entry with its
 * outputs), so that this and every later run finds it by stat and nothing runs again.
 */
async function settledKeys(context: StageContext, project: ProjectRecord, unit: string, files: readonly string[], inputs: Record<string, string>): Promise<Record<string, string>> {
  const { catalog } = context.lab;
  const keyOf = (named: Record<string, string>) => ({ project: project.name, kind: ingestStage.kind, unit, inputsHash: inputsHashOf(READER_VERSION, named) });
  if (!Object.values(inputs).some((k) => k.startsWith('stat:')) || (await catalog.findResult(keyOf(inputs)))) return inputs;
  const [last] = await catalog.listActions({ project: project.name, kind: ingestStage.kind, unit, status: 'done', limit: 1 });
  if (!last || Object.keys(last.inputs).length !== files.length || Object.values(last.inputs).some((k) => k.startsWith('stat:'))) return inputs;
  const hashed = await Promise.all(files.map(async (file, i) => (inputs[`raw${i}`]!.startsWith('stat:') ? (await hashFile(file)).hash : inputs[`raw${i}`]!)));
  if (hashed.some((hash, i) => last.inputs[`raw${i}`] !== hash)) return inputs;
  if (!(await catalog.findResult(keyOf(last.inputs)))) return inputs;
  // recorded as the unit's own action, claimed like any other: two runs at once record it once
  const alias: Stage<StageContext> = {
    ...ingestStage,
    run: async () => ({ outputs: last.outputs, bytesWritten: 0, detail: { ...last.detail, aliasOf: last.seq, note: 'the same bytes as the last read, now settled: keyed by size, time and inode' } }),
  };
  await runAction({ catalog, workerId: workerId() }, alias, context, project, { unit, inputs, params: {} });
  return inputs;
}

/** Database sources have no raw file to hash: their tables are read on every run and kept only when their rows changed. */
const DATABASE_KINDS: ReadonlySet<string> = new Set(['sqlite', 'postgres', 'mysql']);

/**
 * `ingest.table`: every table of every source (or of one) becomes a bronze snapshot — Parquet in
 * the lake under its content hash, raw input files byte for byte in the store. A file's unit is
 * keyed by its size, time and inode (or the hash of its bytes, `rawFileKey`), so an unchanged file
 * is not read again; a database table is
 * read on every run and gives no new snapshot when its rows did not change. A source that cannot be
 * listed is one unit (`source/`) that fails with the reason.
 */
export const ingestStage: Stage<StageContext> = {
  kind: 'ingest.table',
  version: READER_VERSION,

  async plan(context, project): Promise<StagePlan> {
    const { lab } = context;
    let sources = await lab.catalog.listSources(project.id);
    if (context.options.source !== undefined) {
      sources = sources.filter((s) => s.name === context.options.source);
      if (sources.length === 0) throw new UsageError(`project ${project.name} has no source named ${context.options.source}`, 'see them with `autolab source list`');
    }
    const units: Unit[] = [];
    // fetching a table's raw files may download them (S3) into the plan's folder, kept for the run;
    // it needs no DuckDB, so planning opens none
    const workDir = await mkdtemp(join(lab.workDir, tempPrefix('plan')));
    context.cleanups.push(() => rm(workDir, { recursive: true, force: true }));
    for (const source of sources) {
      let tables: SourceTable[];
      let connector: Connector;
      try {
        connector = await connect(lab, source);
        context.connectors.push(connector);
        tables = await connector.listTables();
      } catch (error) {
        context.planErrors.set(`${source.name}/`, error);
        units.push({ unit: `${source.name}/`, inputs: { source: source.name, read: context.runToken }, params: { source: source.name, table: null } });
        continue;
      }
      for (const table of tables) {
        const unit = `${source.name}/${table.name}`;
        context.listed.set(unit, { table, connector });
        const params = { source: source.name, table: table.name };
        if (DATABASE_KINDS.has(source.kind)) {
          units.push({ unit, inputs: { source: `${source.kind}:${source.name}/${table.name}`, read: context.runToken }, params });
          continue;
        }
        context.newestSnapshots.set(unit, (await lab.catalog.latestSnapshot(source.id, table.name))?.contentHash ?? null);
        try {
          const raw = await table.fetchRaw({ workDir });
          const keys = await Promise.all(raw.map((file) => rawFileKey(file, lab.workDir)));
          const inputs = Object.fromEntries(keys.map((k, i) => [`raw${i}`, k]));
          units.push({ unit, inputs: await settledKeys(context, project, unit, raw, inputs), params });
        } catch (error) {
          context.planErrors.set(unit, error);
          units.push({ unit, inputs: { source: `${source.kind}:${source.name}/${table.name}`, read: context.runToken }, params });
        }
      }
    }
    return { units };
  },

  async run(context, project, unit) {
    const planError = context.planErrors.get(unit.unit);
    if (planError !== undefined) throw planError;
    const { lab } = context;
    const sourceName = String(unit.params['source']);
    const source = await lab.catalog.getSource(project.id, sourceName);
    if (!source) throw new UsageError(`project ${project.name} has no source named ${sourceName}`, 'see them with `autolab source list`');
    const table = context.listed.get(unit.unit)?.table ?? (await listAgain(context, source, String(unit.params['table'])));
    return ingestTable(context, project, source, table);
  },

  async usable(context, outputs, unit) {
    // a file given back an earlier snapshot's bytes matches that snapshot's read, but the table's
    // newest snapshot is another one since: read it again (it becomes the newest, as the file says)
    const newest = context.newestSnapshots.get(unit.unit);
    if (newest !== undefined && newest !== null && outputs['snapshot'] !== newest) return false;
    return outputs['lakeKey'] !== undefined && (await context.lab.store.hasObject(outputs['lakeKey']));
  },
};

async function connect(lab: Lab, source: SourceRecord): Promise<Connector> {
  const credential = await credentialOf(lab, source);
  return openConnector(
    { kind: source.kind as SourceKind, uri: source.uri, options: source.options as SourceOptions },
    { labRoot: lab.root, sourceName: source.name, ...(credential ? { credential } : {}) },
  );
}

/** A worker that did not plan this run lists the source's tables itself. */
async function listAgain(context: StageContext, source: SourceRecord, tableName: string): Promise<SourceTable> {
  const connector = await connect(context.lab, source);
  context.connectors.push(connector);
  const table = (await connector.listTables()).find((t) => t.name === tableName);
  if (!table) throw new UsageError(`source ${source.name} has no table ${tableName} any more`, 'run again: the next plan lists what the source holds now');
  return table;
}

async function ingestTable(context: StageContext, project: ProjectRecord, source: SourceRecord, table: SourceTable) {
  const { lab, options } = context;
  options.onIngest?.({ kind: 'table-start', source: source.name, table: table.name, bytes: table.sizeHint ?? null });
  const tmp = await mkdtemp(join(lab.workDir, tempPrefix('ingest')));
  let engine: DuckEngine | undefined;
  try {
    const rawFiles = await table.fetchRaw({ workDir: tmp });
    // keeping the raw bytes is disk work and DuckDB's conversion is CPU work: do both at once, the
    // copy starting while DuckDB opens
    const rawStored = Promise.all(rawFiles.map((file) => lab.store.putFile(file)));
    rawStored.catch(() => undefined);
    engine = await openDuckEngine(lab.workDir, { memoryLimit: options.memoryLimit ?? '1GB' });
    const { conn } = engine;
    const ctx = {
      conn,
      workDir: tmp,
      onRows: (rows: number, bytes: number) => options.onIngest?.({ kind: 'rows', source: source.name, table: table.name, rows, bytes }),
    };
    const parquet = join(tmp, 'table.parquet');
    const poll = options.onIngest
      ? setInterval(() => {
          const { percentage } = conn.progress;
          if (percentage >= 0) options.onIngest?.({ kind: 'percent', source: source.name, table: table.name, percent: Math.min(100, percentage) });
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
    const facts = await describeParquet(conn, parquet);
    const notes = [...quality.notes];
    if (facts.rows === 0) notes.push('no data rows: only the columns were read');
    const mixed = await findMixedTypeColumns(conn, parquet, facts.schema);
    for (const m of mixed) notes.push(`mixed types in ${m.column}: ${Math.floor(m.numericShare * 1000) / 10}% of sampled values are numbers, kept as text`);
    const { hash: contentHash, bytes: parquetBytes } = await following;
    const latest = await lab.catalog.latestSnapshot(source.id, table.name);
    if (latest && latest.contentHash === contentHash) {
      return {
        outputs: { snapshot: latest.contentHash, lakeKey: latest.lakeKey },
        bytesWritten: rawBytes,
        detail: { source: source.name, table: table.name, version: latest.version, rows: latest.rowCount, unchanged: true, notes },
      };
    }
    // named by content, so that the key never depends on a version another process may also take;
    // the version is the catalog's alone
    const lakeKey = bronzeKey(project.name, source.name, table.name, contentHash);
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
    return {
      outputs: { snapshot: put.hash, lakeKey },
      bytesWritten: put.bytes + rawBytes,
      detail: { source: source.name, table: table.name, version: snapshot.version, rows: facts.rows, columns: facts.schema.length, notes },
    };
  } finally {
    engine?.close();
    await rm(tmp, { recursive: true, force: true });
  }
}

async function credentialOf(lab: Lab, source: SourceRecord): Promise<Credential | undefined> {
  if (source.credentialId === null) return undefined;
  const vault = await Vault.open(lab.catalog, join(lab.root, LAB_DIR));
  return vault.get(source.credentialId);
}
