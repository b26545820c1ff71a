/**
 * Exact path-dependent TreeSHAP (the values of Lundberg, Erion & Lee 2018: a feature outside the
 * coalition is integrated out along the tree's own cover proportions) in O(nodes · depth) per tree
 * and row, after the polynomial view of Linear TreeSHAP (Yu, Bao et al., NeurIPS 2022).
 *
 * The maths. On its path a leaf l meets each feature j once or more; fold its conditions into
 * q_j (the cover fraction that flows along the path when j is absent) and p_j (1 when the row
 * itself follows every condition on j, else 0). The leaf's part of E[f | S] is
 * v_l · Π_{j∈S} p_j · Π_{j∉S} q_j, a product game whose Shapley values are, by Owen's multilinear
 * extension,  φ_i = v_l (p_i − q_i) ∫₀¹ Π_{j≠i} h_j(t) dt  with  h_j(t) = q_j + (p_j − q_j) t.
 * The integrand is a polynomial of degree < d (the leaf's distinct features), so Gauss–Legendre
 * quadrature with ⌈d/2⌉ points is exact; every quantity below is a vector of its values at those
 * points. Summed over leaves, bottom-up: U(n) = Σ_{leaves under n} v_l Π_j h_j (the products on the
 * way down, the sums as each subtree closes). For an edge e on feature i, K(e) = Σ_{leaves under e} of the
 * leaf's product without its i factor = (U(e) − Σ U(e'))/h_e + Σ K(e'), e' the next edges on i below
 * e, whose leaves carry their own i factor; and φ_i = Σ_e ((p_e − q_e) − (p_a − q_a)) ∫K(e), a being
 * the edge on i above e (the telescoping gives each leaf the factor of its deepest edge on i).
 * The products are of positive numbers (h_j(t) > 0 inside (0, 1) unless q = p = 0, a branch that
 * contributes nothing and is skipped) and the quadrature weights are positive, so nothing cancels
 * beyond the leaf values' own signs: no unwinding of the classic algorithm's divisions.
 *
 * Per tree, once (`shapTree`, kept in a WeakMap — trees do not change after training): the nodes
 * in preorder with each edge's cover share, the edge above on the same feature, and the tree's
 * expected output and quadrature, and each split's test (threshold and routing, read without the
 * TreeArrays): 57 bytes a node (8 int32 links, share, value, threshold, routing), about 49 MB for
 * a 2,743-tree credit_data bundle of 853k nodes (mostly a forest's deep trees), made in ~0.1 s.
 * Per row: one preorder pass, the open path's sums and each open edge's 1 / h in a scratch shared
 * by all trees (depth × points doubles ×5, in the first-level cache, fitted once per call).
 */
import type { FeatureTable, TreeArrays } from '../types.js';
import { featureColumns, goesLeft, type FeatureLookup } from './tree-walk.js';

export interface TreeShapResult {
  /** rows × featureCount, row-major */
  readonly values: Float64Array;
  /** the cover-weighted mean output of the trees (excludes any base score added by the model) */
  readonly expectedValue: number;
}

/** Gauss–Legendre points and weights on [0, 1]: exact for polynomials of degree < 2 · points. */
interface Quadrature {
  readonly x: Float64Array;
  readonly w: Float64Array;
}

const quadratures: Quadrature[] = [];

function quadrature(points: number): Quadrature {
  let q = quadratures[points];
  if (q) return q;
  const x = new Float64Array(points);
  const w = new Float64Array(points);
  // Newton on the Legendre polynomial from the usual cosine guesses; roots are symmetric
  for (let i = 0; i < Math.ceil(points / 2); i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (points + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= points; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * z * p2 - (j - 1) * p3) / j;
      }
      derivative = (points * (z * p1 - p2)) / (z * z - 1);
      const step = p1 / derivative;
      z -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    const weight = 1 / ((1 - z * z) * derivative * derivative);
    x[i] = (1 - z) / 2;
    x[points - 1 - i] = (1 + z) / 2;
    w[i] = weight;
    w[points - 1 - i] = weight;
  }
  q = { x, w };
  quadratures[points] = q;
  return q;
}

/** Fields of `ShapTree.links`, per node in preorder. */
const SOURCE = 0; // the node's index in the TreeArrays
const LEVEL = 1; // its depth (the root is 0)
const RIGHT = 2; // the right child's position (-1 at leaves); the left child is the next position
const SPLIT = 3; // the node's split feature (-1 at leaves)
const EDGE = 4; // the feature of the edge into the node: its parent's split feature
const PREVIOUS = 5; // the level of the nearest edge above on the same feature, or -1
const END = 6; // the position after the node's subtree
const BELOW = 7; // 1 when an edge below has this one as PREVIOUS
const LINKS = 8;

/** `ShapTree.routing` */
const NUMERIC = 0;
const NUMERIC_RIGHT = 1;
const CATEGORICAL = 2;

/** A tree laid out for TreeSHAP (see the file's comment). */
export interface ShapTree {
  readonly tree: TreeArrays;
  readonly size: number;
  readonly depth: number;
  /** LINKS int32 fields per node in preorder */
  readonly links: Int32Array;
  /** per node in preorder: the cover share of its parent it receives, and its value */
  readonly share: Float64Array;
  readonly value: Float64Array;
  /**
   * per internal node in preorder, how a row goes: its threshold, and NUMERIC (x <= threshold
   * goes left, missing goes left), NUMERIC_RIGHT (missing goes right) or CATEGORICAL (`goesLeft`)
   */
  readonly threshold: Float64Array;
  readonly routing: Uint8Array;
  readonly quadrature: Quadrature;
  /** cover-weighted mean of the leaf values */
  readonly expected: number;
}

function layOut(tree: TreeArrays): ShapTree {
  const size = tree.left.length;
  const links = new Int32Array(size * LINKS);
  const share = new Float64Array(size);
  const value = new Float64Array(size);
  const threshold = new Float64Array(size);
  const routing = new Uint8Array(size);
  let maxFeature = 0;
  for (let n = 0; n < size; n++) maxFeature = Math.max(maxFeature, tree.feature[n]!);
  // the position of the latest edge on each feature along the path being laid out
  const lastEdge = new Int32Array(maxFeature + 1).fill(-1);
  let position = 0;
  let depth = 0;
  let distinct = 1; // the most distinct features on a path, at least 1
  const visit = (node: number, level: number, edgeFeature: number, above: number, features: number): void => {
    const at = position++;
    const link = at * LINKS;
    links[link + SOURCE] = node;
    links[link + LEVEL] = level;
    links[link + EDGE] = edgeFeature;
    links[link + PREVIOUS] = above >= 0 ? links[above * LINKS + LEVEL]! : -1;
    if (above >= 0) links[above * LINKS + BELOW] = 1;
    value[at] = tree.value[node]!;
    depth = Math.max(depth, level);
    const left = tree.left[node]!;
    if (left < 0) {
      links[link + RIGHT] = -1;
      links[link + SPLIT] = -1;
      links[link + END] = position;
      distinct = Math.max(distinct, features);
      return;
    }
    const f = tree.feature[node]!;
    links[link + SPLIT] = f;
    threshold[at] = tree.threshold[node]!;
    routing[at] = tree.isCategorical[node] === 1 ? CATEGORICAL : tree.defaultLeft[node] === 1 ? NUMERIC : NUMERIC_RIGHT;
    const cover = tree.cover[node]!;
    const saved = lastEdge[f]!;
    const more = saved < 0 ? features + 1 : features;
    share[position] = cover > 0 ? tree.cover[left]! / cover : 0;
    lastEdge[f] = position;
    visit(left, level + 1, f, saved, more);
    const right = tree.right[node]!;
    links[link + RIGHT] = position;
    share[position] = cover > 0 ? tree.cover[right]! / cover : 0;
    lastEdge[f] = position;
    visit(right, level + 1, f, saved, more);
    lastEdge[f] = saved;
    links[link + END] = position;
  };
  visit(0, 0, -1, -1, 0);
  return { tree, size, depth, links, share, value, threshold, routing, quadrature: quadrature(Math.ceil(distinct / 2)), expected: expectedTreeOutput(tree) };
}

const laidOut = new WeakMap<TreeArrays, ShapTree>();

/** The tree laid out for TreeSHAP, made on first use and kept with the tree. */
export function shapTree(tree: TreeArrays): ShapTree {
  let shap = laidOut.get(tree);
  if (!shap) {
    shap = layOut(tree);
    laidOut.set(tree, shap);
  }
  return shap;
}

/**
 * Per-row working space shared by every tree (explanations never run inside one another): one
 * entry per level of the path being walked, so it stays in the first-level cache.
 */
class Scratch {
  /** per level: the edge's position, folded q and p, and the hot child of the node */
  at = new Int32Array(0);
  zero = new Float64Array(0);
  one = new Float64Array(0);
  hot = new Int32Array(0);
  /** per level × point: the product of h_j down to the edge, 1 / h of the edge, U, Σ U(e') and Σ K(e') */
  product = new Float64Array(0);
  inverse = new Float64Array(0);
  sum = new Float64Array(0);
  below = new Float64Array(0);
  belowK = new Float64Array(0);

  fit(levels: number, points: number): void {
    if (this.at.length < levels) {
      this.at = new Int32Array(levels);
      this.zero = new Float64Array(levels);
      this.one = new Float64Array(levels);
      this.hot = new Int32Array(levels);
    }
    if (this.product.length < levels * points) {
      this.product = new Float64Array(levels * points);
      this.inverse = new Float64Array(levels * points);
      this.sum = new Float64Array(levels * points);
      this.below = new Float64Array(levels * points);
      this.belowK = new Float64Array(levels * points);
    }
  }
}

const scratch = new Scratch();

/** Whether a row whose split feature is `x` goes left at the internal node in position `at`. */
function left(shap: ShapTree, at: number, x: number): boolean {
  const routing = shap.routing[at];
  if (routing === CATEGORICAL) return goesLeft(shap.tree, shap.links[at * LINKS + SOURCE]!, x);
  // NaN fails the test: left only when missing goes left
  return x <= shap.threshold[at]! || (x !== x && routing === NUMERIC);
}

/**
 * Adds one tree's SHAP values for one row to phi[offset + f]: one pass in preorder, an internal
 * node's edge opened on the way down (its path product) and closed when the next node is not below
 * it, a leaf's opened and closed at once (its K is v times its parent's product without its own h).
 */
function explainRow(shap: ShapTree, columns: readonly Float64Array[], row: number, phi: Float64Array, offset: number): void {
  const { size, links, share, value } = shap;
  if (size === 1) return;
  const { x, w } = shap.quadrature;
  const points = x.length;
  const { at: open, zero, one, hot, product, inverse, sum, below, belowK } = scratch;
  zero[0] = 1;
  one[0] = 1;
  for (let t = 0; t < points; t++) {
    product[t] = 1;
    sum[t] = 0;
  }
  hot[0] = left(shap, 0, columns[links[SPLIT]!]![row]!) ? 1 : links[RIGHT]!;
  let top = 0;
  for (let at = 1; ; ) {
    const link = at * LINKS;
    // past the last node, every open edge closes
    const level = at < size ? links[link + LEVEL]! : 1;
    // close the internal edges whose subtrees are done: K, the feature's share of φ, and U (and K)
    // handed to the parent (and to the edge above on the same feature)
    for (; top >= level; top--) {
      const closing = open[top]! * LINKS;
      const base = top * points;
      const parentBase = base - points;
      const previous = links[closing + PREVIOUS]!;
      const z = zero[top]!;
      const slope = one[top]! - z;
      // with a deeper edge on this feature below, its leaves' K comes from there, with their own factor
      const hasBelow = links[closing + BELOW] === 1;
      let integral = 0;
      if (previous >= 0) {
        const previousBase = previous * points;
        for (let t = 0; t < points; t++) {
          const u = sum[base + t]!;
          const k = hasBelow ? (u - below[base + t]!) * inverse[base + t]! + belowK[base + t]! : u * inverse[base + t]!;
          integral += w[t]! * k;
          sum[parentBase + t] = sum[parentBase + t]! + u;
          below[previousBase + t] = below[previousBase + t]! + u;
          belowK[previousBase + t] = belowK[previousBase + t]! + k;
        }
        const feature = offset + links[closing + EDGE]!;
        phi[feature] = phi[feature]! + (slope - (one[previous]! - zero[previous]!)) * integral;
      } else {
        for (let t = 0; t < points; t++) {
          const u = sum[base + t]!;
          integral += w[t]! * (hasBelow ? (u - below[base + t]!) * inverse[base + t]! + belowK[base + t]! : u * inverse[base + t]!);
          sum[parentBase + t] = sum[parentBase + t]! + u;
        }
        const feature = offset + links[closing + EDGE]!;
        phi[feature] = phi[feature]! + slope * integral;
      }
    }
    if (at >= size) return;
    const previous = links[link + PREVIOUS]!;
    const zeroAbove = previous >= 0 ? zero[previous]! : 1;
    const oneAbove = previous >= 0 ? one[previous]! : 1;
    const z = zeroAbove * share[at]!;
    const o = hot[level - 1] === at ? oneAbove : 0;
    // a branch no row reaches with or without the feature adds nothing
    if (z === 0 && o === 0) {
      at = links[link + END]!;
      continue;
    }
    const base = level * points;
    const parentBase = base - points;
    const slope = o - z;
    const slopeAbove = oneAbove - zeroAbove;
    const f = links[link + SPLIT]!;
    if (f < 0) {
      const v = value[at]!;
      let integral = 0;
      if (previous >= 0) {
        const previousBase = previous * points;
        for (let t = 0; t < points; t++) {
          const k = v * product[parentBase + t]! * inverse[previousBase + t]!;
          const u = k * (z + slope * x[t]!);
          integral += w[t]! * k;
          sum[parentBase + t] = sum[parentBase + t]! + u;
          below[previousBase + t] = below[previousBase + t]! + u;
          belowK[previousBase + t] = belowK[previousBase + t]! + k;
        }
      } else {
        for (let t = 0; t < points; t++) {
          const k = v * product[parentBase + t]!;
          integral += w[t]! * k;
          sum[parentBase + t] = sum[parentBase + t]! + k * (z + slope * x[t]!);
        }
      }
      const feature = offset + links[link + EDGE]!;
      phi[feature] = phi[feature]! + (previous >= 0 ? slope - slopeAbove : slope) * integral;
      at++;
      continue;
    }
    open[level] = at;
    zero[level] = z;
    one[level] = o;
    top = level;
    // h of this edge, and its inverse for the divisions by it (as it closes, and below it by the
    // edges and leaves on the same feature, whose factor replaces its own)
    if (previous >= 0) {
      const previousBase = previous * points;
      for (let t = 0; t < points; t++) {
        const h = z + slope * x[t]!;
        inverse[base + t] = 1 / h;
        product[base + t] = product[parentBase + t]! * h * inverse[previousBase + t]!;
        sum[base + t] = 0;
      }
    } else {
      for (let t = 0; t < points; t++) {
        const h = z + slope * x[t]!;
        inverse[base + t] = 1 / h;
        product[base + t] = product[parentBase + t]! * h;
        sum[base + t] = 0;
      }
    }
    if (links[link + BELOW] === 1) {
      for (let t = 0; t < points; t++) {
        below[base + t] = 0;
        belowK[base + t] = 0;
      }
    }
    hot[level] = left(shap, at, columns[f]![row]!) ? at + 1 : links[link + RIGHT]!;
    at++;
  }
}

/**
 * SHAP values of the summed outputs of laid-out trees for `rows` rows of `columns` (the trees'
 * feature order), added into values[row · featureCount + f]; returns the trees' expected output.
 */
export function addShapValues(trees: readonly ShapTree[], featureCount: number, columns: readonly Float64Array[], rows: number, values: Float64Array): number {
  let expectedValue = 0;
  let levels = 0;
  let points = 0;
  for (const shap of trees) {
    levels = Math.max(levels, shap.depth + 1);
    points = Math.max(points, shap.quadrature.x.length);
  }
  scratch.fit(levels, points);
  for (const shap of trees) {
    expectedValue += shap.expected;
    for (let row = 0; row < rows; row++) explainRow(shap, columns, row, values, row * featureCount);
  }
  return expectedValue;
}

/** Cover-weighted mean of the leaf values: the output expected when no feature is known. */
export function expectedTreeOutput(tree: TreeArrays): number {
  const walk = (node: number): number => {
    const left = tree.left[node]!;
    if (left < 0) return tree.value[node]!;
    const right = tree.right[node]!;
    const cover = tree.cover[node]!;
    if (!(cover > 0)) return 0;
    return (tree.cover[left]! * walk(left) + tree.cover[right]! * walk(right)) / cover;
  };
  return walk(0);
}

/**
 * SHAP values of the summed outputs of `trees` (one model output; for a multiclass model pass the
 * trees of one class). Tree feature f reads table column f, or the column named featureNames[f], or
 * column featureIndex[f]. values[row · featureCount + f] + … summed over f, plus expectedValue,
 * equals the sum of the trees' outputs for that row.
 */
export function treeShap(trees: readonly TreeArrays[], featureCount: number, table: FeatureTable, options: FeatureLookup = {}): TreeShapResult {
  const columns = featureColumns(table, featureCount, options);
  const values = new Float64Array(table.rows * featureCount);
  const expectedValue = addShapValues(trees.map(shapTree), featureCount, columns, table.rows, values);
  return { values, expectedValue };
}
