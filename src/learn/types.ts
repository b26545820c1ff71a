/**
 * Shared shapes of the learning core. Everything here is plain data on typed arrays, so models
 * serialise to JSON, cross worker threads and go into model bundles unchanged.
 */

/** One input column. Categorical values are integer codes 0..categories.length-1; NaN is missing. */
export interface FeatureColumn {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  readonly values: Float64Array;
  /** category labels for codes, when type is 'categorical' */
  readonly categories?: readonly string[];
}

/** Columnar input: every column has `rows` values. */
export interface FeatureTable {
  readonly rows: number;
  readonly columns: readonly FeatureColumn[];
}

export type Task = 'binary' | 'multiclass' | 'regression';

/**
 * One decision tree as parallel arrays indexed by node; node 0 is the root.
 * A node is a leaf when `left[i] === -1`. Numeric split: x <= threshold goes left.
 * Categorical split: categories whose bit is set in catBits[catOffset[i] .. catOffset[i]+catWords[i]) go left.
 * Missing values (NaN, unseen categories) go left when defaultLeft[i] === 1.
 * At a categorical node `threshold` holds the number of categories known in training: a code outside
 * 0..threshold-1 (unseen, or beyond the bin budget) or not an integer counts as missing.
 */
export interface TreeArrays {
  readonly feature: Int32Array; // -1 at leaves
  readonly threshold: Float64Array; // raw-value threshold for numeric splits
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly defaultLeft: Uint8Array;
  readonly isCategorical: Uint8Array;
  readonly catOffset: Int32Array;
  readonly catWords: Int32Array;
  readonly catBits: Uint32Array;
  /** output at leaves (already scaled by the learning rate); internal nodes hold the weighted mean, for explanations */
  readonly value: Float64Array;
  /** sum of hessians (or of weights) of training rows reaching the node — TreeSHAP's cover */
  readonly cover: Float64Array;
  /** split gain at internal nodes, 0 at leaves */
  readonly gain: Float64Array;
  /**
   * training rows reaching the node (distinct rows the tree was grown on: a bag or a sample when
   * the learner draws one); absent in models saved before it was kept
   */
  readonly count?: Uint32Array;
}

/**
 * What every fitted model offers (gradient-boosted trees, forests, linear models).
 * Labels for classification are class indices 0..numClasses-1 stored as numbers.
 */
export interface Predictor {
  readonly task: Task;
  /** number of classes; 1 for regression */
  readonly numClasses: number;
  /** the columns the model was fitted on, in order; prediction input is matched by name */
  readonly featureNames: readonly string[];
  /**
   * Classification: row-major n × numClasses probabilities (binary gives 2 columns).
   * Regression: n predicted values. A new array each call, the caller's to keep or overwrite.
   */
  predict(table: FeatureTable): Float64Array;
  /**
   * `predict` in two steps, for models that score big batches on the prediction worker threads:
   * the workers start now and the returned function gives the predictions (this thread joins in).
   * In between the caller may score other models; `table` must be left as it is until then.
   */
  predictLater?(table: FeatureTable): () => Float64Array;
  /** JSON-serialisable; `loadModel` (learn/index.ts) restores a model that predicts bit-identically */
  toJSON(): { readonly kind: string } & Record<string, unknown>;
}
