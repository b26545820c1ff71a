/**
 * The reference TreeSHAP for tests and benchmarks, not used by the product: the classic
 * path-dependent algorithm (Lundberg, Erion & Lee 2018, Algorithm 2), O(leaves · depth²) per tree
 * and row, which tree-shap.ts replaced. Its tests check it against brute-force Shapley values, and
 * tree-shap.test.ts checks the fast algorithm against it on every kind of tree; bench/serve's
 * explain benchmark runs it beside the fast one.
 *
 * The walk keeps the set of features met on the path from the root ("unique path"), each with the
 * fraction of cover that flows through it when the feature is absent (`zero`) and whether the row
 * itself goes this way when it is present (`one`), and the permutation weights of every subset size
 * (`pweight`). EXTEND adds a feature; UNWIND removes one, which is needed when a feature splits
 * again deeper down and when a leaf reads off each feature's contribution.
 */
import type { FeatureTable, TreeArrays } from '../types.js';
import { shapTree, type TreeShapResult } from './tree-shap.js';
import type { FeatureLookup } from './tree-walk.js';
import { featureColumns, goesLeft, treeDepth } from './tree-walk.js';


/** Scratch space of one tree walk: one path segment per tree level. */
class PathStore {
  readonly feature: Int32Array;
  readonly zero: Float64Array;
  readonly one: Float64Array;
  readonly weight: Float64Array;

  constructor(
    readonly stride: number,
    levels: number,
  ) {
    const size = stride * levels;
    this.feature = new Int32Array(size);
    this.zero = new Float64Array(size);
    this.one = new Float64Array(size);
    this.weight = new Float64Array(size);
  }

  /** Appends (feature, zero, one) at index `depth` of the segment at `base`, updating the weights. */
  extend(base: number, depth: number, zero: number, one: number, feature: number): void {
    const w = this.weight;
    this.feature[base + depth] = feature;
    this.zero[base + depth] = zero;
    this.one[base + depth] = one;
    w[base + depth] = depth === 0 ? 1 : 0;
    for (let i = depth - 1; i >= 0; i--) {
      w[base + i + 1] = w[base + i + 1]! + (one * w[base + i]! * (i + 1)) / (depth + 1);
      w[base + i] = (zero * w[base + i]! * (depth - i)) / (depth + 1);
    }
  }

  /** Removes entry `index` from the segment holding entries 0..depth. */
  unwind(base: number, depth: number, index: number): void {
    const w = this.weight;
    const one = this.one[base + index]!;
    const zero = this.zero[base + index]!;
    let next = w[base + depth]!;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const saved = w[base + i]!;
        w[base + i] = (next * (depth + 1)) / ((i + 1) * one);
        next = saved - (w[base + i]! * zero * (depth - i)) / (depth + 1);
      } else {
        w[base + i] = (w[base + i]! * (depth + 1)) / (zero * (depth - i));
      }
    }
    for (let i = index; i < depth; i++) {
      this.feature[base + i] = this.feature[base + i + 1]!;
      this.zero[base + i] = this.zero[base + i + 1]!;
      this.one[base + i] = this.one[base + i + 1]!;
    }
  }

  /** Total weight left after unwinding entry `index`, without changing the segment. */
  unwoundSum(base: number, depth: number, index: number): number {
    const w = this.weight;
    const one = this.one[base + index]!;
    const zero = this.zero[base + index]!;
    let next = w[base + depth]!;
    let total = 0;
    for (let i = depth - 1; i >= 0; i--) {
      if (one !== 0) {
        const t = (next * (depth + 1)) / ((i + 1) * one);
        total += t;
        next = w[base + i]! - (t * zero * (depth - i)) / (depth + 1);
      } else if (zero !== 0) {
        total += (w[base + i]! * (depth + 1)) / (zero * (depth - i));
      }
    }
    return total;
  }

  copy(from: number, to: number, count: number): void {
    // element by element: the segments are short, where copyWithin's call cost dominates
    for (let i = 0; i < count; i++) {
      this.feature[to + i] = this.feature[from + i]!;
      this.zero[to + i] = this.zero[from + i]!;
      this.one[to + i] = this.one[from + i]!;
      this.weight[to + i] = this.weight[from + i]!;
    }
  }
}

/** Walks one tree for one row at a time, adding its SHAP values to phi. */
class TreeShapWalker {
  #columns: readonly Float64Array[] = [];
  #row = 0;
  #phi: Float64Array = new Float64Array(0);
  #phiOffset = 0;

  constructor(
    private readonly tree: TreeArrays,
    private readonly store: PathStore,
  ) {}

  explain(columns: readonly Float64Array[], row: number, phi: Float64Array, phiOffset: number): void {
    this.#columns = columns;
    this.#row = row;
    this.#phi = phi;
    this.#phiOffset = phiOffset;
    this.#recurse(0, 0, 0, 1, 1, -1);
  }

  #recurse(node: number, level: number, depth: number, zeroFraction: number, oneFraction: number, feature: number): void {
    // a branch no row reaches with or without the feature adds nothing
    if (zeroFraction === 0 && oneFraction === 0) return;
    const { tree, store } = this;
    const stride = store.stride;
    const base = level * stride;
    if (level > 0) store.copy(base - stride, base, depth);
    store.extend(base, depth, zeroFraction, oneFraction, feature);
    const left = tree.left[node]!;
    if (left < 0) {
      const value = tree.value[node]!;
      const phi = this.#phi;
      for (let i = 1; i <= depth; i++) {
        const w = store.unwoundSum(base, depth, i);
        const f = this.#phiOffset + store.feature[base + i]!;
        phi[f] = phi[f]! + w * (store.one[base + i]! - store.zero[base + i]!) * value;
      }
      return;
    }
    const right = tree.right[node]!;
    const split = tree.feature[node]!;
    const leftFirst = goesLeft(tree, node, this.#columns[split]![this.#row]!);
    const hot = leftFirst ? left : right;
    const cold = leftFirst ? right : left;
    const cover = tree.cover[node]!;
    const hotShare = cover > 0 ? tree.cover[hot]! / cover : 0;
    const coldShare = cover > 0 ? tree.cover[cold]! / cover : 0;
    let incomingZero = 1;
    let incomingOne = 1;
    let d = depth;
    // a feature met again is taken off the path and re-entered with its combined fractions
    for (let k = 1; k <= depth; k++) {
      if (store.feature[base + k] === split) {
        incomingZero = store.zero[base + k]!;
        incomingOne = store.one[base + k]!;
        store.unwind(base, depth, k);
        d--;
        break;
      }
    }
    this.#recurse(hot, level + 1, d + 1, hotShare * incomingZero, incomingOne, split);
    this.#recurse(cold, level + 1, d + 1, coldShare * incomingZero, 0, split);
  }
}

/** Walkers kept per tree, as the product kept them before tree-shap.ts replaced this algorithm. */
const walkers = new WeakMap<TreeArrays, TreeShapWalker>();

/** Path-dependent SHAP values of the summed outputs of `trees`, rows × featureCount (see treeShap). */
export function referenceTreeShap(trees: readonly TreeArrays[], featureCount: number, table: FeatureTable, options: FeatureLookup = {}): TreeShapResult {
  const columns = featureColumns(table, featureCount, options);
  const values = new Float64Array(table.rows * featureCount);
  let expectedValue = 0;
  for (const tree of trees) {
    let walker = walkers.get(tree);
    if (!walker) {
      const depth = treeDepth(tree);
      walker = new TreeShapWalker(tree, new PathStore(depth + 2, depth + 1));
      walkers.set(tree, walker);
    }
    expectedValue += shapTree(tree).expected;
    for (let row = 0; row < table.rows; row++) walker.explain(columns, row, values, row * featureCount);
  }
  return { values, expectedValue };
}
