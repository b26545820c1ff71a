import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { cpuUsage } from 'node:process';
import { join } from 'node:path';
import type { ProjectRecord } from '../catalog/index.js';
import { InputError, redactSecrets } from '../common/index.js';
import { trainModel, type SearchProgress, type TrainResult } from '../automl/index.js';
import { readFrame, type Frame } from '../features/index.js';
import type { ColumnTag } from '../explore/index.js';
import { latestSnapshots } from './explore.js';
import { actionInput } from './lab.js';
import type { Lab } from './lab-types.js';
import { requireTags } from './tags.js';

/**
 * The `trained` stage of a project: AutoML on the latest bronze snapshot of the table that holds
 * the confirmed target, without the columns a person tagged as id, ignore or PII to drop. The
 * bundle goes into the store file by file before the `automl.train` action is recorded, and a
 * readable copy stays in `<lab>/models/<project>/`.
 */

export interface ProjectTrainOptions {
  readonly timeLimit?: number;
  /** exactly this many candidates instead of a time limit (reproducible) */
  readonly trials?: number;
  readonly seed?: number;
  readonly onProgress?: (progress: SearchProgress) => void;
  /** train even when the snapshot and the tags are those of the last training */
  readonly force?: boolean;
}

export interface ProjectTrainOutcome {
  readonly project: string;
  readonly table: string;
  readonly target: string;
  readonly snapshotVersion: number;
  readonly excluded: readonly string[];
  readonly bundleDir: string;
  readonly bundleHash: string;
  readonly metric: string;
  readonly score: number;
  /** null when the last training's bundle was reused (same snapshot, same confirmed tags) */
  readonly result: TrainResult | null;
}

const EXCLUDED_ROLES = new Set(['id', 'ignore', 'weight', 'group']);

/** The confirmed target of a project and the columns to leave out of its table. */
export function trainingColumns(columns: readonly ColumnTag[], project: string): { table: string; target: string; excluded: string[] } {
  const targets = columns.filter((c) => c.confirmed.role === 'target');
  if (targets.length === 0) {
    throw new InputError(
      `project ${project} has no confirmed target column`,
      `confirm one: \`autolab tags set TABLE.COLUMN role=target --project ${project}\` or \`autolab tags accept\``,
    );
  }
  if (targets.length > 1) {
    const names = targets.map((t) => `${t.table}.${t.column}`).join(', ');
    throw new InputError(`project ${project} has ${targets.length} target columns (${names})`, 'keep one with `autolab tags set TABLE.COLUMN role=feature` on the others');
  }
  const target = targets[0]!;
  const excluded = columns
    .filter((c) => c.table === target.table && c.column !== target.column)
    .filter((c) => EXCLUDED_ROLES.has(c.confirmed.role ?? '') || c.confirmed.piiPolicy === 'drop')
    .map((c) => c.column);
  return { table: target.table, target: target.column, excluded };
}

export async function trainProject(lab: Lab, project: ProjectRecord, options: ProjectTrainOptions = {}): Promise<ProjectTrainOutcome> {
  const startedAt = new Date().toISOString();
  const cpuStart = cpuUsage();
  const tags = await requireTags(lab.catalog, project);
  const { table, target, excluded } = trainingColumns(tags.tags.columns, project.name);
  const snapshot = (await latestSnapshots(lab, project)).find((s) => s.name === table)?.snapshot;
  if (!snapshot) throw new InputError(`table ${table} of project ${project.name} has no bronze snapshot`, `run \`autolab ingest ${project.name}\``);

  const base = actionInput('automl.train', project.name, startedAt);
  const inputs = { snapshot: snapshot.contentHash, tags: tags.confirmedHash };
  const bundleDir = join(lab.root, 'models', project.name);
  const facts = { project: project.name, table, target, snapshotVersion: snapshot.version, excluded, bundleDir };
  const [last] = await lab.catalog.listActions({ project: project.name, kind: 'automl.train', limit: 1 });
  if (!options.force && last?.status === 'done' && last.inputs['snapshot'] === inputs.snapshot && last.inputs['tags'] === inputs.tags && existsSync(join(bundleDir, 'bundle.json'))) {
    return {
      ...facts,
      bundleHash: last.outputs['bundle'] ?? '',
      metric: String(last.detail['metric']),
      score: Number(last.detail['score']),
      result: null,
    };
  }
  const staging = join(lab.workDir, `train-${process.pid}-${Date.now()}`);
  try {
    const frame = dropColumns(await readFrame(await lab.store.localPathFor(snapshot.lakeKey), { textColumns: [target] }), excluded);
    const result = await trainModel(frame, {
      target,
      ...(options.trials !== undefined ? { trials: options.trials } : { timeLimit: options.timeLimit ?? lab.config.defaults.timeLimitSeconds }),
      seed: options.seed ?? 0,
      out: staging,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    // durable first: every bundle file into the content-addressed store, then the readable copy
    const files: Record<string, string> = {};
    let bytes = 0;
    for (const file of await listFiles(staging)) {
      const put = await lab.store.putFile(join(staging, file));
      files[file] = put.hash;
      bytes += put.bytes;
    }
    await rm(bundleDir, { recursive: true, force: true });
    await mkdir(join(lab.root, 'models'), { recursive: true });
    await rename(staging, bundleDir);
    const manifest = result.model.manifest;
    const cpu = cpuUsage(cpuStart);
    await lab.catalog.appendAction({
      ...base,
      finishedAt: new Date().toISOString(),
      inputs,
      outputs: { bundle: result.run.bundleHash, ...Object.fromEntries(Object.entries(files).map(([f, h]) => [`file:${f}`, h])) },
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      bytesWritten: bytes,
      detail: { table, target, snapshotVersion: snapshot.version, excluded, metric: manifest.metric, score: manifest.score, dir: bundleDir },
    });
    return {
      ...facts,
      bundleHash: result.run.bundleHash,
      metric: manifest.metric,
      score: manifest.score,
      result,
    };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    const cpu = cpuUsage(cpuStart);
    await lab.catalog.appendAction({
      ...base,
      finishedAt: new Date().toISOString(),
      inputs,
      status: 'failed',
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      error: redactSecrets(error instanceof Error ? error.message : String(error)),
    });
    throw error;
  }
}

function dropColumns(frame: Frame, names: readonly string[]): Frame {
  if (names.length === 0) return frame;
  const drop = new Set(names);
  return { rows: frame.rows, columns: frame.columns.filter((c) => !drop.has(c.name)) };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}
