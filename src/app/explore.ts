import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { openDuckEngine } from '../lake/index.js';
import { inputsHash } from '../catalog/index.js';
import type { ExploreResultRecord, ProjectRecord, SnapshotRecord } from '../catalog/index.js';
import { describeError, InputError } from '../common/index.js';
import { writeStreamAtomic } from '../store/index.js';
import {
  buildReport,
  confirmedTagsHash,
  confirmedTarget,
  renderReportHtml,
  findRelationships,
  openTagCount,
  profileTable,
  runRound2,
  suggestTarget,
} from '../explore/index.js';
import type { Relationship, ReportData, Round2Result, TableProfile, TagVersion, TargetSuggestion } from '../explore/index.js';
import { LAB_DIR } from './lab-config.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { currentTags } from './tags.js';
import { LocalExecutor, reconcile, runAction, type ReconcileEvent, type Unit } from '../runtime/index.js';
import { closeStageContext, stageContext } from './stages/stage-context.js';
import { EXPLORE_STAGES, reportStage, round2Stage } from './stages/explore-stages.js';
import { currentSilver } from './stages/silver-stage.js';
import { getJson, putJson } from './stored-json.js';

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

/**
 * What exploration reports as it goes: a stage with work to do (`stage`: how many units — tables
 * for `explore.table`), then per table its start, each profiling step as it ends, and its end.
 */
export type ExploreProgress =
  | { readonly phase: 'stage'; readonly stage: string; readonly units: number }
  | { readonly phase: 'profiling'; readonly table: string }
  | { readonly phase: 'step'; readonly table: string; readonly step: string; readonly ms: number }
  | { readonly phase: 'profiled'; readonly table: string; readonly ms: number };

/** The `stage` progress of a reconcile event: a stage of exploration that has units to run. */
export function exploreStageProgress(event: ReconcileEvent): ExploreProgress | undefined {
  if (event.kind !== 'planned' || !event.stage.startsWith('explore.') || event.stale.length === 0) return undefined;
  return { phase: 'stage', stage: event.stage, units: event.stale.length };
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
  const context = stageContext(lab, options.onProgress ? { onExplore: options.onProgress } : {});
  const runtime = { catalog: lab.catalog, workerId: workerId() };
  const collector = new ExploreCollector();
  try {
    const result = await reconcile(runtime, context, project, EXPLORE_STAGES, new LocalExecutor(runtime, context, EXPLORE_STAGES, { concurrency: 1 }), {
      onEvent: (event) => {
        const stage = exploreStageProgress(event);
        if (stage) options.onProgress?.(stage);
        collector.onEvent(event);
      },
    });
    if (result.failed) throw result.failed.error;
  } finally {
    await closeStageContext(context);
  }
  return collector.outcome(lab, project);
}

/** Gathers what the exploration stages did during a reconcile, for `ExploreOutcome`. */
export class ExploreCollector {
  readonly #profiled = new Set<string>();
  #round2Ran = false;
  #autoAccepted = false;

  onEvent(event: ReconcileEvent): void {
    if (event.kind !== 'action' || event.outcome.status !== 'done') return;
    if (event.stage === 'explore.table') this.#profiled.add(event.unit.unit);
    if (event.stage === 'explore.target') this.#round2Ran = true;
    if (event.stage === 'explore.suggest' && event.outcome.record.detail['autoAccepted'] === true) this.#autoAccepted = true;
  }

  async outcome(lab: Lab, project: ProjectRecord): Promise<ExploreOutcome> {
    const state = await loadExploration(lab, project);
    const round2 = await currentRound2(lab, project, state);
    const open = state.tags ? openTagCount(state.tags.tags) : { columns: 0, relationships: 0 };
    return {
      project: project.name,
      tables: state.tables.map((t) => ({
        name: t.name,
        version: t.snapshot.version,
        rows: t.profile.rows,
        columns: t.profile.columnCount,
        alerts: t.profile.alerts.length,
        profiled: this.#profiled.has(t.name),
      })),
      relationships: state.relationships.length,
      target: state.targetSuggestion,
      tags: { version: state.tags?.version ?? 0, autoAccepted: this.#autoAccepted || autoAcceptsTags(lab, project), openColumns: open.columns, openRelationships: open.relationships },
      round2: round2 && { resultHash: round2.resultHash, leakage: round2.result.target?.leakage.length ?? 0, reused: !this.#round2Ran },
    };
  }
}

/** Whether the project accepts exploration's tag suggestions itself (setting, else the lab's default). */
export function autoAcceptsTags(lab: Lab, project: ProjectRecord): boolean {
  return (project.settings['autoAcceptTags'] ?? lab.config.defaults.autoAcceptTags) === true;
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

/** An exploration result: its JSON into the store first, then exploration's index in the catalog. */
async function keepResult(lab: Lab, value: unknown, index: Omit<ExploreResultRecord, 'id' | 'createdAt' | 'resultHash'>): Promise<{ hash: string; bytes: number }> {
  const put = await putJson(lab, value);
  await lab.catalog.putExploreResult({ ...index, resultHash: put.hash });
  return { hash: put.hash, bytes: put.bytes };
}

/** Round 1 of one snapshot: the profile into the store, then exploration's index in the catalog. */
export async function profileSnapshot(
  lab: Lab,
  project: ProjectRecord,
  name: string,
  snapshot: SnapshotRecord,
  onPhase?: (phase: string, ms: number) => void,
): Promise<{ hash: string; bytes: number; profile: TableProfile }> {
  const engine = await openDuckEngine(lab.workDir);
  try {
    const parquetPath = await lab.store.localPathFor(snapshot.lakeKey);
    const profile = await profileTable(engine.conn, { name, parquetPath }, onPhase ? { onPhase } : {});
    const put = await keepResult(lab, profile, {
      projectId: project.id,
      kind: 'profile',
      subject: name,
      snapshotId: snapshot.id,
      inputsHash: profileInputsHash(snapshot),
      summary: { rows: profile.rows, columns: profile.columnCount, alerts: profile.alerts.length, pii: profile.pii.length },
    });
    return { ...put, profile };
  } finally {
    engine.close();
  }
}

/** Candidate relationships across the explored tables, into the store and exploration's index. */
export async function relationshipsOf(lab: Lab, project: ProjectRecord, tables: readonly ExploredTable[]): Promise<{ hash: string; bytes: number; relationships: Relationship[] }> {
  const engine = await openDuckEngine(lab.workDir);
  try {
    const inputs = await Promise.all(
      tables.map(async (t) => ({ name: t.name, parquetPath: await lab.store.localPathFor(t.snapshot.lakeKey), profile: t.profile })),
    );
    const relationships = await findRelationships(engine.conn, inputs);
    const put = await keepResult(lab, relationships, {
      projectId: project.id,
      kind: 'relationships',
      subject: 'project',
      snapshotId: null,
      inputsHash: relationshipsInputsHash(tables),
      summary: { relationships: relationships.length, tables: tables.length },
    });
    return { ...put, relationships };
  } finally {
    engine.close();
  }
}

/** Round 2 for the confirmed tags, into the store and exploration's index. */
export async function round2Of(lab: Lab, project: ProjectRecord, tables: readonly ExploredTable[], tags: TagVersion): Promise<{ hash: string; bytes: number; result: Round2Result }> {
  const engine = await openDuckEngine(lab.workDir);
  try {
    const inputs = await Promise.all(
      tables.map(async (t) => ({
        name: t.name,
        version: t.snapshot.version,
        parquetPath: await lab.store.localPathFor(t.snapshot.lakeKey),
        profile: t.profile,
        previous: t.previous ? { version: t.previous.version, parquetPath: await lab.store.localPathFor(t.previous.lakeKey) } : undefined,
      })),
    );
    const result = await runRound2(engine.conn, { tables: inputs, tags: tags.tags });
    const put = await keepResult(lab, result, {
      projectId: project.id,
      kind: 'round2',
      subject: 'project',
      snapshotId: null,
      inputsHash: round2InputsHash(tables, tags),
      summary: { leakage: result.target?.leakage.length ?? 0, drift: result.drift.length, joins: result.joins.length },
    });
    return { ...put, result };
  } finally {
    engine.close();
  }
}

/** The stored round 2 of the current tables and tags, if there is one. */
async function currentRound2(lab: Lab, project: ProjectRecord, state: ExplorationState): Promise<{ result: Round2Result; resultHash: string } | null> {
  if (!state.tags || !confirmedTarget(state.tags.tags)) return null;
  const found = await lab.catalog.findExploreResult({ projectId: project.id, kind: 'round2', subject: 'project', inputsHash: round2InputsHash(state.tables, state.tags) });
  return found ? { result: await getJson<Round2Result>(lab, found.resultHash), resultHash: found.resultHash } : null;
}

export function relationshipsInputsHash(tables: readonly ExploredTable[]): string {
  return inputsHash({ relationships: 1, profiles: tables.map((t) => [t.name, t.profileHash]).sort() });
}

export function round2InputsHash(tables: readonly ExploredTable[], tags: TagVersion): string {
  return inputsHash({
    round2: 1,
    tags: tags.confirmedHash,
    tables: tables.map((t) => [t.name, t.profileHash, t.snapshot.contentHash, t.previous?.contentHash ?? null]).sort(),
  });
}

export function profileInputsHash(snapshot: Pick<SnapshotRecord, 'contentHash'>): string {
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
    tables.push({ name, snapshot, previous, profile: await getJson<TableProfile>(lab, result.resultHash), profileHash: result.resultHash });
  }
  let relationships: Relationship[] = [];
  if (tables.length >= 2) {
    const result = await lab.catalog.findExploreResult({ projectId: project.id, kind: 'relationships', subject: 'project', inputsHash: relationshipsInputsHash(tables) });
    if (result) relationships = await getJson<Relationship[]>(lab, result.resultHash);
  }
  const [target] = suggestTarget(tables.map((t) => t.profile));
  return { tables, relationships, targetSuggestion: target ?? null, tags: await currentTags(lab.catalog, project) };
}

/** Round 2 for the current state: the stored result, or made now (as the round-2 stage) when the tags changed since. */
export async function ensureRound2(lab: Lab, project: ProjectRecord, state: ExplorationState): Promise<Round2Result | null> {
  if (!state.tags || !confirmedTarget(state.tags.tags)) return null;
  const stored = await currentRound2(lab, project, state);
  if (stored) return stored.result;
  const context = stageContext(lab);
  const plan = await round2Stage.plan(context, project);
  const unit = 'units' in plan ? plan.units[0] : undefined;
  if (!unit) return null;
  const outcome = await runAction({ catalog: lab.catalog, workerId: workerId() }, round2Stage, context, project, unit);
  if (outcome.status === 'failed') throw outcome.error;
  return (await currentRound2(lab, project, state))?.result ?? null;
}

/** The report's content for a project: stored results, with round 2 brought up to date. */
export async function projectReport(lab: Lab, project: ProjectRecord, options: { generatedAt?: string } = {}): Promise<ReportData> {
  const state = await loadExploration(lab, project);
  if (state.tables.length === 0) {
    throw new InputError(`project ${project.name} has not been explored yet`, `run \`autolab explore ${project.name}\` first`);
  }
  const round2 = await ensureRound2(lab, project, state);
  const silver = await currentSilver(lab, project);
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
    quality: silver.tables.map((t) => t.report),
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
 * Writes the project's report — one self-contained HTML file, or its content as JSON — as the
 * report stage's action for that file (`explore.report`), keyed by the snapshots and tags it is
 * made from. Unless `reuse` is false, a file already written from the same snapshots and tags (and
 * unchanged on disk since) is kept and nothing is recorded, so that `explore` and `run` stay idempotent.
 */
export async function writeProjectReport(
  lab: Lab,
  project: ProjectRecord,
  options: { out?: string; format?: 'html' | 'json'; generatedAt?: string; reuse?: boolean } = {},
): Promise<WrittenReport> {
  const format = options.format ?? 'html';
  const path = resolve(options.out ?? defaultReportPath(lab, project.name));
  const data = await projectReport(lab, project, { generatedAt: options.generatedAt });
  const unit = reportUnit(data, path, format, options.reuse === false ? new Date().toISOString() : undefined);
  const context = stageContext(lab, options.generatedAt !== undefined ? { reportGeneratedAt: options.generatedAt } : {});
  const outcome = await runAction({ catalog: lab.catalog, workerId: workerId() }, reportStage, context, project, unit);
  if (outcome.status === 'failed') throw outcome.error;
  const hash = outcome.record.outputs['report'] ?? '';
  return { path, format, bytes: Number(outcome.record.detail['bytes'] ?? 0), hash, data, reused: outcome.status === 'reused' };
}

/** The report of these snapshots and tags, as a unit of the report stage; `writtenAt` forces a new file. */
export function reportUnit(data: ReportData, path: string, format: 'html' | 'json', writtenAt?: string): Unit {
  return {
    unit: `${format}:${path}`,
    inputs: {
      ...Object.fromEntries(data.tables.map((t) => [t.name, t.snapshot?.contentHash ?? 'none'])),
      tags: data.tags ? confirmedTagsHash(data.tags.tags) : 'none',
      ...(data.quality.length > 0 ? { quality: inputsHash(data.quality) } : {}),
      ...(writtenAt !== undefined ? { written: writtenAt } : {}),
    },
    params: { path, format },
  };
}

/** Renders the report and writes it to `path`; its sha256 and size. */
export async function renderReportFile(data: ReportData, path: string, format: 'html' | 'json'): Promise<{ hash: string; bytes: number }> {
  const text = format === 'html' ? renderReportHtml(data) : JSON.stringify(data, null, 2) + '\n';
  const bytes = Buffer.from(text, 'utf8');
  try {
    // atomic: a report open in a browser is replaced whole, never seen half written
    await writeStreamAtomic(() => Readable.from([bytes]), path);
  } catch (error) {
    throw new InputError(`cannot write the report to ${path}: ${describeError(error)}`, 'check that its folder is writable, or give the report another path', {
      cause: error,
    });
  }
  return { hash: sha256(bytes), bytes: bytes.length };
}

/** Whether the file at `path` still holds the report recorded as `hash`. */
export async function reportFileHolds(path: string, hash: string): Promise<boolean> {
  try {
    return sha256(await readFile(path)) === hash;
  } catch {
    return false;
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
