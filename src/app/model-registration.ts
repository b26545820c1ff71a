import { inputsHash, type ActionRecord, type ModelVersionRecord, type ProjectRecord } from '../catalog/index.js';
import { loadBundle, type BundleManifest } from '../automl/index.js';
import { DataError } from '../common/index.js';
import { takeRows } from '../features/index.js';
import { newRowsOf, openDuckEngine, queryRows } from '../lake/index.js';
import {
  codeVersion,
  compareWithChampion,
  materializeBundle,
  modelMetrics,
  readHoldout,
  type ChampionComparison,
  type HoldoutPredictions,
  type ModelLineage,
} from '../registry/index.js';
import type { Lab } from './lab-types.js';
import { trainingFrame, trainingTableKey } from './version-holdout.js';

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
  const lineage = await lineageOf(lab, project, train, manifest);
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

async function lineageOf(lab: Lab, project: ProjectRecord, train: ActionRecord, manifest: BundleManifest): Promise<ModelLineage> {
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
    featurePlan: {
      hash: inputsHash(manifest.pipeline),
      steps: manifest.pipeline.steps.length,
      gold: typeof d['gold'] === 'string' ? { hash: d['gold'], features: Number(d['features'] ?? 0) } : null,
    },
    excluded: excluded.map((column) => ({ column, why: why[column] ?? 'left out by its tags' })),
    rows: Number(d['rows'] ?? 0),
    dataHash: manifest.dataHash,
    seed: manifest.seed,
    codeVersion: codeVersion(),
    trainSeq: train.seq,
  };
}

/** Fewer held-out rows than this unseen by the champion, and the comparison takes all of them. */
export const MIN_RECENT_ROWS = 50;

/**
 * The challenger against the champion on a common recent holdout: the rows the challenger held out
 * (out of sample for it) that the champion never trained on — the rows new since its training
 * table —, both scored there. When fewer than `MIN_RECENT_ROWS` of them are new (the same data, a
 * retraining with other tags), all of the challenger's held-out rows, which can only flatter the
 * champion. A comparison, or why none can be made.
 */
export async function compareChallenger(lab: Lab, project: ProjectRecord, challenger: ModelVersionRecord, champion: ModelVersionRecord, margin: number): Promise<ChampionComparison> {
  const dir = await materializeBundle(lab, challenger);
  const holdout = readHoldout(dir);
  if (!holdout) throw new DataError(`model version ${challenger.version} kept no holdout predictions to compare on`, 'a person approves it, or train again (autolab train --force)');
  const manifest = loadBundle(dir).model.manifest;
  const { frame, lakeKey } = await trainingFrame(lab, project, challenger, manifest);
  const { model: championModel } = loadBundle(await materializeBundle(lab, champion));
  if (championModel.manifest.task !== manifest.task || championModel.manifest.target !== manifest.target) {
    throw new DataError(`model version ${champion.version} predicts ${championModel.manifest.target} (${championModel.manifest.task}), version ${challenger.version} ${manifest.target} (${manifest.task})`, 'they cannot be compared: a person approves');
  }
  const championKey = await trainingTableKey(lab, project, champion);
  const unseen = championKey && championKey !== lakeKey ? await rowsNotIn(lab, lakeKey, championKey) : null;
  const recent = unseen ? holdoutPositions(holdout, unseen) : [];
  const compared = recent.length >= MIN_RECENT_ROWS ? subsetHoldout(holdout, recent) : holdout;
  const rows = takeRows(frame, Uint32Array.from(compared.rows));
  let predicted;
  try {
    predicted = championModel.predictFrame(rows);
  } catch (error) {
    throw new DataError(`the production model (version ${champion.version}) cannot score version ${challenger.version}'s holdout rows`, 'a person approves it', { cause: error });
  }
  return { ...compareWithChampion(manifest, compared, predicted, margin), newToChampion: unseen ? (compared === holdout ? recent.length : compared.rows.length) : null };
}

/** Row numbers of the table at `newerKey` that the table at `olderKey` does not hold (lake's `newRowsOf`). */
async function rowsNotIn(lab: Lab, newerKey: string, olderKey: string): Promise<Set<number> | null> {
  const [newer, older] = await Promise.all([lab.store.localPathFor(newerKey), lab.store.localPathFor(olderKey)]);
  const engine = await openDuckEngine(lab.workDir, { memoryLimit: '1GB' });
  try {
    const fresh = await newRowsOf(engine.conn, newer, older);
    if (!fresh) return null;
    const found = await queryRows(engine.conn, `SELECT file_row_number FROM (${fresh.sql})`, fresh.params);
    return new Set(found.map(([row]) => Number(row)));
  } finally {
    engine.close();
  }
}

/** Positions in the holdout of the rows in `rows`. */
function holdoutPositions(holdout: HoldoutPredictions, rows: ReadonlySet<number>): number[] {
  const positions: number[] = [];
  holdout.rows.forEach((row, i) => {
    if (rows.has(row)) positions.push(i);
  });
  return positions;
}

function subsetHoldout(holdout: HoldoutPredictions, positions: readonly number[]): HoldoutPredictions {
  const width = holdout.predictions.length / holdout.rows.length;
  return {
    ...holdout,
    rows: positions.map((i) => holdout.rows[i]!),
    y: positions.map((i) => holdout.y[i]!),
    predictions: positions.flatMap((i) => holdout.predictions.slice(i * width, (i + 1) * width)),
  };
}
