import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { canonicalJson, inputsHash } from '../catalog/index.js';
import type { ProjectRecord, SnapshotRecord } from '../catalog/index.js';
import { describeError, InputError } from '../common/index.js';
import {
  buildReport,
  confirmedTagsHash,
  confirmedTarget,
  renderReportHtml,
  findRelationships,
  mergeSuggestions,
  openTagCount,
  profileTable,
  runRound2,
  suggestTags,
  suggestTarget,
} from '../explore/index.js';
import type { Relationship, ReportData, Round2Result, TableProfile, TagVersion, TargetSuggestion } from '../explore/index.js';
import { LAB_DIR } from './lab-config.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { acceptTags, commitTags, currentTags } from './tags.js';

/**
 * `autolab explore`: round 1 on every latest bronze snapshot not yet explored, relationships
 * across the project's tables, pre-filled tag suggestions, and — once a target is confirmed —
 * round 2. Results go to the store first (content-addressed JSON) and the catalog second, each
 * step recorded as an action, so a crash never leaves a recorded result without its artifact.
 */

export interface ExploredTable {
  readonly name: string;
  readonly snapshot: SnapshotRecord;
  /** the snapshot before it, for drift */
  readonly previous: SnapshotRecord | null;
  readonly profile: TableProfile;
  readonly profileHash: string;
}

export interface ExploreProgress {
  readonly table: string;
  readonly phase: 'profiling' | 'profiled' | 'cached';
  readonly ms?: number;
}

export interface ExploreOutcome {
  readonly project: string;
  readonly tables: readonly {
    readonly name: string;
    readonly version: number;
    readonly rows: number;
    readonly columns: number;
    readonly alerts: number;
    /** false when the stored profile of this snapshot was reused */
    readonly profiled: boolean;
  }[];
  readonly relationships: number;
  readonly target: TargetSuggestion | null;
  readonly tags: {
    readonly version: number;
    readonly autoAccepted: boolean;
    readonly openColumns: number;
    readonly openRelationships: number;
  };
  /** null when no target is confirmed (round 2 waits on the tags) */
  readonly round2: { readonly resultHash: string; readonly leakage: number; readonly reused: boolean } | null;
}

/** A DuckDB connection whose temp files go to the lab's work folder. */
export async function openEngine(lab: Lab): Promise<{ conn: DuckDBConnection; close(): void }> {
  const temp = join(lab.workDir, 'duckdb');
  await mkdir(temp, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { temp_directory: temp });
  const conn = await instance.connect();
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export async function exploreProject(
  lab: Lab,
  project: ProjectRecord,
  options: { onProgress?: (event: ExploreProgress) => void } = {},
): Promise<ExploreOutcome> {
  if ((await lab.catalog.listSnapshots(project.id)).length === 0) {
    throw new InputError(
      `project ${project.name} has no bronze snapshots to explore yet`,
      `add a source and run \`autolab ingest ${project.name}\` first`,
    );
  }
  const engine = await openEngine(lab);
  try {
    const profiled: { name: string; profiled: boolean }[] = [];
    const tables = await profileLatestSnapshots(lab, project, engine.conn, (name, fresh) => profiled.push({ name, profiled: fresh }), options.onProgress);
    const relationships = await relationshipsFor(lab, project, engine.conn, tables);
    const [target] = suggestTarget(tables.map((t) => t.profile));
    const fresh = suggestTags(
      tables.map((t) => t.profile),
      relationships,
      target ?? null,
    );
    let update = await commitTags(lab.catalog, project, (previous) => ({ tags: mergeSuggestions(previous, fresh), changes: [] }), {
      author: 'autolab',
      kind: 'tags.suggest',
    });
    const autoAccept = (project.settings['autoAcceptTags'] ?? lab.config.defaults.autoAcceptTags) === true;
    if (autoAccept) {
      const min = typeof project.settings['autoAcceptMinConfidence'] === 'number' ? project.settings['autoAcceptMinConfidence'] : 0;
      update = await acceptTags(lab.catalog, project, min);
    }
    const tags = await currentTags(lab.catalog, project);
    const round2 = tags ? await round2For(lab, project, engine.conn, tables, tags) : null;
    const open = tags ? openTagCount(tags.tags) : { columns: 0, relationships: 0 };
    return {
      project: project.name,
      tables: tables.map((t) => ({
        name: t.name,
        version: t.snapshot.version,
        rows: t.profile.rows,
        columns: t.profile.columnCount,
        alerts: t.profile.alerts.length,
        profiled: profiled.find((p) => p.name === t.name)?.profiled ?? false,
      })),
      relationships: relationships.length,
      target: target ?? null,
      tags: { version: update.version, autoAccepted: autoAccept, openColumns: open.columns, openRelationships: open.relationships },
      round2: round2 && { resultHash: round2.resultHash, leakage: round2.result.target?.leakage.length ?? 0, reused: round2.reused },
    };
  } finally {
    engine.close();
  }
}

/** The latest snapshot of each (source, table), named by table (prefixed by source on a clash). */
export async function latestSnapshots(lab: Lab, project: ProjectRecord): Promise<{ name: string; snapshot: SnapshotRecord; previous: SnapshotRecord | null }[]> {
  const snapshots = await lab.catalog.listSnapshots(project.id);
  const sources = new Map((await lab.catalog.listSources(project.id)).map((s) => [s.id, s.name]));
  const byTable = new Map<string, SnapshotRecord[]>();
  for (const s of snapshots) {
    const key = `${s.sourceId}\u0000${s.tableName}`;
    const list = byTable.get(key) ?? [];
    list.push(s);
    byTable.set(key, list);
  }
  const counts = new Map<string, number>();
  for (const list of byTable.values()) {
    const name = list[0]?.tableName ?? '';
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const out: { name: string; snapshot: SnapshotRecord; previous: SnapshotRecord | null }[] = [];
  for (const list of byTable.values()) {
    list.sort((a, b) => a.version - b.version);
    const snapshot = list[list.length - 1];
    if (!snapshot) continue;
    const clash = (counts.get(snapshot.tableName) ?? 0) > 1;
    const name = clash ? `${sources.get(snapshot.sourceId) ?? snapshot.sourceId}_${snapshot.tableName}` : snapshot.tableName;
    out.push({ name, snapshot, previous: list[list.length - 2] ?? null });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

async function profileLatestSnapshots(
  lab: Lab,
  project: ProjectRecord,
  conn: DuckDBConnection,
  onTable: (name: string, fresh: boolean) => void,
  onProgress?: (event: ExploreProgress) => void,
): Promise<ExploredTable[]> {
  const out: ExploredTable[] = [];
  for (const { name, snapshot, previous } of await latestSnapshots(lab, project)) {
    const key = profileInputsHash(snapshot);
    const existing = await lab.catalog.findExploreResult({ projectId: project.id, kind: 'profile', subject: name, inputsHash: key });
    if (existing) {
      const profile = await readJson<TableProfile>(lab, existing.resultHash);
      out.push({ name, snapshot, previous, profile, profileHash: existing.resultHash });
      onTable(name, false);
      onProgress?.({ table: name, phase: 'cached' });
      continue;
    }
    onProgress?.({ table: name, phase: 'profiling' });
    const startedAt = new Date().toISOString();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    try {
      const parquetPath = await lab.store.localPathFor(snapshot.lakeKey);
      const profile = await profileTable(conn, { name, parquetPath });
      const bytes = Buffer.from(JSON.stringify(profile));
      const put = await lab.store.putBytes(bytes);
      await lab.catalog.putExploreResult({
        projectId: project.id,
        kind: 'profile',
        subject: name,
        snapshotId: snapshot.id,
        inputsHash: key,
        resultHash: put.hash,
        summary: { rows: profile.rows, columns: profile.columnCount, alerts: profile.alerts.length, pii: profile.pii.length },
      });
      await lab.catalog.appendAction({
        kind: 'explore.table',
        project: project.name,
        inputs: { snapshot: snapshot.contentHash },
        outputs: { profile: put.hash },
        status: 'done',
        startedAt,
        finishedAt: new Date().toISOString(),
        cpuSeconds: cpuSeconds(cpu),
        bytesWritten: put.bytes,
        workerId: workerId(),
        error: null,
        detail: { table: name, version: snapshot.version, rows: profile.rows, columns: profile.columnCount, ms: Math.round(performance.now() - t0) },
      });
      out.push({ name, snapshot, previous, profile, profileHash: put.hash });
      onTable(name, true);
      onProgress?.({ table: name, phase: 'profiled', ms: performance.now() - t0 });
    } catch (error) {
      await lab.catalog
        .appendAction({
          kind: 'explore.table',
          project: project.name,
          inputs: { snapshot: snapshot.contentHash },
          outputs: {},
          status: 'failed',
          startedAt,
          finishedAt: new Date().toISOString(),
          cpuSeconds: cpuSeconds(cpu),
          bytesWritten: 0,
          workerId: workerId(),
          error: describeError(error).split('\n')[0] ?? 'failed',
          detail: { table: name, version: snapshot.version },
        })
        .catch(() => undefined);
      throw error;
    }
  }
  return out;
}

async function relationshipsFor(
  lab: Lab,
  project: ProjectRecord,
  conn: DuckDBConnection,
  tables: readonly ExploredTable[],
): Promise<Relationship[]> {
  if (tables.length < 2) return [];
  const key = inputsHash({ relationships: 1, profiles: tables.map((t) => [t.name, t.profileHash]).sort() });
  const existing = await lab.catalog.findExploreResult({ projectId: project.id, kind: 'relationships', subject: 'project', inputsHash: key });
  if (existing) return readJson<Relationship[]>(lab, existing.resultHash);
  const startedAt = new Date().toISOString();
  const cpu = process.cpuUsage();
  const inputs = await Promise.all(
    tables.map(async (t) => ({ name: t.name, parquetPath: await lab.store.localPathFor(t.snapshot.lakeKey), profile: t.profile })),
  );
  const relationships = await findRelationships(conn, inputs);
  const put = await lab.store.putBytes(Buffer.from(JSON.stringify(relationships)));
  await lab.catalog.putExploreResult({
    projectId: project.id,
    kind: 'relationships',
    subject: 'project',
    snapshotId: null,
    inputsHash: key,
    resultHash: put.hash,
    summary: { relationships: relationships.length, tables: tables.length },
  });
  await lab.catalog.appendAction({
    kind: 'explore.relationships',
    project: project.name,
    inputs: Object.fromEntries(tables.map((t) => [t.name, t.profileHash])),
    outputs: { relationships: put.hash },
    status: 'done',
    startedAt,
    finishedAt: new Date().toISOString(),
    cpuSeconds: cpuSeconds(cpu),
    bytesWritten: put.bytes,
    workerId: workerId(),
    error: null,
    detail: { relationships: relationships.length },
  });
  return relationships;
}

/**
 * Round 2 for the current tags, reused when nothing it depends on changed (profiles, the
 * confirmed tags, the snapshots compared for drift). Runs only once a target is confirmed.
 */
export async function round2For(
  lab: Lab,
  project: ProjectRecord,
  conn: DuckDBConnection,
  tables: readonly ExploredTable[],
  tags: TagVersion,
): Promise<{ result: Round2Result; resultHash: string; reused: boolean } | null> {
  if (!confirmedTarget(tags.tags)) return null;
  const key = round2InputsHash(tables, tags);
  const existing = await lab.catalog.findExploreResult({ projectId: project.id, kind: 'round2', subject: 'project', inputsHash: key });
  if (existing) return { result: await readJson<Round2Result>(lab, existing.resultHash), resultHash: existing.resultHash, reused: true };
  const startedAt = new Date().toISOString();
  const cpu = process.cpuUsage();
  const inputs = await Promise.all(
    tables.map(async (t) => ({
      name: t.name,
      version: t.snapshot.version,
      parquetPath: await lab.store.localPathFor(t.snapshot.lakeKey),
      profile: t.profile,
      previous: t.previous ? { version: t.previous.version, parquetPath: await lab.store.localPathFor(t.previous.lakeKey) } : undefined,
    })),
  );
  const result = await runRound2(conn, { tables: inputs, tags: tags.tags });
  const put = await lab.store.putBytes(Buffer.from(JSON.stringify(result)));
  await lab.catalog.putExploreResult({
    projectId: project.id,
    kind: 'round2',
    subject: 'project',
    snapshotId: null,
    inputsHash: key,
    resultHash: put.hash,
    summary: { leakage: result.target?.leakage.length ?? 0, drift: result.drift.length, joins: result.joins.length },
  });
  await lab.catalog.appendAction({
    kind: 'explore.target',
    project: project.name,
    inputs: { tags: tags.confirmedHash, ...Object.fromEntries(tables.map((t) => [t.name, t.profileHash])) },
    outputs: { round2: put.hash },
    status: 'done',
    startedAt,
    finishedAt: new Date().toISOString(),
    cpuSeconds: cpuSeconds(cpu),
    bytesWritten: put.bytes,
    workerId: workerId(),
    error: null,
    detail: { target: result.target ? `${result.target.target.table}.${result.target.target.column}` : null, ms: result.timings.totalMs },
  });
  return { result, resultHash: put.hash, reused: false };
}

function round2InputsHash(tables: readonly ExploredTable[], tags: TagVersion): string {
  return inputsHash({
    round2: 1,
    tags: tags.confirmedHash,
    tables: tables.map((t) => [t.name, t.profileHash, t.snapshot.contentHash, t.previous?.contentHash ?? null]).sort(),
  });
}

function profileInputsHash(snapshot: SnapshotRecord): string {
  return inputsHash({ profileVersion: 1, snapshot: snapshot.contentHash });
}

/** Everything exploration knows about a project, from the catalog and the store (no new work). */
export interface ExplorationState {
  readonly tables: readonly ExploredTable[];
  readonly relationships: readonly Relationship[];
  readonly targetSuggestion: TargetSuggestion | null;
  readonly tags: TagVersion | undefined;
}

export async function loadExploration(lab: Lab, project: ProjectRecord): Promise<ExplorationState> {
  const tables: ExploredTable[] = [];
  for (const { name, snapshot, previous } of await latestSnapshots(lab, project)) {
    const result = await lab.catalog.findExploreResult({ projectId: project.id, kind: 'profile', subject: name, inputsHash: profileInputsHash(snapshot) });
    if (!result) continue;
    tables.push({ name, snapshot, previous, profile: await readJson<TableProfile>(lab, result.resultHash), profileHash: result.resultHash });
  }
  let relationships: Relationship[] = [];
  if (tables.length >= 2) {
    const key = inputsHash({ relationships: 1, profiles: tables.map((t) => [t.name, t.profileHash]).sort() });
    const result = await lab.catalog.findExploreResult({ projectId: project.id, kind: 'relationships', subject: 'project', inputsHash: key });
    if (result) relationships = await readJson<Relationship[]>(lab, result.resultHash);
  }
  const [target] = suggestTarget(tables.map((t) => t.profile));
  return { tables, relationships, targetSuggestion: target ?? null, tags: await currentTags(lab.catalog, project) };
}

/** Round 2 for the current state: the stored result, or computed now when the tags changed since. */
export async function ensureRound2(lab: Lab, project: ProjectRecord, state: ExplorationState): Promise<Round2Result | null> {
  if (!state.tags || !confirmedTarget(state.tags.tags)) return null;
  const engine = await openEngine(lab);
  try {
    const out = await round2For(lab, project, engine.conn, state.tables, state.tags);
    return out?.result ?? null;
  } finally {
    engine.close();
  }
}

async function readJson<T>(lab: Lab, hash: string): Promise<T> {
  return JSON.parse(Buffer.from(await lab.store.getBytes(hash)).toString('utf8')) as T;
}

function cpuSeconds(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

/** The report's content for a project: stored results, with round 2 brought up to date. */
export async function projectReport(lab: Lab, project: ProjectRecord, options: { generatedAt?: string } = {}): Promise<ReportData> {
  const state = await loadExploration(lab, project);
  if (state.tables.length === 0) {
    throw new InputError(`project ${project.name} has not been explored yet`, `run \`autolab explore ${project.name}\` first`);
  }
  const round2 = await ensureRound2(lab, project, state);
  return buildReport({
    project: project.name,
    tables: state.tables.map((t) => ({
      name: t.name,
      snapshot: { id: t.snapshot.id, version: t.snapshot.version, contentHash: t.snapshot.contentHash, createdAt: t.snapshot.createdAt },
      profile: t.profile,
    })),
    relationships: state.relationships,
    targetSuggestion: state.targetSuggestion,
    tags: state.tags ? { version: state.tags.version, tags: state.tags.tags } : null,
    round2,
    generatedAt: options.generatedAt,
  });
}

/** Where `autolab explore` and `autolab report` write a project's report unless told otherwise. */
export function defaultReportPath(lab: Lab, project: string): string {
  return join(lab.root, LAB_DIR, 'reports', `${project}.html`);
}

export interface WrittenReport {
  /** absolute path of the file written */
  readonly path: string;
  readonly format: 'html' | 'json';
  readonly bytes: number;
  /** sha256 of the file, as recorded in the `explore.report` action */
  readonly hash: string;
  readonly data: ReportData;
  /** true when the file already held the report of these snapshots and tags and was left alone */
  readonly reused: boolean;
}

/**
 * Writes the project's report — one self-contained HTML file, or its content as JSON — and
 * records an `explore.report` action naming the snapshots and tags it was made from. Unless
 * `reuse` is false, a file already written from the same snapshots and tags (and unchanged on
 * disk since) is kept and nothing is recorded, so that `explore` and `run` stay idempotent.
 */
export async function writeProjectReport(
  lab: Lab,
  project: ProjectRecord,
  options: { out?: string; format?: 'html' | 'json'; generatedAt?: string; reuse?: boolean } = {},
): Promise<WrittenReport> {
  const startedAt = new Date().toISOString();
  const cpu = process.cpuUsage();
  const format = options.format ?? 'html';
  const data = await projectReport(lab, project, { generatedAt: options.generatedAt });
  const path = resolve(options.out ?? defaultReportPath(lab, project.name));
  const inputs = {
    ...Object.fromEntries(data.tables.map((t) => [t.name, t.snapshot?.contentHash ?? 'none'])),
    tags: data.tags ? confirmedTagsHash(data.tags.tags) : 'none',
  };
  if (options.reuse !== false) {
    const kept = await unchangedReport(lab, project, inputs, path, format);
    if (kept) return { path, format, bytes: kept.bytes, hash: kept.hash, data, reused: true };
  }
  const text = format === 'html' ? renderReportHtml(data) : JSON.stringify(data, null, 2) + '\n';
  const bytes = Buffer.from(text, 'utf8');
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  } catch (error) {
    throw new InputError(`cannot write the report to ${path}: ${describeError(error)}`, 'check that its folder is writable, or give the report another path', {
      cause: error,
    });
  }
  const hash = sha256(bytes);
  await lab.catalog.appendAction({
    kind: 'explore.report',
    project: project.name,
    inputs,
    outputs: { report: hash },
    status: 'done',
    startedAt,
    finishedAt: new Date().toISOString(),
    cpuSeconds: cpuSeconds(cpu),
    bytesWritten: bytes.length,
    workerId: workerId(),
    error: null,
    detail: { path, format, tables: data.tables.length },
  });
  return { path, format, bytes: bytes.length, hash, data, reused: false };
}

/** The last report recorded for the project, if it has the same inputs, path and format and its file is untouched. */
async function unchangedReport(
  lab: Lab,
  project: ProjectRecord,
  inputs: Record<string, string>,
  path: string,
  format: 'html' | 'json',
): Promise<{ hash: string; bytes: number } | null> {
  const [last] = await lab.catalog.listActions({ project: project.name, kind: 'explore.report', limit: 1 });
  if (!last || last.status !== 'done' || last.detail['path'] !== path || last.detail['format'] !== format) return null;
  if (canonicalJson(last.inputs) !== canonicalJson(inputs)) return null;
  const recorded = last.outputs['report'];
  try {
    const bytes = await readFile(path);
    return sha256(bytes) === recorded ? { hash: recorded, bytes: bytes.length } : null;
  } catch {
    return null;
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Whether round 2 matches the current confirmed tags and snapshots: a person's change to the
 * tags, or a new snapshot, makes the stored result stale until `autolab explore` runs again.
 */
export async function round2Freshness(lab: Lab, project: ProjectRecord, state: ExplorationState): Promise<'no target' | 'current' | 'stale'> {
  if (!state.tags || !confirmedTarget(state.tags.tags)) return 'no target';
  const found = await lab.catalog.findExploreResult({
    projectId: project.id,
    kind: 'round2',
    subject: 'project',
    inputsHash: round2InputsHash(state.tables, state.tags),
  });
  return found ? 'current' : 'stale';
}
