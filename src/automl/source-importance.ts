/**
 * How much a bundle's model leans on each of its input columns: mean |SHAP| (TreeSHAP) of every
 * tree model of the ensemble on the rows given, summed over the features a column becomes and over
 * the outputs, each fold model's shares averaged, then weighted by its member's share. Members that
 * are not trees (linear models, the prior) are left out; shares keep gradient boosting's log-odds and
 * forests' probabilities comparable.
 */
import { applyPipelineWithSources, takeRows, type Frame } from '../features/index.js';
import { ForestModel, GbdtModel, modelShap } from '../learn/index.js';
import type { FeatureTable, Predictor } from '../learn/types.js';
import type { FittedMember } from './auto-model.js';
import type { BundleManifest } from './bundle-types.js';

/** TreeSHAP costs trees × leaves × depth² per row: a few hundred rows give stable means */
const MAX_ROWS = 200;

/** Source column → share of the model's mean |SHAP| (summing to 1), or null when no member is a tree model. */
export function sourceImportance(manifest: BundleManifest, members: readonly FittedMember[], frame: Frame): Record<string, number> | null {
  if (frame.rows === 0) return null;
  const step = Math.max(1, frame.rows / MAX_ROWS);
  const index = Uint32Array.from({ length: Math.min(frame.rows, MAX_ROWS) }, (_, i) => Math.floor(i * step));
  const sample = takeRows(frame, index);
  const { table, sources } = applyPipelineWithSources(manifest.pipeline, sample);
  // which source column each model feature comes from, in the table's order
  const owner = sources;
  const stacked = manifest.combiner.kind === 'stack';
  const total: Record<string, number> = {};
  let weightSeen = 0;
  for (const member of members) {
    const weight = stacked ? 1 : member.weight;
    if (!(weight > 0)) continue;
    const trees = member.models.filter(isTreeModel);
    if (trees.length === 0 || trees.length !== member.models.length) continue;
    for (const model of trees) {
      const shares = featureShares(model, table);
      if (!shares) continue;
      shares.forEach((share, f) => {
        const column = owner[f];
        if (column !== undefined) total[column] = (total[column] ?? 0) + (share * weight) / trees.length;
      });
    }
    weightSeen += weight;
  }
  if (weightSeen === 0) return null;
  const sum = Object.values(total).reduce((s, v) => s + v, 0);
  if (!(sum > 0)) return null;
  return Object.fromEntries(manifest.pipeline.steps.map((s) => [s.column, (total[s.column] ?? 0) / sum]));
}

function isTreeModel(model: Predictor): boolean {
  return model instanceof GbdtModel || model instanceof ForestModel;
}

/** Mean |SHAP| per feature over rows and outputs, as shares of their sum (null when all are 0). */
function featureShares(model: Predictor, table: FeatureTable): Float64Array | null {
  const shap = modelShap(model, table);
  const features = shap.featureNames.length;
  const mean = new Float64Array(features);
  for (const values of shap.values) {
    for (let i = 0; i < values.length; i++) mean[i % features] = mean[i % features]! + Math.abs(values[i]!);
  }
  const sum = mean.reduce((s, v) => s + v, 0);
  if (!(sum > 0)) return null;
  for (let f = 0; f < features; f++) mean[f] = mean[f]! / sum;
  return mean;
}
