import type { TreeArrays } from '../types.js';
import { predictionThreads, startOnPredictionWorkers, type PredictionJob } from './prediction-workers.js';
import { compiledNodes, compileTrees, type CompileOptions } from './wasm-compiled-trees.js';
import { predictionKernel } from './wasm-prediction.js';

const DEFAULT_LEFT = 1 << 30;
const CATEGORICAL = 1 << 29;
/**
 * A leaf's `links[4i + 2]`: negative (the sign bit says leaf), no flags, feature bits all ones (the
 * batch walk reads feature (m + 1) & mask: 0, its column of −∞); its `links[4i + 3]` is itself.
 * A step from a leaf stays there (−∞ > output is false): the batch walk needs no "at a leaf?" test.
 */
const LEAF = (1 << 31) | 0x1fffffff;

/** Below this many row × tree visits a batch is predicted on the calling thread alone. */
const MIN_PARALLEL_VISITS = 4_000_000;

/**
 * A batch is scored by the model compiled to code (`wasm-compiled-trees.ts`, compiled on the first
 * such batch) from this many row × tree visits, and from `VISITS_PER_COMPILED_NODE` visits per
 * node compiled: V8's compilation costs about 12 µs of CPU a node, a visit saves ~15 ns (credit_data
 * and diamonds bundles, December 2026). Smaller batches (a served record) keep the generic walk
 * and never pay the compilation.
 */
const MIN_COMPILED_VISITS = 4_000_000;
const VISITS_PER_COMPILED_NODE = 1_000;

/** Which batch kernel scores a batch: chosen by its size (`auto`), or forced (tests, benchmarks). */
export type BatchKernel = 'auto' | 'walk' | 'compiled';

/**
 * An ensemble packed for prediction: every node of every tree in flat arrays, siblings next to
 * each other (right child = left child + 1), pairs in depth-first order (left subtree first).
 * A node is 16 bytes of one buffer, read through two views: `nodes[2i]` (float64) is the threshold
 * of an internal node and the output of a leaf; `links[4i + 2]` (int32) is the feature with flag
 * bits (`LEAF`, negative, at a leaf), `links[4i + 3]` the left child (the leaf itself at a leaf). A visit touches one cache line, not one in
 * each of two arrays: a single record walking a forest of deep trees misses the cache at nearly
 * every level, and half the misses went.
 * a categorical node's categories going left are a bitset at `catBits[catOffset[i]..]`, and its
 * `nodes[2i]` is the number of categories the bitset covers.
 * The arrays live in shared memory, so worker threads read the model without a copy.
 */
export class PackedTrees {
  readonly roots: Int32Array;
  readonly outputOf: Int32Array;
  readonly nodes: Float64Array;
  readonly links: Int32Array;
  readonly catOffset: Int32Array;
  readonly catBits: Int32Array;
  /** this thread's wasm memory holding the model, kept between batches (a server scores many small ones) */
  readonly #scratch: PredictionScratch = {};
  /** the trees compiled to code, made on the first big batch */
  #compiled: WebAssembly.Module | undefined;
  /** nodes the compiled module turns into code, counted on the first batch that could use it */
  #compiledNodes: number | undefined;

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
    const nodeBuffer = new SharedArrayBuffer(Math.max(16, total * 16));
    this.nodes = new Float64Array(nodeBuffer, 0, 2 * total);
    this.links = new Int32Array(nodeBuffer, 0, 4 * total);
    this.catOffset = shared((b) => new Int32Array(b, 0, total), total * 4);
    this.catBits = shared((b) => new Int32Array(b, 0, bits), bits * 4);
    let next = 0;
    let bitsAt = 0;
    trees.forEach((tree, t) => {
      this.outputOf[t] = outputOf(t);
      this.roots[t] = next;
      const treeBits = bitsAt;
      for (let i = 0; i < tree.catBits.length; i++) this.catBits[bitsAt++] = tree.catBits[i]! | 0;
      // sibling pairs in depth-first order, left subtree first: a walk that goes left finds the
      // next pair right after this one (often the same cache line); breadth-first order put every
      // level of a deep tree a cache miss away from the last
      const stack: number[] = [0];
      const ids: number[] = [next++];
      while (stack.length > 0) {
        const node = stack.pop()!;
        const id = ids.pop()!;
        const l = tree.left[node]!;
        if (l < 0) {
          this.nodes[2 * id] = tree.value[node]!;
          this.links[4 * id + 2] = LEAF;
          this.links[4 * id + 3] = id;
          continue;
        }
        const categorical = tree.isCategorical[node] === 1;
        this.nodes[2 * id] = tree.threshold[node]!;
        this.links[4 * id + 2] = tree.feature[node]! | (tree.defaultLeft[node] === 1 ? DEFAULT_LEFT : 0) | (categorical ? CATEGORICAL : 0);
        this.links[4 * id + 3] = next;
        if (categorical) this.catOffset[id] = treeBits + tree.catOffset[node]!;
        stack.push(tree.right[node]!, l);
        ids.push(next + 1, next);
        next += 2;
      }
    });
  }

  /** Compiles the trees to code now (`wasm-compiled-trees.ts`), with `options`; big batches use it. */
  compile(options: CompileOptions = {}): void {
    this.#compiled = compileTrees(this, options);
  }

  /**
   * Adds each tree's output to out[row * outputs + outputOf(tree)]. Large batches are split by rows
   * between this thread and the prediction workers; every row still sums its trees in the same
   * order, so the result is bit-identical for any thread count.
   */
  accumulate(columns: readonly Float64Array[], rows: number, outputs: number, out: Float64Array, threads = predictionThreads(), kernel: BatchKernel = 'auto'): void {
    this.accumulateLater(columns, rows, outputs, out, threads, kernel)();
  }

  /**
   * `accumulate` in two steps: the prediction workers start on a large batch now, and the returned
   * function finishes it (this thread joins in; a batch too small for the workers is scored then).
   * Until it is called, `columns` and `out` must be left alone.
   */
  accumulateLater(columns: readonly Float64Array[], rows: number, outputs: number, out: Float64Array, threads = predictionThreads(), kernel: BatchKernel = 'auto'): () => void {
    const visits = rows * this.roots.length;
    // once compiled (a big batch, or an earlier slice of one), the code serves every batch
    const compiled =
      kernel === 'compiled' || (kernel === 'auto' && (this.#compiled !== undefined || (visits >= MIN_COMPILED_VISITS && visits >= VISITS_PER_COMPILED_NODE * (this.#compiledNodes ??= compiledNodes(this)))));
    const batchKernel = compiled ? (this.#compiled ??= compileTrees(this)) : predictionKernel();
    // the job written out field by field: an object spread here (once per fold model and call, a
    // served record included) cost ~4 µs and kept short-lived garbage long enough to lengthen GC pauses
    const job = (input: readonly Float64Array[], output: Float64Array): PredictionJob => ({
      nodes: this.nodes,
      links: this.links,
      roots: this.roots,
      outputOf: this.outputOf,
      catOffset: this.catOffset,
      catBits: this.catBits,
      kernel: batchKernel,
      columns: input,
      outputs,
      out: output,
    });
    if (threads <= 1 || rows < 2 * threads || rows * this.roots.length < MIN_PARALLEL_VISITS) {
      return () => accumulatePacked(job(columns, out), 0, rows, this.#scratch);
    }
    // workers read the input and write the output in shared memory (input columns already there, from `shareColumns`, are not copied)
    const shared = (values: Float64Array): Float64Array => {
      if (values.buffer instanceof SharedArrayBuffer) return values;
      const copy = new Float64Array(new SharedArrayBuffer(Math.max(8, values.length * 8)), 0, values.length);
      copy.set(values);
      return copy;
    };
    const parallel = job(columns.map((c) => shared(c.subarray(0, rows))), shared(out));
    const join = startOnPredictionWorkers(parallel, rows, threads, this.#scratch);
    return () => {
      join();
      if (parallel.out !== out) out.set(parallel.out);
    };
  }
}

/** A thread's wasm instance with a model copied into its memory, for `accumulatePacked` to reuse. */
export interface PredictionScratch {
  memory?: WebAssembly.Memory;
  walk?: (...addresses: number[]) => void;
  /** the model and shape the memory holds */
  holds?: { nodes: Float64Array; features: number; outputs: number };
  /** the module `walk` comes from */
  kernel?: WebAssembly.Module;
  /** one row's values on the few-rows path, kept between calls */
  row?: Float64Array;
}

/**
 * The prediction loop over rows [begin, end) of a job. Batches of four rows or more go to the job's
 * wasm kernel — the generic walk (`wasm-prediction.ts`) or the model compiled to code
 * (`wasm-compiled-trees.ts`) — in blocks of rows laid out row-major in its memory, every tree (or
 * chunk of trees) over the block before the next; the model is copied into the memory once per
 * `scratch`, and both kernels run on that memory. Self-contained (no outside names, constants inlined): worker threads run its
 * source text.
 */
export function accumulatePacked(job: PredictionJob, begin: number, end: number, scratch: PredictionScratch = {}): void {
  const { nodes, links, roots, outputOf, catOffset, catBits, columns, outputs, out } = job;
  const nf = columns.length;
  const BLOCK = 256;
  // links[4i + 2]: feature = m & (1 << 29) − 1, default-left flag 1 << 30, categorical flag 1 << 29.
  // Here (one to three rows) a numeric split is a comparison turned into 0/1 rather than a branch (left/right is a coin
  // flip the CPU would mispredict); NaN and categorical nodes are rare and go through here.
  const rareStep = (i: number, m: number, v: number): number => {
    let right: number;
    if (v !== v) right = (m & 0x40000000) !== 0 ? 0 : 1;
    // categories are whole numbers in [0, nodes[2i]); others (unseen) follow the default side
    else if (v >= 0 && v < nodes[2 * i]! && v === Math.floor(v)) right = ((catBits[catOffset[i]! + (v >>> 5)]! >>> (v & 31)) & 1) === 1 ? 0 : 1;
    else right = (m & 0x40000000) !== 0 ? 0 : 1;
    return links[4 * i + 3]! + right;
  };
  // A batch of fewer than four rows (a single record on a prediction server) has no rows to walk
  // side by side: four trees walk in lockstep instead, the same overlap of load chains (deep forest
  // trees, whose paths miss the cache, gain the most). Each row still adds its trees in tree order.
  if (end - begin < 4) {
    const row = scratch.row !== undefined && scratch.row.length === nf ? scratch.row : (scratch.row = new Float64Array(nf));
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
        let m0 = links[4 * i0 + 2]!;
        let m1 = links[4 * i1 + 2]!;
        let m2 = links[4 * i2 + 2]!;
        let m3 = links[4 * i3 + 2]!;
        while (m0 >= 0 || m1 >= 0 || m2 >= 0 || m3 >= 0) {
          if (m0 >= 0) {
            const v = row[m0 & 0x1fffffff]!;
            i0 = (m0 & 0x20000000) === 0 && v === v ? links[4 * i0 + 3]! + +(v > nodes[2 * i0]!) : rareStep(i0, m0, v);
            m0 = links[4 * i0 + 2]!;
          }
          if (m1 >= 0) {
            const v = row[m1 & 0x1fffffff]!;
            i1 = (m1 & 0x20000000) === 0 && v === v ? links[4 * i1 + 3]! + +(v > nodes[2 * i1]!) : rareStep(i1, m1, v);
            m1 = links[4 * i1 + 2]!;
          }
          if (m2 >= 0) {
            const v = row[m2 & 0x1fffffff]!;
            i2 = (m2 & 0x20000000) === 0 && v === v ? links[4 * i2 + 3]! + +(v > nodes[2 * i2]!) : rareStep(i2, m2, v);
            m2 = links[4 * i2 + 2]!;
          }
          if (m3 >= 0) {
            const v = row[m3 & 0x1fffffff]!;
            i3 = (m3 & 0x20000000) === 0 && v === v ? links[4 * i3 + 3]! + +(v > nodes[2 * i3]!) : rareStep(i3, m3, v);
            m3 = links[4 * i3 + 2]!;
          }
        }
        out[o + outputOf[t]!]! += nodes[2 * i0]!;
        out[o + outputOf[t + 1]!]! += nodes[2 * i1]!;
        out[o + outputOf[t + 2]!]! += nodes[2 * i2]!;
        out[o + outputOf[t + 3]!]! += nodes[2 * i3]!;
      }
      for (; t < nt; t++) {
        let i = roots[t]!;
        let m = links[4 * i + 2]!;
        while (m >= 0) {
          const v = row[m & 0x1fffffff]!;
          i = (m & 0x20000000) === 0 && v === v ? links[4 * i + 3]! + +(v > nodes[2 * i]!) : rareStep(i, m, v);
          m = links[4 * i + 2]!;
        }
        out[o + outputOf[t]!]! += nodes[2 * i]!;
      }
    }
    return;
  }
  // the wasm memory: nodes, catOffset, catBits, roots, outputOf, then a block of rows and its outputs
  const nt = roots.length;
  const total = nodes.length / 2;
  const width = nf + 1;
  const catOffsetAt = 16 * total;
  const catBitsAt = catOffsetAt + 4 * total;
  const rootsAt = catBitsAt + 4 * Math.max(1, catBits.length);
  const outputOfAt = rootsAt + 4 * nt;
  const blockAt = Math.ceil((outputOfAt + 4 * nt) / 8) * 8;
  const outAt = blockAt + 8 * width * BLOCK;
  const held = scratch.holds;
  if (!held || held.nodes !== nodes || held.features !== nf || held.outputs !== outputs || !scratch.memory) {
    const pages = Math.ceil((outAt + 8 * outputs * BLOCK) / 65536);
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const bytes = new Uint8Array(memory.buffer);
    bytes.set(new Uint8Array(nodes.buffer, nodes.byteOffset, 16 * total), 0);
    new Int32Array(memory.buffer, catOffsetAt, total).set(catOffset.subarray(0, total));
    new Int32Array(memory.buffer, catBitsAt, catBits.length).set(catBits);
    new Int32Array(memory.buffer, rootsAt, nt).set(roots);
    new Int32Array(memory.buffer, outputOfAt, nt).set(outputOf);
    scratch.memory = memory;
    scratch.holds = { nodes, features: nf, outputs };
    scratch.kernel = undefined;
  }
  // the generic walk or the model compiled to code (both read the same memory)
  if (scratch.kernel !== job.kernel) {
    const instance = new WebAssembly.Instance(job.kernel, { m: { memory: scratch.memory } });
    scratch.walk = instance.exports['walk'] as (...addresses: number[]) => void;
    scratch.kernel = job.kernel;
  }
  const walk = scratch.walk!;
  const memory = new Float64Array(scratch.memory!.buffer);
  const blockBase = blockAt / 8;
  const outBase = outAt / 8;
  // the block is column-major (column 0 −∞, written once; feature f in column f + 1): each
  // column's rows copied in whole (a row-major block, filled value by value, was ~4 % of the time)
  memory.fill(-Infinity, blockBase, blockBase + BLOCK);
  for (let start = begin; start < end; start += BLOCK) {
    const count = Math.min(BLOCK, end - start);
    for (let f = 0; f < nf; f++) memory.set(columns[f]!.subarray(start, start + count), blockBase + (f + 1) * BLOCK);
    memory.set(out.subarray(start * outputs, (start + count) * outputs), outBase);
    walk(blockAt, 8, count, outAt, outputs, rootsAt, outputOfAt, nt, 0, catOffsetAt, catBitsAt);
    out.set(memory.subarray(outBase, outBase + count * outputs), start * outputs);
  }
}
