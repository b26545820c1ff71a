import type { BundleManifest } from '../automl/index.js';
import type { ModelVersionRecord, ProjectRecord } from '../catalog/index.js';
import { LabError } from '../common/index.js';
import { readFrame, takeRows, type Frame } from '../features/index.js';
import type { HoldoutPredictions, ModelLineage } from '../registry/index.js';
import type { Lab } from './lab-types.js';
import { goldKey } from './stages/gold-stage.js';

/**
 * A model version's training table and its held-out rows as the training read them: the gold table
 * where the version learned from gold, else its silver table. One place, for whatever scores a
 * version's holdout again (the approval policy, `compare`, the ONNX check).
 */

/** The lake key of the table the version was trained on, or null when the lab no longer has it. */
export async function trainingTableKey(lab: Lab, project: ProjectRecord, model: ModelVersionRecord): Promise<string | null> {
  const lineage = model.lineage as unknown as Partial<ModelLineage>;
  const training = (await lab.catalog.listActions({ project: project.name, kind: 'automl.train', status: 'done' })).find((a) => a.seq === lineage.trainSeq);
  const goldHash = training?.detail['gold'];
  const lakeKey = typeof goldHash === 'string' ? goldKey(project.name, goldHash) : (lineage.silverLakeKey ?? null);
  return lakeKey && (await lab.store.hasObject(lakeKey)) ? lakeKey : null;
}

/** The version's training table as a frame (the target read as text), with every column of its schema. */
export async function trainingFrame(lab: Lab, project: ProjectRecord, model: ModelVersionRecord, manifest: BundleManifest): Promise<{ frame: Frame; lakeKey: string }> {
  const lakeKey = await trainingTableKey(lab, project, model);
  if (!lakeKey) throw new LabError(`the holdout rows of model version ${model.version} (its training table) are not in the lab`, 'train again (autolab train --force) and use the new version');
  const frame = await readFrame(await lab.store.localPathFor(lakeKey), { textColumns: [manifest.target], workDir: lab.workDir });
  const missing = manifest.schema.map((c) => c.name).filter((name) => !frame.columns.some((c) => c.name === name));
  if (missing.length > 0) throw new LabError(`the training table of model version ${model.version} lacks ${missing.join(', ')}`, 'train again (autolab train --force) and use the new version');
  return { frame, lakeKey };
}

/** The held-out rows (`rows`: indices into the training table; all of them when left out), the schema's columns in its order. */
export async function holdoutFrame(lab: Lab, project: ProjectRecord, model: ModelVersionRecord, manifest: BundleManifest, holdout: HoldoutPredictions, rows?: readonly number[]): Promise<Frame> {
  const { frame } = await trainingFrame(lab, project, model, manifest);
  const taken = takeRows(frame, Uint32Array.from(rows ?? holdout.rows));
  return { rows: taken.rows, columns: manifest.schema.map((s) => taken.columns.find((c) => c.name === s.name)!) };
}
