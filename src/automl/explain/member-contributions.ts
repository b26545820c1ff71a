/**
 * One fitted model's contributions per input (source) column, on the model's own additive scale:
 * TreeSHAP for tree models (exact), coefficient × (standardised value or one-hot slot) for linear
 * models (exact), nothing for the prior (a constant). Anything else is not explained and says why.
 */
import { encodeDesign, ForestModel, GbdtModel, LinearModel, modelShap } from '../../learn/index.js';
import type { FeatureTable, Predictor, Task } from '../../learn/types.js';
import { LogTargetModel } from '../log-target-model.js';
import { PriorModel } from '../prior-model.js';

/** The additive scale a member's contributions are on. */
export type ContributionScale = 'log-odds' | 'softmax-margin' | 'probability' | 'value' | 'log1p-value';

export interface ModelContributions {
  readonly scale: ContributionScale;
  /** per explained output: rows × source columns, row-major */
  readonly values: readonly Float64Array[];
  /** per explained output: what the values add to (base + Σ values = the model's raw score) */
  readonly base: readonly number[];
}

export type ModelExplanation = { readonly explained: true; readonly contributions: ModelContributions } | { readonly explained: false; readonly reason: string };

/** Outputs explained for a task: the positive class (class 1) for binary, every class for multiclass, the value for regression. */
export function explainedOutputs(task: Task, numClasses: number): number {
  return task === 'multiclass' ? numClasses : 1;
}

/** Which source column each engineered feature (table column, by name) adds to; made once per explained table. */
export interface SourceColumns {
  /** the number of source columns */
  readonly width: number;
  /** feature name → source column index (absent: the feature is not a table column) */
  readonly ofFeature: ReadonlyMap<string, number>;
}

/** `sources[f]` names table column f's source column and `columnIndex` numbers the source columns. */
export function sourceColumnsOf(table: FeatureTable, sources: readonly string[], columnIndex: ReadonlyMap<string, number>): SourceColumns {
  const ofFeature = new Map<string, number>();
  table.columns.forEach((c, f) => {
    if (!ofFeature.has(c.name)) ofFeature.set(c.name, columnIndex.get(sources[f]!) ?? -1);
  });
  return { width: columnIndex.size, ofFeature };
}

/**
 * Contributions per source column (`sourceColumnsOf`).
 * The model's raw score: the margin (log-odds, softmax margin or value) of boosting and linear
 * models, the mean of the trees (class probability or value) of forests, the log-scale output of a
 * log-target model, the output of the prior.
 */
export function explainModel(
  model: Predictor,
  table: FeatureTable,
  sourceColumns: SourceColumns,
  task: Task,
  numClasses: number,
): ModelExplanation {
  const outputs = explainedOutputs(task, numClasses);
  const width = sourceColumns.width;
  const sourceOf = (featureName: string): number => sourceColumns.ofFeature.get(featureName) ?? -1;
  const empty = (): Float64Array[] => Array.from({ length: outputs }, () => new Float64Array(table.rows * width));
  const marginScale: ContributionScale = task === 'regression' ? 'value' : task === 'binary' ? 'log-odds' : 'softmax-margin';
  if (model instanceof LogTargetModel) {
    const inner = explainModel(model.logScale.inner, table, sourceColumns, task, numClasses);
    return inner.explained ? { explained: true, contributions: { ...inner.contributions, scale: 'log1p-value' } } : inner;
  }
  if (model instanceof GbdtModel || model instanceof ForestModel) {
    const shap = modelShap(model, table);
    const owner = shap.featureNames.map(sourceOf);
    const values = empty();
    for (let k = 0; k < outputs; k++) {
      const from = shap.values[k]!;
      const to = values[k]!;
      const features = owner.length;
      for (let r = 0; r < table.rows; r++) {
        for (let f = 0; f < features; f++) {
          const c = owner[f]!;
          if (c >= 0) to[r * width + c] = to[r * width + c]! + from[r * features + f]!;
        }
      }
    }
    const scale = model instanceof GbdtModel ? marginScale : task === 'regression' ? 'value' : 'probability';
    return { explained: true, contributions: { scale, values, base: shap.expectedValues.slice(0, outputs) } };
  }
  if (model instanceof LinearModel) {
    const { coef, intercept, outputs: linearOutputs } = model.weights;
    if (linearOutputs !== outputs) return { explained: false, reason: `a linear model with ${linearOutputs} outputs for ${outputs}` };
    const design = model.designSpec;
    const encoded = encodeDesign(design, table);
    // every coefficient slot's source column: the reference point (base = intercept) is each numeric
    // input at its training mean and not missing, and no category
    const slotSource = new Int32Array(design.width).fill(-1);
    for (const column of design.columns) {
      const c = sourceOf(column.name);
      if (column.kind === 'numeric') {
        slotSource[column.slot] = c;
        if (column.missingSlot >= 0) slotSource[column.missingSlot] = c;
      } else {
        for (let level = 0; level < column.levels; level++) slotSource[column.offset + level] = c;
      }
    }
    const values = empty();
    for (let k = 0; k < outputs; k++) {
      const to = values[k]!;
      const offset = k * design.width;
      for (const { slot, values: x } of encoded.dense) {
        const c = slotSource[slot]!;
        const w = coef[offset + slot]!;
        if (c < 0 || w === 0) continue;
        for (let r = 0; r < table.rows; r++) to[r * width + c] = to[r * width + c]! + w * x[r]!;
      }
      for (const block of encoded.categorical) {
        for (let r = 0; r < table.rows; r++) {
          const code = block.codes[r]!;
          if (code < 0) continue;
          const slot = block.offset + code;
          const c = slotSource[slot]!;
          if (c >= 0) to[r * width + c] = to[r * width + c]! + coef[offset + slot]!;
        }
      }
    }
    return { explained: true, contributions: { scale: marginScale, values, base: Array.from(intercept.subarray(0, outputs)) } };
  }
  if (model instanceof PriorModel) {
    const output = model.toJSON().output;
    const base = task === 'binary' ? [output[1] ?? 0] : output.slice(0, outputs);
    return { explained: true, contributions: { scale: task === 'regression' ? 'value' : 'probability', values: empty(), base } };
  }
  return { explained: false, reason: `models of kind '${model.toJSON().kind}' have no exact explanation here` };
}
