import { Worker } from 'node:worker_threads';
import type { GrowData, HistogramBuilder } from './histogram.js';
import { gradientKernel, leafGradientKernel, POISSON_MAX_DELTA, type GbdtObjective } from './objectives.js';
import { addLeafValuesKernel, buildsAllFeatures, gatherKernel, layoutHistogramKernel, partitionKernel, swapRowsKernel, type ParallelRowWork, type RowLayout } from './row-layout.js';
import { instantiateLayoutKernels } from './wasm-kernels.js';

/** Below this many row × feature cells a node's histogram is built on the calling thread alone. */
const MIN_PARALLEL_CELLS = 64 * 1024;

/** Below this many rows a node is partitioned (and gradients gathered) on the calling thread alone. */
const MIN_PARALLEL_ROWS = 16 * 1024;

/** A worker silent this long is taken as lost (a bug, or a machine starved of CPU). */
const WORKER_TIMEOUT_MS = 120_000;

/**
 * Microseconds a thread polls before it sleeps: the passes come back to back, and waking a thread
 * that slept (on a virtual machine, an idle virtual CPU) costs more than a short poll.
 */
const SPIN_US = 200;

/** Control words shared with each worker: a sequence number, its echo, the operation, its result and arguments. */
const SEQ = 0;
const DONE = 1;
const OP = 2;
const RESULT = 3;
/** 1 when the worker's last operation threw (it answers anyway, and the caller raises an error) */
const FAILED = 4;
const ARG = 5;
const CONTROL_WORDS = 12;

const OP_HISTOGRAM = 0;
const OP_PARTITION = 1;
const OP_SWAP = 2;
const OP_GATHER = 3;
const OP_LEAF_VALUES = 4;
const OP_GRADIENTS = 5;
const OP_LEAF_GRADIENTS = 6;
const OP_PARTITION_BUILD = 7;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
// esbuild's keepNames (tsx) wraps named inner functions in __name(); the kernels avoid them, and
// this keeps a slip from killing the worker silently
const __name = (f) => f;
const histogramKernel = ${layoutHistogramKernel.toString()};
const partitionKernel = ${partitionKernel.toString()};
const swapRowsKernel = ${swapRowsKernel.toString()};
const gatherKernel = ${gatherKernel.toString()};
const addLeafValuesKernel = ${addLeafValuesKernel.toString()};
const gradientKernel = ${gradientKernel.toString()};
const leafGradientKernel = ${leafGradientKernel.toString()};
const instantiateLayoutKernels = ${instantiateLayoutKernels.toString()};
const w = workerData;
const at = w.addresses;
const rows = w.rows;
const buffer = w.memory === null ? w.buffer : w.memory.buffer;
// the layout's kernels in WebAssembly on the shared memory, or null for the JavaScript ones
const k = w.memory === null ? null : instantiateLayoutKernels(w.module, w.memory);
const codes = new Uint8Array(buffer, at.codes, rows * w.stride);
const codes32 = new Uint32Array(buffer, at.codes, (rows * w.stride) >> 2);
const gh = new Float64Array(buffer, at.gh, 2 * rows);
const sourceGh = new Float64Array(buffer, at.sourceGh, 2 * rows);
const carried = new Float64Array(buffer, at.carried, 2 * rows);
const order = new Uint32Array(buffer, at.order, rows);
const goesLeft = new Uint8Array(buffer, at.goesLeft, 256);
const features = new Int32Array(w.features);
const scores = new Float64Array(w.scores);
const leafBegin = new Int32Array(w.leafBegin);
const leafEnd = new Int32Array(w.leafEnd);
const leafValue = new Float64Array(w.leafValue);
const g = w.gradients;
const y = new Float64Array(g.y);
const weights = g.w === null ? null : new Float64Array(g.w);
const logSumExp = g.logSumExp === null ? null : new Float64Array(g.logSumExp);
const fullKernel = w.fullKernelSource === null ? null : new Function('codes32', 'gh', 'begin', 'end', 'hist', w.fullKernelSource);
const ctl = new Int32Array(w.control);
const a = (i) => Atomics.load(ctl, ${ARG} + i);
// histogram slot = rows begin..end for the first count features (all of them when identity is 1)
const buildInto = (slot, begin, end, count, identity) => {
  const address = at.histograms + slot * w.histogramDoubles * 8;
  const hist = new Float64Array(buffer, address, w.histogramDoubles);
  hist.fill(0);
  if (identity === 1 && k !== null && k.histogram !== null) k.histogram(at.codes, at.gh, address, begin, end);
  else if (identity === 1 && fullKernel !== null) fullKernel(codes32, gh, begin, end, hist);
  else histogramKernel(codes, w.stride, w.shift, gh, begin, end, features, 0, count, identity, hist);
};
const partition = (begin, end, feature) =>
  k !== null ? k.partition(at.codes, at.gh, at.carried, at.order, begin, end, feature, at.goesLeft) : partitionKernel(codes, codes32, w.stride, gh, carried, order, begin, end, feature, goesLeft);
let seen = 0;
for (;;) {
  const until = performance.now() + ${SPIN_US / 1000};
  while (Atomics.load(ctl, ${SEQ}) === seen && performance.now() < until) {}
  // a wake-up is not a new operation: the caller's notify can come after this thread has already
  // run the operation it announces (seen while spinning), and running it twice races with the
  // caller — a swap undone, leaf values added twice, a histogram rebuilt while it is being read
  while (Atomics.load(ctl, ${SEQ}) === seen) Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (seen < 0) break;
  const op = Atomics.load(ctl, ${OP});
  try {
  if (op === ${OP_HISTOGRAM}) {
    buildInto(a(0), a(1), a(2), a(3), a(4));
  } else if (op === ${OP_PARTITION}) {
    Atomics.store(ctl, ${RESULT}, partition(a(0), a(1), a(2)));
  } else if (op === ${OP_PARTITION_BUILD}) {
    const mid = partition(a(0), a(1), a(2));
    Atomics.store(ctl, ${RESULT}, mid);
    if (a(3) === 1) buildInto(a(4), a(0), mid, a(5), a(6));
    else buildInto(a(4), mid, a(1), a(5), a(6));
  } else if (op === ${OP_SWAP}) {
    if (k !== null) k.swapRows(at.codes, at.gh, at.carried, at.order, a(0), a(1), a(2));
    else swapRowsKernel(codes32, w.stride >> 2, gh, carried, order, a(0), a(1), a(2));
  } else if (op === ${OP_GATHER}) {
    if (k !== null) k.gather(at.order, at.sourceGh, at.gh, a(0), a(1));
    else gatherKernel(order, sourceGh, gh, a(0), a(1));
  } else if (op === ${OP_LEAF_VALUES}) {
    addLeafValuesKernel(order, scores, a(0), leafBegin, leafEnd, leafValue, a(1), a(2), a(3));
  } else if (op === ${OP_GRADIENTS}) {
    gradientKernel(g.objective, y, weights, scores, a(0), g.numClasses, logSumExp, g.huberDelta, g.poissonMaxDelta, sourceGh, a(1), a(2));
  } else if (op === ${OP_LEAF_GRADIENTS}) {
    leafGradientKernel(g.objective, g.huberDelta, g.poissonMaxDelta, carried, gh, leafBegin, leafEnd, leafValue, a(0), a(1), a(2));
  }
  } catch (error) {
    Atomics.store(ctl, ${FAILED}, 1);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

/** What gradients are computed from; every array in shared memory. */
export interface GradientInputs {
  readonly objective: GbdtObjective;
  readonly y: Float64Array;
  readonly w: Float64Array | null;
  readonly logSumExp: Float64Array | null;
  readonly numClasses: number;
  readonly huberDelta: number;
}

export interface ParallelOptions {
  /** threads, the calling one included: the layout must have been made for as many */
  readonly threads: number;
  /** most leaves of a tree */
  readonly maxLeaves: number;
  /** the scores `addLeafValues` adds to (shared memory) */
  readonly scores: Float64Array;
  readonly gradients: GradientInputs;
}

/** The leaves of a grown tree by position range, with one value each. */
export interface LeafRanges {
  readonly leafBegin: Int32Array;
  readonly leafEnd: Int32Array;
}

/**
 * Boosting's passes over the rows shared with worker threads over SharedArrayBuffers: the rows of
 * every big node are cut into one contiguous part per thread, and each thread builds the histogram
 * of its part (the workers into their own slots, added in afterwards), partitions its part (the
 * parts are then joined by swapping the smaller misplaced block), gathers its gradients and adds
 * the tree's leaf values to its rows' scores. A thread mostly reads rows it just moved, so they are
 * in its own cache. Hand-off is by Atomics on a control array, so the calling thread stays
 * synchronous. Results are deterministic for a given thread count; the order of the sums, and so
 * their last bits, depends on it.
 */
export class ParallelRows implements HistogramBuilder, ParallelRowWork {
  readonly channels = 1;
  readonly hasCount = false;
  readonly layout: RowLayout;
  readonly #data: GrowData;
  readonly #features: Int32Array;
  readonly #allFeatures: Int32Array;
  readonly #scores: Float64Array;
  readonly #gradients: GradientInputs;
  readonly #leafBegin: Int32Array;
  readonly #leafEnd: Int32Array;
  readonly #leafValue: Float64Array;
  readonly #workers: { worker: Worker; control: Int32Array; seq: number; slot: number; part: Float64Array }[] = [];

  /** `layout` must have been made with `shared` = true and as many `threads`. */
  constructor(data: GrowData, layout: RowLayout, options: ParallelOptions) {
    const { threads, maxLeaves, scores, gradients } = options;
    this.#gradients = gradients;
    this.#data = data;
    this.layout = layout;
    const shared = (bytes: number): SharedArrayBuffer => new SharedArrayBuffer(Math.max(8, bytes));
    const features = shared(data.numFeatures * 4);
    this.#features = new Int32Array(features);
    this.#allFeatures = Int32Array.from({ length: data.numFeatures }, (_, f) => f);
    this.#scores = scores;
    const leafBegin = shared(maxLeaves * 4);
    const leafEnd = shared(maxLeaves * 4);
    const leafValue = shared(maxLeaves * 8);
    this.#leafBegin = new Int32Array(leafBegin);
    this.#leafEnd = new Int32Array(leafEnd);
    this.#leafValue = new Float64Array(leafValue);
    for (let t = 1; t < threads; t++) {
      const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
      const slot = layout.workerSlot(t);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // plain JavaScript: no loaders (e.g. tsx) in the worker, nothing it could wait on
        execArgv: [],
        workerData: {
          memory: layout.memory,
          module: layout.module,
          buffer: layout.memory === null ? layout.buffer : null,
          addresses: layout.addresses,
          rows: data.rows,
          stride: layout.stride,
          fullKernelSource: layout.fullKernelSource,
          shift: data.slotShift,
          features,
          scores: scores.buffer,
          gradients: { ...gradients, y: gradients.y.buffer, w: gradients.w?.buffer ?? null, logSumExp: gradients.logSumExp?.buffer ?? null, poissonMaxDelta: POISSON_MAX_DELTA },
          leafBegin,
          leafEnd,
          leafValue,
          histogramDoubles: layout.histogramDoubles,
          control,
        },
      });
      worker.unref();
      this.#workers.push({ worker, control: new Int32Array(control), seq: 0, slot, part: layout.histogram(slot) });
    }
    layout.parallel = this;
  }

  /** A zeroed histogram from the layout's memory (or plain memory when its pool is used up). */
  acquire(): Float64Array {
    return this.layout.acquireHistogram();
  }

  release(hist: Float64Array): void {
    this.layout.releaseHistogram(hist);
  }

  build(hist: Float64Array, _rows: Uint32Array, begin: number, end: number, features: Int32Array): void {
    const data = this.#data;
    const layout = this.layout;
    if (layout.slotOf(hist) < 0 || this.#workers.length === 0 || (end - begin) * features.length < MIN_PARALLEL_CELLS) {
      layout.buildHistogram(begin, end, features, hist);
      return;
    }
    const built = this.#buildFeatures(features);
    const cut = this.#cutter(begin, end);
    const identity = built.length === data.numFeatures ? 1 : 0;
    this.#workers.forEach((w, i) => this.#start(w, OP_HISTOGRAM, [w.slot, cut(i + 1), cut(i + 2), built.length, identity]));
    layout.buildHistogram(begin, cut(1), built, hist);
    for (const w of this.#workers) {
      this.#join(w);
      this.#addPart(hist, w.part, built);
    }
  }

  /** hist += a worker's part, over the slots of `built` */
  #addPart(hist: Float64Array, part: Float64Array, built: Int32Array): void {
    const data = this.#data;
    const shift = data.slotShift;
    for (let j = 0; j < built.length; j++) {
      const f = built[j]!;
      for (let i = (f << shift) * 2, to = ((f << shift) + data.numBins[f]! + 1) * 2; i < to; i++) hist[i]! += part[i]!;
    }
  }

  /** The features a histogram of `features` is built for (all of them with the generated kernels), copied for the workers. */
  #buildFeatures(features: Int32Array): Int32Array {
    const built = buildsAllFeatures(this.layout, features) ? this.#allFeatures : features;
    this.#features.set(built);
    return built;
  }

  /**
   * `partition`, and in the same hand-off each thread builds the histogram of its part's rows on
   * one side (`smallIsLeft`: the left rows) into `hist`: the rows a thread just moved are still in
   * its cache, and a split costs one hand-off instead of two. Undefined when the node is too small
   * to share (then nothing is done).
   */
  partitionAndBuild(begin: number, end: number, feature: number, goesLeft: Uint8Array, smallIsLeft: boolean, hist: Float64Array, features: Int32Array): number | undefined {
    const layout = this.layout;
    if (this.#workers.length === 0 || end - begin < MIN_PARALLEL_ROWS || layout.slotOf(hist) < 0) return undefined;
    if (goesLeft !== layout.goesLeft) layout.goesLeft.set(goesLeft.subarray(0, 256));
    const built = this.#buildFeatures(features);
    const identity = built.length === this.#data.numFeatures ? 1 : 0;
    const cut = this.#cutter(begin, end);
    this.#workers.forEach((w, i) => this.#start(w, OP_PARTITION_BUILD, [cut(i + 1), cut(i + 2), feature, smallIsLeft ? 1 : 0, w.slot, built.length, identity]));
    const partMid = layout.partitionRange(layout.order, begin, cut(1), feature);
    if (smallIsLeft) layout.buildHistogram(begin, partMid, built, hist);
    else layout.buildHistogram(partMid, cut(1), built, hist);
    const mids = [partMid];
    for (const w of this.#workers) {
      this.#join(w);
      mids.push(Atomics.load(w.control, RESULT));
      this.#addPart(hist, w.part, built);
    }
    return this.#joinParts(cut, mids);
  }

  partition(begin: number, end: number, feature: number, goesLeft: Uint8Array): number | undefined {
    if (this.#workers.length === 0 || end - begin < MIN_PARALLEL_ROWS) return undefined;
    const layout = this.layout;
    if (goesLeft !== layout.goesLeft) layout.goesLeft.set(goesLeft.subarray(0, 256));
    const cut = this.#cutter(begin, end);
    this.#workers.forEach((w, i) => this.#start(w, OP_PARTITION, [cut(i + 1), cut(i + 2), feature]));
    const mids = [layout.partitionRange(layout.order, begin, cut(1), feature)];
    for (const w of this.#workers) {
      this.#join(w);
      mids.push(Atomics.load(w.control, RESULT));
    }
    return this.#joinParts(cut, mids);
  }

  /** Each part p (from cut(p)) is [lefts | rights] split at mids[p]: moves the lefts together, returns where the rights start. */
  #joinParts(cut: (p: number) => number, mids: readonly number[]): number {
    let mid = mids[0]!;
    for (let p = 1; p < mids.length; p++) {
      const partBegin = cut(p);
      const partMid = mids[p]!;
      // rights [mid, partBegin) before lefts [partBegin, partMid): swap the smaller block's worth
      const count = Math.min(partBegin - mid, partMid - partBegin);
      this.#swap(mid, partMid - count, count);
      mid += partMid - partBegin;
    }
    return mid;
  }

  gather(count: number): boolean {
    if (this.#workers.length === 0 || count < MIN_PARALLEL_ROWS) return false;
    const layout = this.layout;
    this.#shareRows(count, OP_GATHER, [], (begin, end) => layout.gatherRange(layout.order, begin, end));
    return true;
  }

  /**
   * scores[offset + row] += value of its leaf for every row of the tree just grown (positions
   * leafBegin[l]..leafEnd[l] of the layout's order hold leaf l).
   */
  addLeafValues(offset: number, leaves: LeafRanges, values: Float64Array, count: number): void {
    const numLeaves = values.length;
    this.#leafBegin.set(leaves.leafBegin);
    this.#leafEnd.set(leaves.leafEnd);
    this.#leafValue.set(values);
    this.#shareRows(count, OP_LEAF_VALUES, [offset, numLeaves], (begin, end) =>
      addLeafValuesKernel(this.layout.order, this.#scores, offset, this.#leafBegin, this.#leafEnd, this.#leafValue, numLeaves, begin, end),
    );
  }

  /** The gradients and hessians of output k of every row into the layout's source (`computeGradients`). */
  gradients(k: number): void {
    const g = this.#gradients;
    this.#shareRows(g.y.length, OP_GRADIENTS, [k], (begin, end) =>
      gradientKernel(g.objective, g.y, g.w, this.#scores, k, g.numClasses, g.logSumExp, g.huberDelta, POISSON_MAX_DELTA, this.layout.sourceGh, begin, end),
    );
  }

  /**
   * With scores carried in node order (`RowLayout.carryScores`): adds the tree's leaf values to
   * the carried scores and writes the next gradients into the layout's `gh` (`leafGradientKernel`).
   */
  addLeafValuesCarried(leaves: LeafRanges, values: Float64Array, count: number): void {
    const numLeaves = values.length;
    const g = this.#gradients;
    const layout = this.layout;
    this.#leafBegin.set(leaves.leafBegin);
    this.#leafEnd.set(leaves.leafEnd);
    this.#leafValue.set(values);
    this.#shareRows(count, OP_LEAF_GRADIENTS, [numLeaves], (begin, end) =>
      leafGradientKernel(g.objective, g.huberDelta, POISSON_MAX_DELTA, layout.carried, layout.gh, this.#leafBegin, this.#leafEnd, this.#leafValue, numLeaves, begin, end),
    );
  }

  /**
   * Rows 0..count in one part per thread: worker i runs `op` with `args` then its part's bounds,
   * the calling thread runs `here` on part 0 (on everything when there are too few rows to share).
   */
  #shareRows(count: number, op: number, args: readonly number[], here: (begin: number, end: number) => void): void {
    const cut = this.#cutter(0, count);
    const threads = count < MIN_PARALLEL_ROWS ? [] : this.#workers;
    threads.forEach((w, i) => this.#start(w, op, [...args, cut(i + 1), cut(i + 2)]));
    here(0, threads.length === 0 ? count : cut(1));
    for (const w of threads) this.#join(w);
  }

  /** Swaps rows a..a+count with b..b+count, half on the first worker. */
  #swap(a: number, b: number, count: number): void {
    const layout = this.layout;
    if (count < MIN_PARALLEL_ROWS) {
      layout.swapRows(a, b, count);
      return;
    }
    const half = count >> 1;
    const w = this.#workers[0]!;
    this.#start(w, OP_SWAP, [a + half, b + half, count - half]);
    layout.swapRows(a, b, half);
    this.#join(w);
  }

  /** cut(p) = where part p of begin..end starts (part 0 is the calling thread's). */
  #cutter(begin: number, end: number): (p: number) => number {
    const parts = this.#workers.length + 1;
    return (p) => begin + Math.round(((end - begin) * p) / parts);
  }

  #start(w: { control: Int32Array; seq: number }, op: number, args: readonly number[]): void {
    const c = w.control;
    Atomics.store(c, OP, op);
    for (let i = 0; i < args.length; i++) Atomics.store(c, ARG + i, args[i]!);
    w.seq++;
    Atomics.store(c, SEQ, w.seq);
    Atomics.notify(c, SEQ);
  }

  #join(w: { control: Int32Array; seq: number }): void {
    const c = w.control;
    const until = performance.now() + SPIN_US / 1000;
    while (Atomics.load(c, DONE) !== w.seq && performance.now() < until);
    const started = Date.now();
    while (Atomics.load(c, DONE) !== w.seq) {
      Atomics.wait(c, DONE, Atomics.load(c, DONE), 1000);
      if (Atomics.load(c, DONE) !== w.seq && Date.now() - started > WORKER_TIMEOUT_MS) {
        throw new Error(`a training worker thread has not answered for ${WORKER_TIMEOUT_MS / 1000} s; train with threads: 1`);
      }
    }
    if (Atomics.load(c, FAILED) === 1) throw new Error('a training worker thread failed (an internal error); train with threads: 1');
  }

  /** Stops the workers; the builder must not be used afterwards. */
  close(): void {
    for (const w of this.#workers) {
      Atomics.store(w.control, SEQ, -1);
      Atomics.notify(w.control, SEQ);
      void w.worker.terminate();
    }
    this.#workers.length = 0;
    this.layout.parallel = null;
  }
}
