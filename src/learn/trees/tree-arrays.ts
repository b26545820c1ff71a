import { InputError } from '../../common/errors.js';
import type { FeatureTable, TreeArrays } from '../types.js';
import type { BinMapper } from './binning.js';
import type { GrownTree } from './grow-tree.js';

/**
 * Turns a tree grown in bin space into `TreeArrays` on raw values. Numeric thresholds become the
 * bin's upper edge. Categorical nodes keep a bitset over codes and, in `threshold`, the number of
 * categories known at training: codes at or over it (unseen) count as missing.
 * Leaves get `leafValue(node)`; internal nodes the cover-weighted mean of their children.
 */
export function toTreeArrays(grown: GrownTree, mapper: BinMapper, leafValue: (node: number) => number): TreeArrays {
  const n = grown.numNodes;
  const bits: number[] = [];
  const catNodes: number[] = [];
  for (let i = 0; i < n; i++) {
    if (grown.feature[i]! < 0 || grown.isCategorical[i] !== 1) continue;
    const words = Math.ceil(mapper.features[grown.feature[i]!]!.numBins / 32);
    const left = grown.catLeftBins.get(i)!;
    catNodes.push(i, bits.length, words);
    for (let w = 0; w < words; w++) {
      let word = 0;
      for (let b = 0; b < 32; b++) if (left[w * 32 + b] === 1) word |= 1 << b;
      bits.push(word >>> 0);
    }
  }
  // written straight into the one buffer of the kept tree (no per-array copies to compact later)
  const tree = treeStorage(n, bits.length, true);
  const { threshold, value, cover } = tree;
  tree.feature.set(grown.feature.subarray(0, n));
  tree.left.set(grown.left.subarray(0, n));
  tree.right.set(grown.right.subarray(0, n));
  tree.defaultLeft.set(grown.defaultLeft.subarray(0, n));
  tree.isCategorical.set(grown.isCategorical.subarray(0, n));
  tree.gain.set(grown.gain.subarray(0, n));
  tree.catBits.set(bits);
  for (let i = 0; i < n; i++) tree.count![i] = grown.count[i]!;
  for (let j = 0; j < catNodes.length; j += 3) {
    const i = catNodes[j]!;
    tree.catOffset[i] = catNodes[j + 1]!;
    tree.catWords[i] = catNodes[j + 2]!;
    threshold[i] = mapper.features[grown.feature[i]!]!.numBins;
  }
  for (let i = 0; i < n; i++) {
    const f = grown.feature[i]!;
    if (f >= 0 && grown.isCategorical[i] !== 1) threshold[i] = mapper.features[f]!.edges[grown.thresholdBin[i]!]!;
  }
  cover.set(grown.hess.subarray(0, n));
  fillValues(tree, value, leafValue);
  return tree;
}

/**
 * The same tree with other leaf values: every array but `value` shared with `tree` (a
 * multiclass forest's trees of one estimator, one per class, differ only in their leaves).
 */
export function withLeafValues(tree: TreeArrays, leafValue: (node: number) => number): TreeArrays {
  const value = new Float64Array(tree.left.length);
  fillValues(tree, value, leafValue);
  return { ...tree, value };
}

/** Leaves get `leafValue(node)`, internal nodes the cover-weighted mean of their children. */
function fillValues(tree: TreeArrays, value: Float64Array, leafValue: (node: number) => number): void {
  const { left, right, cover } = tree;
  // children are appended after their parent, so a reverse pass sees children first
  for (let i = left.length - 1; i >= 0; i--) {
    const l = left[i]!;
    if (l < 0) value[i] = leafValue(i);
    else {
      const r = right[i]!;
      const c = cover[l]! + cover[r]!;
      value[i] = c > 0 ? (value[l]! * cover[l]! + value[r]! * cover[r]!) / c : (value[l]! + value[r]!) / 2;
    }
  }
}

/**
 * Zeroed arrays of a tree of `nodes` nodes as views of one buffer: 8-byte arrays first, then
 * 4-byte, then bytes, so every view is aligned. An AutoML search keeps the fold models of its best
 * candidates — some 100,000 small trees on a tiny table — and one buffer per array (an object and
 * a separate allocation each) was most of their memory.
 */
function treeStorage(nodes: number, catBits: number, withCount: boolean): TreeArrays & { count: Uint32Array | undefined } {
  const buffer = new ArrayBuffer(nodes * (4 * 8 + (withCount ? 6 : 5) * 4 + 2) + catBits * 4);
  let at = 0;
  const take = <T>(make: (buffer: ArrayBuffer, offset: number, length: number) => T, length: number, width: number): T => {
    const view = make(buffer, at, length);
    at += length * width;
    return view;
  };
  const f64 = (): Float64Array => take((b, o, n) => new Float64Array(b, o, n), nodes, 8);
  const i32 = (length = nodes): Int32Array => take((b, o, n) => new Int32Array(b, o, n), length, 4);
  const u8 = (): Uint8Array => take((b, o, n) => new Uint8Array(b, o, n), nodes, 1);
  const threshold = f64();
  const value = f64();
  const cover = f64();
  const gain = f64();
  const feature = i32();
  const left = i32();
  const right = i32();
  const catOffset = i32();
  const catWords = i32();
  const bits = take((b, o, n) => new Uint32Array(b, o, n), catBits, 4);
  const count = withCount ? take((b, o, n) => new Uint32Array(b, o, n), nodes, 4) : undefined;
  const defaultLeft = u8();
  const isCategorical = u8();
  return { feature, threshold, left, right, defaultLeft, isCategorical, catOffset, catWords, catBits: bits, value, cover, gain, count };
}

/** A copy of `tree` whose twelve (thirteen with `count`) arrays are views of one buffer (`treeStorage`). */
export function compactTree(tree: TreeArrays): TreeArrays {
  const out = treeStorage(tree.feature.length, tree.catBits.length, tree.count !== undefined);
  out.threshold.set(tree.threshold);
  out.value.set(tree.value);
  out.cover.set(tree.cover);
  out.gain.set(tree.gain);
  out.feature.set(tree.feature);
  out.left.set(tree.left);
  out.right.set(tree.right);
  out.catOffset.set(tree.catOffset);
  out.catWords.set(tree.catWords);
  out.catBits.set(tree.catBits);
  out.defaultLeft.set(tree.defaultLeft);
  out.isCategorical.set(tree.isCategorical);
  if (tree.count !== undefined) out.count!.set(tree.count);
  const { count, ...rest } = out;
  return count !== undefined ? { ...rest, count } : rest;
}

/**
 * Whether raw value `x` goes to the left child at internal node `node`: at a categorical node
 * `threshold` holds the number of categories known in training, and a code outside
 * 0..threshold−1 (an unseen category) or NaN takes the default direction; a code past the node's
 * `catWords` (a tree built by hand) has no bit set.
 */
export function goesLeft(tree: TreeArrays, node: number, x: number): boolean {
  if (x !== x) return tree.defaultLeft[node] === 1;
  if (tree.isCategorical[node] === 1) {
    if (!(x >= 0 && x < tree.threshold[node]!) || !Number.isInteger(x)) return tree.defaultLeft[node] === 1;
    const word = x >>> 5;
    if (word >= tree.catWords[node]!) return false;
    return ((tree.catBits[tree.catOffset[node]! + word]! >>> (x & 31)) & 1) === 1;
  }
  return x <= tree.threshold[node]!;
}

/** The leaf reached by row `row` of the row-major block `x` (numFeatures values per row). */
export function leafOf(tree: TreeArrays, x: Float64Array, row: number, numFeatures: number): number {
  const feature = tree.feature;
  const left = tree.left;
  const right = tree.right;
  const threshold = tree.threshold;
  const base = row * numFeatures;
  let node = 0;
  while (left[node]! >= 0) {
    const v = x[base + feature[node]!]!;
    let goLeft: boolean;
    if (v !== v) goLeft = tree.defaultLeft[node] === 1;
    else if (tree.isCategorical[node] === 1) goLeft = goesLeft(tree, node, v);
    else goLeft = v <= threshold[node]!;
    node = goLeft ? left[node]! : right[node]!;
  }
  return node;
}

/**
 * Nodes a row visits on its way to a leaf, on average over the training rows (`count`), or over
 * the leaves alike when the tree has no counts: what one row costs to walk through the tree.
 */
export function expectedPathLength(tree: TreeArrays): number {
  let weighted = 0;
  let weight = 0;
  const stack: number[] = [0, 1];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const node = stack.pop()!;
    const l = tree.left[node]!;
    if (l >= 0) {
      stack.push(l, depth + 1, tree.right[node]!, depth + 1);
      continue;
    }
    const w = tree.count ? tree.count[node]! : 1;
    weighted += w * depth;
    weight += w;
  }
  return weight > 0 ? weighted / weight : 1;
}

/** The leaf reached by a binned row (bins row-major, as in `BinnedDataset.codes`). */
export function leafOfBinned(tree: TreeArrays, thresholdBin: Int32Array, missingBin: Int32Array, codes: Uint8Array, row: number, numFeatures: number): number {
  const feature = tree.feature;
  const left = tree.left;
  const base = row * numFeatures;
  let node = 0;
  while (left[node]! >= 0) {
    const f = feature[node]!;
    const b = codes[base + f]!;
    let goLeft: boolean;
    if (b === missingBin[f]) goLeft = tree.defaultLeft[node] === 1;
    else if (tree.isCategorical[node] === 1) goLeft = ((tree.catBits[tree.catOffset[node]! + (b >>> 5)]! >>> (b & 31)) & 1) === 1;
    else goLeft = b <= thresholdBin[node]!;
    node = goLeft ? left[node]! : tree.right[node]!;
  }
  return node;
}

/** The table's columns in the model's feature order; a missing column is a clear error. */
export function columnsByName(table: FeatureTable, featureNames: readonly string[]): Float64Array[] {
  // the usual table is the pipeline's output the model was trained on, its columns in the model's
  // order: no name map to build (a served record pays for this once per fold model)
  const { columns } = table;
  let inOrder = columns.length === featureNames.length;
  for (let i = 0; inOrder && i < columns.length; i++) inOrder = columns[i]!.name === featureNames[i];
  const byName = inOrder ? undefined : new Map(columns.map((c) => [c.name, c.values]));
  return featureNames.map((name, i) => {
    const values = byName ? byName.get(name) : columns[i]!.values;
    if (values === undefined) throw new InputError(`column '${name}' is missing from the input`, 'pass every column the model was trained on');
    if (values.length < table.rows) throw new InputError(`column '${name}' has ${values.length} values for ${table.rows} rows`, 'give every column one value per row');
    return values;
  });
}
