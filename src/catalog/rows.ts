import type { Selectable } from 'kysely';
import { LabError } from '../common/index.js';
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
  return { id: Number(row.id), name: row.name, createdAt: row.created_at, settings: parseObject(row.settings, `projects row ${row.id}`, 'settings') };
}

export function toSource(row: Selectable<SourcesTable>): SourceRecord {
  return {
    id: Number(row.id),
    projectId: Number(row.project_id),
    name: row.name,
    kind: row.kind,
    uri: row.uri,
    options: parseObject(row.options, `sources row ${row.id}`, 'options'),
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
    rawHashes: parseArray(row.raw_hashes, `snapshots row ${row.id}`, 'raw_hashes') as string[],
    rowCount: Number(row.row_count),
    bytes: Number(row.bytes),
    schema: parseSchema(row.columns, `snapshots row ${row.id}`),
    quality: parseObject(row.quality, `snapshots row ${row.id}`, 'quality'),
    createdAt: row.created_at,
  };
}

export function toAction(row: Selectable<ActionsTable>): ActionRecord {
  const where = `the action log's entry ${row.seq}`;
  return {
    seq: Number(row.seq),
    kind: row.kind,
    project: row.project,
    inputs: parseObject(row.inputs, where, 'inputs') as Record<string, string>,
    outputs: parseObject(row.outputs, where, 'outputs') as Record<string, string>,
    status: row.status as ActionStatus,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    cpuSeconds: Number(row.cpu_seconds),
    bytesWritten: Number(row.bytes_written),
    workerId: row.worker_id,
    error: row.error,
    detail: parseObject(row.detail, where, 'detail'),
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
    summary: parseObject(row.summary, `explore_results row ${row.id}`, 'summary'),
    createdAt: row.created_at,
  };
}

export function toTagVersion(row: Selectable<TagVersionsTable>): TagVersionRecord {
  return { ...toTagVersionSummary(row), tags: parseJson(row.tags, `tag_versions of project ${row.project_id} version ${row.version}`, 'tags') };
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

/** A row's JSON column that no longer parses (or holds the wrong shape) was changed outside autolab: say which. */
export class CatalogDamageError extends LabError {
  constructor(
    where: string,
    readonly column: string,
    cause?: unknown,
  ) {
    super(`the catalog is damaged: ${where} has a ${column} value that is not valid JSON of its kind`, 'restore the catalog from a backup; `autolab log --verify` checks the action log', { cause });
  }
}

function parseJson(text: string, where: string, column: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new CatalogDamageError(where, column, error);
  }
}

/** A JSON object column, or a CatalogDamageError naming row and column. */
export function parseObjectColumn(text: string, where: string, column: string): Record<string, unknown> {
  return parseObject(text, where, column);
}

/** A JSON array column, or a CatalogDamageError naming row and column. */
export function parseArrayColumn(text: string, where: string, column: string): unknown[] {
  return parseArray(text, where, column);
}

function parseObject(text: string, where: string, column: string): Record<string, unknown> {
  const value = parseJson(text, where, column);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CatalogDamageError(where, column);
  return value as Record<string, unknown>;
}

function parseArray(text: string, where: string, column: string): unknown[] {
  const value = parseJson(text, where, column);
  if (!Array.isArray(value)) throw new CatalogDamageError(where, column);
  return value;
}

function parseSchema(text: string, where: string): { name: string; type: string }[] {
  const value = parseArray(text, where, 'columns');
  const ok = value.every((c) => c !== null && typeof c === 'object' && typeof (c as { name?: unknown }).name === 'string' && typeof (c as { type?: unknown }).type === 'string');
  if (!ok) throw new CatalogDamageError(where, 'columns');
  return value as { name: string; type: string }[];
}
