import type { Selectable } from 'kysely';
import type { ActionsTable, ExploreResultsTable, ProjectsTable, SnapshotsTable, SourcesTable, TagVersionsTable } from './db-schema.js';
import type {
  ActionRecord,
  ActionStatus,
  ExploreResultKind,
  ExploreResultRecord,
  ProjectRecord,
  SnapshotRecord,
  SourceRecord,
  TagVersionRecord,
} from './types.js';

/** Rows → records: parse the JSON text columns and turn PostgreSQL's BIGINT strings into numbers. */

export function toProject(row: Selectable<ProjectsTable>): ProjectRecord {
  return { id: Number(row.id), name: row.name, createdAt: row.created_at, settings: parseObject(row.settings) };
}

export function toSource(row: Selectable<SourcesTable>): SourceRecord {
  return {
    id: Number(row.id),
    projectId: Number(row.project_id),
    name: row.name,
    kind: row.kind,
    uri: row.uri,
    options: parseObject(row.options),
    credentialId: row.credential_id,
    createdAt: row.created_at,
  };
}

export function toSnapshot(row: Selectable<SnapshotsTable>): SnapshotRecord {
  return {
    id: Number(row.id),
    projectId: Number(row.project_id),
    sourceId: Number(row.source_id),
    tableName: row.table_name,
    version: Number(row.version),
    contentHash: row.content_hash,
    lakeKey: row.lake_key,
    rawHashes: JSON.parse(row.raw_hashes) as string[],
    rowCount: Number(row.row_count),
    bytes: Number(row.bytes),
    schema: JSON.parse(row.columns) as { name: string; type: string }[],
    quality: parseObject(row.quality),
    createdAt: row.created_at,
  };
}

export function toAction(row: Selectable<ActionsTable>): ActionRecord {
  return {
    seq: Number(row.seq),
    kind: row.kind,
    project: row.project,
    inputs: parseObject(row.inputs) as Record<string, string>,
    outputs: parseObject(row.outputs) as Record<string, string>,
    status: row.status as ActionStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    cpuSeconds: Number(row.cpu_seconds),
    bytesWritten: Number(row.bytes_written),
    workerId: row.worker_id,
    error: row.error,
    detail: parseObject(row.detail),
    prevHash: row.prev_hash,
    hash: row.hash,
    ...(row.unit !== null && row.unit !== undefined ? { unit: row.unit } : {}),
    ...(row.inputs_hash !== null && row.inputs_hash !== undefined ? { inputsHash: row.inputs_hash } : {}),
  };
}

export function toExploreResult(row: Selectable<ExploreResultsTable>): ExploreResultRecord {
  return {
    id: Number(row.id),
    projectId: Number(row.project_id),
    kind: row.kind as ExploreResultKind,
    subject: row.subject,
    snapshotId: row.snapshot_id === null ? null : Number(row.snapshot_id),
    inputsHash: row.inputs_hash,
    resultHash: row.result_hash,
    summary: parseObject(row.summary),
    createdAt: row.created_at,
  };
}

export function toTagVersion(row: Selectable<TagVersionsTable>): TagVersionRecord {
  return { ...toTagVersionSummary(row), tags: JSON.parse(row.tags) as unknown };
}

export function toTagVersionSummary(row: Omit<Selectable<TagVersionsTable>, 'id' | 'tags'>): Omit<TagVersionRecord, 'tags'> {
  return {
    projectId: Number(row.project_id),
    version: Number(row.version),
    confirmedHash: row.confirmed_hash,
    author: row.author,
    change: row.change,
    createdAt: row.created_at,
  };
}

function parseObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
