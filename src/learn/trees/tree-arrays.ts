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
  const threshold = new Float64Array(n);
  const catOffset = new Int32Array(n);
  const catWords = new Int32Array(n);
  const bits: number[] = [];
  for (let i = 0; i < n; i++) {
    const f = grown.feature[i]!;
    if (f < 0) continue;
    const feature = mapper.features[f]!;
    if (grown.isCategorical[i] === 1) {
      const left = grown.catLeftBins.get(i)!;
      const words = Math.ceil(feature.numBins / 32);
      catOffset[i] = bits.length;
      catWords[i] = words;
      for (let w = 0; w < words; w++) {
        let word = 0;
        for (let b = 0; b < 32; b++) if (left[w * 32 + b] === 1) word |= 1 << b;
        bits.push(word >>> 0);
      }
      threshold[i] = feature.numBins;
    } else threshold[i] = feature.edges[grown.thresholdBin[i]!]!;
  }
  const value = new Float64Array(n);
  const cover = Float64Array.from(grown.hess);
  // children are appended after their parent, so a reverse pass sees children first
  for (let i = n - 1; i >= 0; i--) {
    const l = grown.left[i]!;
    if (l < 0) value[i] = leafValue(i);
    else {
      const r = grown.right[i]!;
      const c = cover[l]! + cover[r]!;
      value[i] = c > 0 ? (value[l]! * cover[l]! + value[r]! * cover[r]!) / c : (value[l]! + value[r]!) / 2;
    }
  }
  return compactTree({
    feature: grown.feature,
    threshold,
    left: grown.left,
    right: grown.right,
    defaultLeft: grown.defaultLeft,
    isCategorical: grown.isCategorical,
    catOffset,
    catWords,
    catBits: Uint32Array.from(bits),
    value,
    cover,
    gain: grown.gain,
    count: Uint32Array.from(grown.count),
  });
}

/**
 * A copy of `tree` whose twelve (thirteen with `count`) arrays are views of one buffer. An AutoML search keeps the fold
 * models of its best candidates — some 100,000 small trees on a tiny table — and one buffer per
 * array (an object and a separate allocation each) was most of their memory.
 */
export function compactTree(tree: TreeArrays): TreeArrays {
  // 8-byte arrays first, then 4-byte, then bytes: every view is aligned
  const wide = [tree.threshold, tree.value, tree.cover, tree.gain];
  const words = [tree.feature, tree.left, tree.right, tree.catOffset, tree.catWords, tree.catBits, ...(tree.count ? [tree.count] : [])];
  const bytes = [tree.defaultLeft, tree.isCategorical];
  const size = wide.reduce((s, a) => s + a.length * 8, 0) + words.reduce((s, a) => s + a.length * 4, 0) + bytes.reduce((s, a) => s + a.length, 0);
  const buffer = new ArrayBuffer(size);
  let at = 0;
  const place = <T extends Float64Array | Int32Array | Uint32Array | Uint8Array>(source: T, make: (buffer: ArrayBuffer, offset: number, length: number) => T): T => {
    const view = make(buffer, at, source.length);
    view.set(source as never);
    at += source.byteLength;
    return view;
  };
  const f64 = (a: Float64Array): Float64Array => place(a, (b, o, n) => new Float64Array(b, o, n));
  const i32 = (a: Int32Array): Int32Array => place(a, (b, o, n) => new Int32Array(b, o, n));
  const u8 = (a: Uint8Array): Uint8Array => place(a, (b, o, n) => new Uint8Array(b, o, n));
  const threshold = f64(tree.threshold);
  const value = f64(tree.value);
  const cover = f64(tree.cover);
  const gain = f64(tree.gain);
  const feature = i32(tree.feature);
  const left = i32(tree.left);
  const right = i32(tree.right);
  const catOffset = i32(tree.catOffset);
  const catWords = i32(tree.catWords);
  const catBits = place(tree.catBits, (b, o, n) => new Uint32Array(b, o, n));
  const count = tree.count ? place(tree.count, (b, o, n) => new Uint32Array(b, o, n)) : undefined;
  const defaultLeft = u8(tree.defaultLeft);
  const isCategorical = u8(tree.isCategorical);
  return { feature, threshold, left, right, defaultLeft, isCategorical, catOffset, catWords, catBits, value, cover, gain, ...(count ? { count } : {}) };
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
