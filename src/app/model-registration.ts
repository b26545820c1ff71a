import type { ActionRecord, ModelVersionRecord, ProjectRecord } from '../catalog/index.js';
import { loadBundle } from '../automl/index.js';
import { DataError } from '../common/index.js';
import { readFrame, takeRows } from '../features/index.js';
import {
  codeVersion,
  compareWithChampion,
  materializeBundle,
  modelMetrics,
  readHoldout,
  type ChampionComparison,
  type ModelLineage,
} from '../registry/index.js';
import type { Lab } from './lab-types.js';

/**
 * Registering a training's bundle as a model version, and comparing a challenger with the
 * production model on the challenger's held-out rows: the parts of the registry that read the
 * lab's action log, snapshots, tags and lake.
 */

/** Registers the bundle of an `automl.train` action (once: the same bundle gives the same version). */
export async function registerTraining(lab: Lab, project: ProjectRecord, train: ActionRecord): Promise<{ record: ModelVersionRecord; created: boolean }> {
  const bundleHash = train.outputs['bundle'];
  if (!bundleHash) throw new Error(`the training recorded as action ${train.seq} names no bundle`);
  const files = Object.fromEntries(Object.entries(train.outputs).filter(([name]) => name.startsWith('file:')).map(([name, hash]) => [name.slice('file:'.length), hash]));
  const dir = await materializeBundle(lab, { bundleHash, files });
  const { model } = loadBundle(dir);
  const manifest = model.manifest;
  const metrics = modelMetrics(manifest, readHoldout(dir));
  const lineage = await lineageOf(lab, project, train, manifest.dataHash, manifest.seed);
  return lab.catalog.registerModelVersion({
    projectId: project.id,
    bundleHash,
    files,
    trainSeq: train.seq,
    metrics: metrics as unknown as Record<string, unknown>,
    leaderboard: manifest.leaderboard,
    lineage: lineage as unknown as Record<string, unknown>,
  });
}

async function lineageOf(lab: Lab, project: ProjectRecord, train: ActionRecord, dataHash: string, seed: number): Promise<ModelLineage> {
  const d = train.detail;
  const table = String(d['table'] ?? '');
  const snapshotVersion = typeof d['snapshotVersion'] === 'number' ? d['snapshotVersion'] : null;
  const snapshots = (await lab.catalog.listSnapshots(project.id))
    .filter((s) => s.tableName === table && s.version === snapshotVersion)
    .map((s) => ({ table: s.tableName, version: s.version, contentHash: s.contentHash }));
  const tagsHash = train.inputs['tags'] ?? '';
  const tagVersions = await lab.catalog.listTagVersions(project.id);
  const tagVersion = [...tagVersions].reverse().find((t) => t.confirmedHash === tagsHash)?.version ?? null;
  const excluded = Array.isArray(d['excluded']) ? (d['excluded'] as unknown[]).map(String) : [];
  const why = (d['excludedWhy'] ?? {}) as Record<string, string>;
  return {
    snapshots,
    tagVersion,
    tagsHash,
    silverHash: train.inputs['silver'] ?? '',
    silverLakeKey: typeof d['silverLakeKey'] === 'string' ? d['silverLakeKey'] : null,
    silverPlanHash: typeof d['silverPlanHash'] === 'string' ? d['silverPlanHash'] : null,
    table,
    excluded: excluded.map((column) => ({ column, why: why[column] ?? 'left out by its tags' })),
    rows: Number(d['rows'] ?? 0),
    dataHash,
    seed,
    codeVersion: codeVersion(),
    trainSeq: train.seq,
  };
}

/**
 * The challenger against the champion on the rows the challenger was validated on (its silver
 * table, read from the lake): a comparison, or why none can be made.
 */
export async function compareChallenger(lab: Lab, challenger: ModelVersionRecord, champion: ModelVersionRecord, margin: number): Promise<ChampionComparison> {
  const dir = await materializeBundle(lab, challenger);
  const holdout = readHoldout(dir);
  const lakeKey = (challenger.lineage as Partial<ModelLineage>).silverLakeKey;
  if (!holdout || !lakeKey) throw new DataError(`model version ${challenger.version} kept no holdout predictions to compare on`, 'a person approves it, or train again (autolab train --force)');
  const manifest = loadBundle(dir).model.manifest;
  const frame = await readFrame(await lab.store.localPathFor(lakeKey), { textColumns: [manifest.target], workDir: lab.workDir });
  const rows = takeRows(frame, Uint32Array.from(holdout.rows));
  const { model: championModel } = loadBundle(await materializeBundle(lab, champion));
  if (championModel.manifest.task !== manifest.task || championModel.manifest.target !== manifest.target) {
    throw new DataError(`model version ${champion.version} predicts ${championModel.manifest.target} (${championModel.manifest.task}), version ${challenger.version} ${manifest.target} (${manifest.task})`, 'they cannot be compared: a person approves');
  }
  let predicted;
  try {
    predicted = championModel.predictFrame(rows);
  } catch (error) {
    throw new DataError(`the production model (version ${champion.version}) cannot score version ${challenger.version}'s holdout rows`, 'a person approves it', { cause: error });
  }
  return compareWithChampion(manifest, holdout, predicted, margin);
}
