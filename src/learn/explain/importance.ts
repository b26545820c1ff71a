/**
 * Global importances: from the trees themselves (total split gain, or number of splits, per
 * feature), and by permutation for any Predictor (how much a metric worsens when one column's
 * values are shuffled, breaking its link to the target).
 */
import { InputError } from '../../common/index.js';
import { Rng, shuffleInPlace } from '../random.js';
import type { FeatureColumn, FeatureTable, Predictor, TreeArrays } from '../types.js';

export type TreeImportanceKind = 'gain' | 'split';

/** Per feature: the summed gain of its splits, or how often it splits. */
export function treeImportance(trees: readonly TreeArrays[], featureCount: number, kind: TreeImportanceKind = 'gain'): Float64Array {
  const importance = new Float64Array(featureCount);
  for (const tree of trees) {
    for (let node = 0; node < tree.left.length; node++) {
      if (tree.left[node]! < 0) continue;
      const f = tree.feature[node]!;
      if (f < 0 || f >= featureCount) continue;
      importance[f] = importance[f]! + (kind === 'gain' ? tree.gain[node]! : 1);
    }
  }
  return importance;
}

export interface PermutationOptions {
  /** shuffles per feature (default 5) */
  readonly repeats?: number;
  readonly seed?: number;
  /** true when a higher metric is better (AUC, R², accuracy); false for losses (default true) */
  readonly greaterIsBetter?: boolean;
}

export interface PermutationImportance {
  /** the metric on the unshuffled table */
  readonly baseline: number;
  /** in model.featureNames order: mean worsening of the metric over the repeats (positive = useful) */
  readonly importances: Float64Array;
  /** standard deviation of the worsening over the repeats */
  readonly std: Float64Array;
}

/**
 * Permutation importance of each of the model's features. `metric(y, predictions)` receives the
 * model's predict output (probabilities for classifiers, values for regression).
 */
export function permutationImportance(
  model: Predictor,
  table: FeatureTable,
  y: Float64Array,
  metric: (y: Float64Array, predictions: Float64Array) => number,
  options: PermutationOptions = {},
): PermutationImportance {
  const repeats = options.repeats ?? 5;
  const sign = (options.greaterIsBetter ?? true) ? 1 : -1;
  if (!(repeats >= 1)) throw new InputError(`permutation importance needs at least one repeat, got ${repeats}`, 'use repeats ≥ 1');
  if (y.length !== table.rows) throw new InputError(`the target has ${y.length} values for ${table.rows} rows`, 'give one target value per row');
  const rng = new Rng(options.seed ?? 0);
  const baseline = metric(y, model.predict(table));
  const featureCount = model.featureNames.length;
  const importances = new Float64Array(featureCount);
  const std = new Float64Array(featureCount);
  const drops = new Float64Array(repeats);
  model.featureNames.forEach((name, f) => {
    const index = table.columns.findIndex((c) => c.name === name);
    if (index < 0) throw new InputError(`column '${name}' is missing from the table`, 'pass every column the model was trained on');
    const original = table.columns[index]!;
    for (let r = 0; r < repeats; r++) {
      const shuffled: FeatureColumn = { ...original, values: shuffleInPlace(original.values.slice(0, table.rows), rng) };
      const columns = table.columns.slice();
      columns[index] = shuffled;
      drops[r] = sign * (baseline - metric(y, model.predict({ rows: table.rows, columns })));
    }
    let mean = 0;
    for (const d of drops) mean += d;
    mean /= repeats;
    let variance = 0;
    for (const d of drops) variance += (d - mean) ** 2;
    importances[f] = mean;
    std[f] = Math.sqrt(variance / repeats);
  });
  return { baseline, importances, std };
}
