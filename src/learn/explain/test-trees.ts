/**
 * Small random trees and tables built by hand, for the tests of TreeSHAP and the ONNX export (they
 * must not depend on the tree learners). Not part of the public API.
 */
import type { Rng } from '../random.js';
import type { FeatureColumn, FeatureTable, TreeArrays } from '../types.js';

export interface RandomTreeShape {
  readonly featureCount: number;
  /** categories per feature; 0 marks a numeric feature */
  readonly categories: readonly number[];
  readonly maxDepth: number;
  /** chance that a node above maxDepth is a leaf */
  readonly leafChance: number;
}

interface Node {
  feature: number;
  threshold: number;
  left: number;
  right: number;
  defaultLeft: number;
  isCategorical: number;
  bits: number[];
  value: number;
  cover: number;
  gain: number;
}

/** Numeric thresholds come from a coarse grid so that test rows often sit exactly on them. */
export const THRESHOLD_GRID = [-1, -0.5, 0, 0.5, 1];

export function randomTree(rng: Rng, shape: RandomTreeShape): TreeArrays {
  const nodes: Node[] = [];
  const grow = (depth: number): number => {
    const index = nodes.length;
    const node: Node = { feature: -1, threshold: 0, left: -1, right: -1, defaultLeft: 0, isCategorical: 0, bits: [], value: 0, cover: 0, gain: 0 };
    nodes.push(node);
    if (depth >= shape.maxDepth || (depth > 0 && rng.next() < shape.leafChance)) {
      node.value = Math.round((rng.next() * 4 - 2) * 1000) / 1000;
      node.cover = 1 + rng.int(20);
      return index;
    }
    const f = rng.int(shape.featureCount);
    node.feature = f;
    node.defaultLeft = rng.int(2);
    node.gain = rng.next() * 10;
    const categories = shape.categories[f] ?? 0;
    if (categories > 0) {
      node.isCategorical = 1;
      node.threshold = categories;
      const words = Math.ceil(categories / 32);
      node.bits = new Array<number>(words).fill(0);
      for (let c = 0; c < categories; c++) if (rng.next() < 0.5) node.bits[c >>> 5] = (node.bits[c >>> 5]! | (1 << (c & 31))) >>> 0;
    } else {
      node.threshold = THRESHOLD_GRID[rng.int(THRESHOLD_GRID.length)]! + (rng.next() < 0.5 ? 0 : 0.25);
    }
    node.left = grow(depth + 1);
    node.right = grow(depth + 1);
    const l = nodes[node.left]!;
    const r = nodes[node.right]!;
    node.cover = l.cover + r.cover;
    node.value = (l.value * l.cover + r.value * r.cover) / node.cover;
    return index;
  };
  grow(0);
  return toTreeArrays(nodes);
}

function toTreeArrays(nodes: readonly Node[]): TreeArrays {
  const n = nodes.length;
  const catOffset = new Int32Array(n);
  const catWords = new Int32Array(n);
  const bits: number[] = [];
  nodes.forEach((node, i) => {
    catOffset[i] = bits.length;
    catWords[i] = node.bits.length;
    bits.push(...node.bits);
  });
  return {
    feature: Int32Array.from(nodes, (x) => x.feature),
    threshold: Float64Array.from(nodes, (x) => x.threshold),
    left: Int32Array.from(nodes, (x) => x.left),
    right: Int32Array.from(nodes, (x) => x.right),
    defaultLeft: Uint8Array.from(nodes, (x) => x.defaultLeft),
    isCategorical: Uint8Array.from(nodes, (x) => x.isCategorical),
    catOffset,
    catWords,
    catBits: Uint32Array.from(bits),
    value: Float64Array.from(nodes, (x) => x.value),
    cover: Float64Array.from(nodes, (x) => x.cover),
    gain: Float64Array.from(nodes, (x) => x.gain),
  };
}

/**
 * A random table for the shape: numeric values from the threshold grid or uniform (float32
 * representable), categorical codes including unseen ones; about 15 % missing.
 */
export function randomTable(rng: Rng, shape: Pick<RandomTreeShape, 'featureCount' | 'categories'>, rows: number): FeatureTable {
  const columns: FeatureColumn[] = [];
  for (let f = 0; f < shape.featureCount; f++) {
    const categories = shape.categories[f] ?? 0;
    const values = new Float64Array(rows);
    for (let i = 0; i < rows; i++) {
      const u = rng.next();
      if (u < 0.15) values[i] = Number.NaN;
      else if (categories > 0) values[i] = rng.int(categories + 2);
      else if (u < 0.4) values[i] = THRESHOLD_GRID[rng.int(THRESHOLD_GRID.length)]!;
      else values[i] = Math.fround(rng.next() * 3 - 1.5);
    }
    columns.push(categories > 0 ? { name: `f${f}`, type: 'categorical', values } : { name: `f${f}`, type: 'numeric', values });
  }
  return { rows, columns };
}
