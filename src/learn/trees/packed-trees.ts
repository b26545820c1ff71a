import type { TreeArrays } from '../types.js';
import { predictionThreads, runOnPredictionWorkers, type PredictionJob } from './prediction-workers.js';

const DEFAULT_LEFT = 1 << 30;
const CATEGORICAL = 1 << 29;

/** Below this many row × tree visits a batch is predicted on the calling thread alone. */
const MIN_PARALLEL_VISITS = 4_000_000;

/**
 * An ensemble packed for prediction: every node of every tree in flat arrays, siblings next to
 * each other (right child = left child + 1) in breadth-first order. A visit touches 16 bytes in two
 * arrays instead of seven, which keeps a 500-tree model's walk in cache.
 * `value[i]` is the threshold of an internal node and the output of a leaf;
 * `meta[2i]` is the feature with flag bits (−1 at a leaf), `meta[2i+1]` the left child;
 * a categorical node's categories going left are a bitset at `catBits[catOffset[i]..]`, and its
 * `value` is the number of categories the bitset covers.
 * The arrays live in shared memory, so worker threads read the model without a copy.
 */
export class PackedTrees {
  readonly roots: Int32Array;
  readonly outputOf: Int32Array;
  readonly value: Float64Array;
  readonly meta: Int32Array;
  readonly catOffset: Int32Array;
  readonly catBits: Int32Array;

  constructor(trees: readonly TreeArrays[], outputOf: (tree: number) => number) {
    let total = 0;
    let bits = 0;
    for (const t of trees) {
      total += t.feature.length;
      bits += t.catBits.length;
    }
    const shared = <T>(make: (buffer: SharedArrayBuffer) => T, bytes: number): T => make(new SharedArrayBuffer(Math.max(8, bytes)));
    this.roots = shared((b) => new Int32Array(b, 0, trees.length), trees.length * 4);
    this.outputOf = shared((b) => new Int32Array(b, 0, trees.length), trees.length * 4);
    this.value = shared((b) => new Float64Array(b, 0, total), total * 8);
    this.meta = shared((b) => new Int32Array(b, 0, 2 * total), total * 8);
    this.catOffset = shared((b) => new Int32Array(b, 0, total), total * 4);
    this.catBits = shared((b) => new Int32Array(b, 0, bits), bits * 4);
    let next = 0;
    let bitsAt = 0;
    trees.forEach((tree, t) => {
      this.outputOf[t] = outputOf(t);
      this.roots[t] = next;
      const treeBits = bitsAt;
      for (let i = 0; i < tree.catBits.length; i++) this.catBits[bitsAt++] = tree.catBits[i]! | 0;
      const queue: number[] = [0];
      const ids: number[] = [next++];
      for (let q = 0; q < queue.length; q++) {
        const node = queue[q]!;
        const id = ids[q]!;
        const l = tree.left[node]!;
        if (l < 0) {
          this.value[id] = tree.value[node]!;
          this.meta[2 * id] = -1;
          continue;
        }
        const categorical = tree.isCategorical[node] === 1;
        this.value[id] = tree.threshold[node]!;
        this.meta[2 * id] = tree.feature[node]! | (tree.defaultLeft[node] === 1 ? DEFAULT_LEFT : 0) | (categorical ? CATEGORICAL : 0);
        this.meta[2 * id + 1] = next;
        if (categorical) this.catOffset[id] = treeBits + tree.catOffset[node]!;
        queue.push(l, tree.right[node]!);
        ids.push(next, next + 1);
        next += 2;
      }
    });
  }

  /**
   * Adds each tree's output to out[row * outputs + outputOf(tree)]. Large batches are split by rows
   * between this thread and the prediction workers; every row still sums its trees in the same
   * order, so the result is bit-identical for any thread count.
   */
  accumulate(columns: readonly Float64Array[], rows: number, outputs: number, out: Float64Array, threads = predictionThreads()): void {
    const model = { value: this.value, meta: this.meta, roots: this.roots, outputOf: this.outputOf, catOffset: this.catOffset, catBits: this.catBits };
    if (threads <= 1 || rows < 2 * threads || rows * this.roots.length < MIN_PARALLEL_VISITS) {
      accumulatePacked({ ...model, columns, outputs, out }, 0, rows);
      return;
    }
    // workers read the input and write the output in shared memory
    const shared = (values: Float64Array): Float64Array => {
      const copy = new Float64Array(new SharedArrayBuffer(Math.max(8, values.length * 8)), 0, values.length);
      copy.set(values);
      return copy;
    };
    const job: PredictionJob = { ...model, columns: columns.map((c) => shared(c.subarray(0, rows))), outputs, out: shared(out) };
    runOnPredictionWorkers(job, rows, threads);
    out.set(job.out);
  }
}

/**
 * The prediction loop over rows [begin, end) of a job: blocks of rows are laid out row-major, then
 * every tree walks the block, four rows in lockstep — four independent chains of loads the CPU
 * overlaps, where one walk waits on each load in turn (1.3–1.45× the rows per second of one walk
 * at a time on a 500-tree, 63-leaf model; the sums are the same, in the same order). Self-contained
 * (no outside names, constants inlined): worker threads run its source text.
 */
export function accumulatePacked(job: PredictionJob, begin: number, end: number): void {
  const { value, meta, roots, outputOf, catOffset, catBits, columns, outputs, out } = job;
  const nf = columns.length;
  const BLOCK = 256;
  const block = new Float64Array(Math.min(BLOCK, Math.max(0, end - begin)) * nf);
  // meta[2i]: feature = m & (1 << 29) − 1, default-left flag 1 << 30, categorical flag 1 << 29.
  // A numeric split is a comparison turned into 0/1 rather than a branch (left/right is a coin
  // flip the CPU would mispredict); NaN and categorical nodes are rare and go through here.
  const rareStep = (i: number, m: number, v: number): number => {
    let right: number;
    if (v !== v) right = (m & 0x40000000) !== 0 ? 0 : 1;
    // categories are whole numbers in [0, value); others (unseen) follow the default side
    else if (v >= 0 && v < value[i]! && v === Math.floor(v)) right = ((catBits[catOffset[i]! + (v >>> 5)]! >>> (v & 31)) & 1) === 1 ? 0 : 1;
    else right = (m & 0x40000000) !== 0 ? 0 : 1;
    return meta[2 * i + 1]! + right;
  };
  // A batch of fewer than four rows (a single record on a prediction server) has no rows to walk
  // side by side: four trees walk in lockstep instead, the same overlap of load chains (deep forest
  // trees, whose paths miss the cache, gain the most). Each row still adds its trees in tree order.
  if (end - begin < 4) {
    const row = new Float64Array(nf);
    const nt = roots.length;
    for (let r = begin; r < end; r++) {
      for (let f = 0; f < nf; f++) row[f] = columns[f]![r]!;
      const o = r * outputs;
      let t = 0;
      for (; t + 4 <= nt; t += 4) {
        let i0 = roots[t]!;
        let i1 = roots[t + 1]!;
        let i2 = roots[t + 2]!;
        let i3 = roots[t + 3]!;
        let m0 = meta[2 * i0]!;
        let m1 = meta[2 * i1]!;
        let m2 = meta[2 * i2]!;
        let m3 = meta[2 * i3]!;
        while (m0 >= 0 || m1 >= 0 || m2 >= 0 || m3 >= 0) {
          if (m0 >= 0) {
            const v = row[m0 & 0x1fffffff]!;
            i0 = (m0 & 0x20000000) === 0 && v === v ? meta[2 * i0 + 1]! + +(v > value[i0]!) : rareStep(i0, m0, v);
            m0 = meta[2 * i0]!;
          }
          if (m1 >= 0) {
            const v = row[m1 & 0x1fffffff]!;
            i1 = (m1 & 0x20000000) === 0 && v === v ? meta[2 * i1 + 1]! + +(v > value[i1]!) : rareStep(i1, m1, v);
            m1 = meta[2 * i1]!;
          }
          if (m2 >= 0) {
            const v = row[m2 & 0x1fffffff]!;
            i2 = (m2 & 0x20000000) === 0 && v === v ? meta[2 * i2 + 1]! + +(v > value[i2]!) : rareStep(i2, m2, v);
            m2 = meta[2 * i2]!;
          }
          if (m3 >= 0) {
            const v = row[m3 & 0x1fffffff]!;
            i3 = (m3 & 0x20000000) === 0 && v === v ? meta[2 * i3 + 1]! + +(v > value[i3]!) : rareStep(i3, m3, v);
            m3 = meta[2 * i3]!;
          }
        }
        out[o + outputOf[t]!]! += value[i0]!;
        out[o + outputOf[t + 1]!]! += value[i1]!;
        out[o + outputOf[t + 2]!]! += value[i2]!;
        out[o + outputOf[t + 3]!]! += value[i3]!;
      }
      for (; t < nt; t++) {
        let i = roots[t]!;
        let m = meta[2 * i]!;
        while (m >= 0) {
          const v = row[m & 0x1fffffff]!;
          i = (m & 0x20000000) === 0 && v === v ? meta[2 * i + 1]! + +(v > value[i]!) : rareStep(i, m, v);
          m = meta[2 * i]!;
        }
        out[o + outputOf[t]!]! += value[i]!;
      }
    }
    return;
  }
  for (let start = begin; start < end; start += BLOCK) {
    const count = Math.min(BLOCK, end - start);
    for (let f = 0; f < nf; f++) {
      const column = columns[f]!;
      for (let r = 0; r < count; r++) block[r * nf + f] = column[start + r]!;
    }
    for (let t = 0; t < roots.length; t++) {
      const root = roots[t]!;
      const k = outputOf[t]!;
      let r = 0;
      for (; r + 4 <= count; r += 4) {
        const b0 = r * nf;
        const b1 = b0 + nf;
        const b2 = b1 + nf;
        const b3 = b2 + nf;
        let i0 = root;
        let i1 = root;
        let i2 = root;
        let i3 = root;
        let m0 = meta[2 * root]!;
        let m1 = m0;
        let m2 = m0;
        let m3 = m0;
        // each walk goes one level down per pass until it is at its leaf (meta < 0)
        while (m0 >= 0 || m1 >= 0 || m2 >= 0 || m3 >= 0) {
          if (m0 >= 0) {
            const v = block[b0 + (m0 & 0x1fffffff)]!;
            i0 = (m0 & 0x20000000) === 0 && v === v ? meta[2 * i0 + 1]! + +(v > value[i0]!) : rareStep(i0, m0, v);
            m0 = meta[2 * i0]!;
          }
          if (m1 >= 0) {
            const v = block[b1 + (m1 & 0x1fffffff)]!;
            i1 = (m1 & 0x20000000) === 0 && v === v ? meta[2 * i1 + 1]! + +(v > value[i1]!) : rareStep(i1, m1, v);
            m1 = meta[2 * i1]!;
          }
          if (m2 >= 0) {
            const v = block[b2 + (m2 & 0x1fffffff)]!;
            i2 = (m2 & 0x20000000) === 0 && v === v ? meta[2 * i2 + 1]! + +(v > value[i2]!) : rareStep(i2, m2, v);
            m2 = meta[2 * i2]!;
          }
          if (m3 >= 0) {
            const v = block[b3 + (m3 & 0x1fffffff)]!;
            i3 = (m3 & 0x20000000) === 0 && v === v ? meta[2 * i3 + 1]! + +(v > value[i3]!) : rareStep(i3, m3, v);
            m3 = meta[2 * i3]!;
          }
        }
        out[(start + r) * outputs + k]! += value[i0]!;
        out[(start + r + 1) * outputs + k]! += value[i1]!;
        out[(start + r + 2) * outputs + k]! += value[i2]!;
        out[(start + r + 3) * outputs + k]! += value[i3]!;
      }
      for (; r < count; r++) {
        const base = r * nf;
        let i = root;
        let m = meta[2 * i]!;
        while (m >= 0) {
          const v = block[base + (m & 0x1fffffff)]!;
          i = (m & 0x20000000) === 0 && v === v ? meta[2 * i + 1]! + +(v > value[i]!) : rareStep(i, m, v);
          m = meta[2 * i]!;
        }
        out[(start + r) * outputs + k]! += value[i]!;
      }
    }
  }
}
