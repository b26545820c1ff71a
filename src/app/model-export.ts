import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { loadBundle } from '../automl/index.js';
import { describeError, InputError, LabError, OutputExistsError } from '../common/index.js';
import { applyPipeline, coerceToTexts, findColumn, takeRows, type Frame } from '../features/index.js';
import { encodeOnnxModel } from '../learn/index.js';
import { bundleOnnxModel, materializeBundle, modelVersionOf, readHoldout } from '../registry/index.js';
import type { ModelVersionRecord, ProjectRecord } from '../catalog/index.js';
import { writeStreamAtomic } from '../store/index.js';
// only its types here: the module itself is loaded when an export is checked
import type * as OnnxRuntime from 'onnxruntime-node';
import type { BundleManifest, AutoModel } from '../automl/index.js';
import { actionInput } from './lab.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
import { trainingFrame } from './version-holdout.js';

/**
 * `autolab models export VERSION --format onnx --out FILE`: the bundle as one ONNX graph, checked
 * against the bundle's own predictions on its holdout rows with onnxruntime-node before it is
 * written; a step or member the graph cannot express is a one-line error naming it.
 */
export interface ExportedModel {
  readonly project: string;
  readonly version: number;
  readonly path: string;
  readonly bytes: number;
  /** rows the graph was checked on, and the largest difference of a probability (or a prediction) */
  readonly checkedRows: number;
  readonly maxDifference: number;
}

/** float32 outputs against float64 predictions: a probability may differ in its seventh digit */
const TOLERANCE = 1e-4;
const CHECK_ROWS = 2000;

export async function exportModelVersion(lab: Lab, projectName: string | undefined, version: number, options: { out: string; replace?: boolean }): Promise<ExportedModel> {
  const startedAt = new Date().toISOString();
  const project = await resolveProject(lab, projectName);
  const model = await modelVersionOf(lab, project.name, version);
  const path = resolve(options.out);
  if (existsSync(path) && !options.replace) throw new OutputExistsError(path);
  const dir = await materializeBundle(lab, model);
  const bundle = loadBundle(dir).model;
  const graph = bundleOnnxModel(bundle.manifest, bundle.fittedMembers, bundle.fittedStackers);
  const bytes = encodeOnnxModel(graph);
  const rows = await holdoutRows(lab, project, model, bundle.manifest, dir);
  checkFeatureOrder(bundle, rows);
  const maxDifference = await checkWithOnnxRuntime(bytes, bundle, rows);
  try {
    await writeStreamAtomic(() => Readable.from([Buffer.from(bytes)]), path);
  } catch (error) {
    throw new InputError(`cannot write ${path}: ${describeError(error)}`, 'check that its folder is writable, or choose another --out', { cause: error });
  }
  await lab.catalog.appendAction({ ...actionInput('model.export', project.name, startedAt), inputs: { bundle: model.bundleHash }, bytesWritten: bytes.length, detail: { version, format: 'onnx', path, checkedRows: rows.rows, maxDifference } });
  return { project: project.name, version, path, bytes: bytes.length, checkedRows: rows.rows, maxDifference };
}

/** Up to CHECK_ROWS of the version's holdout rows, from its training table in the lake (gold where it learned from gold). */
async function holdoutRows(lab: Lab, project: ProjectRecord, model: ModelVersionRecord, manifest: BundleManifest, dir: string): Promise<Frame> {
  const holdout = readHoldout(dir);
  if (!holdout) throw new LabError(`model version ${model.version} kept no holdout rows to check the ONNX graph on`, 'train the model again (autolab train --force) and export the new version');
  const { frame } = await trainingFrame(lab, project, model, manifest);
  const step = Math.max(1, Math.ceil(holdout.rows.length / CHECK_ROWS));
  return takeRows(frame, holdout.rows.filter((_, i) => i % step === 0));
}

/** The graph concatenates features in the pipeline's order; every fold model must read them in that order. */
function checkFeatureOrder(bundle: AutoModel, rows: Frame): void {
  const names = applyPipeline(bundle.manifest.pipeline, takeRows(rows, [0])).columns.map((c) => c.name).join('\0');
  for (const member of bundle.fittedMembers) {
    for (const model of member.models) {
      if (model.featureNames.join('\0') !== names) throw new Error('a member model reads its features in another order than the pipeline makes them');
    }
  }
}

async function checkWithOnnxRuntime(bytes: Uint8Array, bundle: AutoModel, rows: Frame): Promise<number> {
  let ort: typeof OnnxRuntime;
  try {
    ort = await import('onnxruntime-node');
  } catch (error) {
    throw new LabError(`onnxruntime-node cannot be loaded here, so the ONNX graph cannot be checked (${describeError(error).split('\n')[0]})`, 'install it: npm install onnxruntime-node', { cause: error });
  }
  const manifest = bundle.manifest;
  const table = applyPipeline(manifest.pipeline, rows);
  const feeds: Record<string, InstanceType<typeof ort.Tensor>> = {};
  for (const step of manifest.pipeline.steps) {
    if (step.kind === 'numeric') {
      const values = table.columns.find((c) => c.name === step.column)!.values;
      feeds[step.column] = new ort.Tensor('float64', Float64Array.from(values), [rows.rows, 1]);
    } else {
      const texts = coerceToTexts(findColumn(rows, step.column)!).map((t) => t ?? '');
      feeds[step.column] = new ort.Tensor('string', texts, [rows.rows, 1]);
    }
  }
  const session = await ort.InferenceSession.create(bytes);
  let result: Record<string, InstanceType<typeof ort.Tensor>>;
  try {
    result = (await session.run(feeds)) as Record<string, InstanceType<typeof ort.Tensor>>;
  } finally {
    await session.release();
  }
  const ours = bundle.predictFrame(rows);
  const theirs = (result[manifest.task === 'regression' ? 'prediction' : 'probabilities']!.data as Float32Array);
  const expected = ours.probabilities ?? Float64Array.from(ours.prediction as number[]);
  let max = 0;
  let off = 0;
  for (let i = 0; i < expected.length; i++) {
    // regression values are compared relative to their size
    const scale = manifest.task === 'regression' ? Math.max(1, Math.abs(expected[i]!)) : 1;
    const d = Math.abs(theirs[i]! - expected[i]!) / scale;
    if (!(d <= TOLERANCE)) off++;
    if (d > max || Number.isNaN(d)) max = Number.isNaN(d) ? Infinity : d;
  }
  if (off > 0) throw new LabError(`the ONNX graph disagrees with the bundle on ${off} of ${expected.length} outputs of ${rows.rows} holdout rows (largest difference ${max.toPrecision(3)}); nothing was written`, 'report this as a bug; serve the bundle itself meanwhile');
  return max;
}
