import type { GrowData } from './histogram.js';
import { compileLayoutKernels, instantiateLayoutKernels, type LayoutKernels } from './wasm-kernels.js';

/** Row passes over a layout shared with worker threads (see `ParallelRows`). */
export interface ParallelRowWork {
  /** `partition` on several threads when the node is big enough, else undefined */
  partition(begin: number, end: number, feature: number, goesLeft: Uint8Array): number | undefined;
  /** `gatherGradients` on several threads when there are enough rows; false when not done */
  gather(count: number): boolean;
}

export interface RowLayoutOptions {
  /** worker threads will share the layout (SharedArrayBuffers) */
  readonly shared: boolean;
  /** histograms the grower may hold at once, kept in the layout's memory (`acquireHistogram`) */
  readonly histograms: number;
  /** threads that will build histograms (each worker thread gets one more histogram) */
  readonly threads?: number;
  /** the row kernels: WebAssembly (the default, when the layout fits in 4 GiB) or JavaScript */
  readonly kernels?: 'wasm' | 'js';
}

/** Byte addresses of a layout's arrays in its WebAssembly memory, for the kernels. */
export interface LayoutAddresses {
  readonly codes: number;
  readonly gh: number;
  readonly order: number;
  readonly sourceGh: number;
  readonly carried: number;
  readonly goesLeft: number;
  readonly histograms: number;
  readonly spans: number;
  readonly sourceCodes: number;
}

/** Largest layout given to the WebAssembly kernels (their memory is 32-bit), leaving some room. */
const MAX_WASM_BYTES = 3.75 * 2 ** 30;

/**
 * The training rows of the tree being grown, kept in node order: the rows of every node are
 * contiguous, each as its bin codes (padded to a multiple of 16 bytes) next to its gradient and
 * hessian. Histogram building then streams through memory instead of jumping between scattered
 * rows (three times faster on a million rows); the price is moving ~50 bytes per row when a node
 * is split, which is cheap next to 28 histogram updates.
 *
 * Everything the row kernels touch — codes, gradients, row ids, the gradients by row id, a 256-byte
 * split table and the histograms — lives in one WebAssembly memory (shared with the worker threads
 * when `shared`), so the same arrays are typed-array views for JavaScript and addresses for the
 * kernels of `wasm-kernels.ts`. Layouts too big for it use the JavaScript kernels below.
 */
export class RowLayout {
  /** bytes per row */
  readonly stride: number;
  readonly numFeatures: number;
  readonly codes: Uint8Array;
  readonly codes32: Uint32Array;
  readonly gh: Float64Array;
  /** the grower's row ids by position (shared memory when the layout is) */
  readonly order: Uint32Array;
  /** gradients and hessians by original row: gh[2r], gh[2r + 1], written before each tree */
  readonly sourceGh: Float64Array;
  /**
   * two values per position that move with their row (`carryScores`): boosting keeps each row's
   * score and label here, so adding leaf values and computing gradients stream in node order
   */
  readonly carried: Float64Array;
  /** the split table `partition` copies its argument into (the kernels read it from memory) */
  readonly goesLeft: Uint8Array;
  /**
   * the byte ranges [begin, end) of a histogram that features' bins use, as int32 pairs (adjacent
   * ranges joined): all `subtractHistogram` touches; the other slots are never written
   */
  readonly spans: Int32Array;
  /** doubles per histogram: (gradient, hessian) per slot */
  readonly histogramDoubles: number;
  /** the WebAssembly memory, its compiled kernels' module and this thread's instance; null with JavaScript kernels */
  readonly memory: WebAssembly.Memory | null;
  readonly module: WebAssembly.Module | null;
  readonly kernels: LayoutKernels | null;
  readonly addresses: LayoutAddresses;
  /** the histogram kernel for all features (null on wide tables) and its source */
  readonly fullKernel: FullHistogramKernel | null;
  readonly fullKernelSource: string | null;
  /** set by a builder that shares the row passes with worker threads */
  parallel: ParallelRowWork | null = null;
  readonly #data: GrowData;
  readonly #histograms: number;
  readonly #poolSlots: number;
  /** histogram slots of the pool not in use */
  readonly #free: number[] = [];
  readonly #buffer: ArrayBufferLike;
  /** the source codes by row id, padded to `stride` (rows copy as 32-bit words, or 128-bit ones in wasm) */
  readonly #source32: Uint32Array;
  /** every row is laid out (in the order of the grower's `order`) */
  #complete = false;
  /** `gh` already holds the next tree's gradients in node order (`gradientsWritten`) */
  #ghInOrder = false;

  constructor(data: GrowData, options: RowLayoutOptions) {
    this.#data = data;
    // 32 bytes (two 128-bit words) up to 32 features, else a multiple of 16
    const stride = data.numFeatures <= 32 ? 32 : (data.numFeatures + 15) & ~15;
    this.stride = stride;
    this.numFeatures = data.numFeatures;
    this.histogramDoubles = data.totalBins * 2;
    this.#poolSlots = options.histograms;
    this.#histograms = options.histograms + Math.max(1, options.threads ?? 1) - 1;
    for (let slot = options.histograms - 1; slot >= 0; slot--) this.#free.push(slot);
    const n = data.rows;
    // 64-byte aligned (a cache line) one after the other
    const spans = histogramSpans(data);
    const sizes = [n * stride, n * 16, n * 4, n * 16, n * 16, 256, this.#histograms * this.histogramDoubles * 8, spans.length * 4, n * stride];
    const at: number[] = [];
    let bytes = 0;
    for (const size of sizes) {
      at.push(bytes);
      bytes += (size + 63) & ~63;
    }
    const [codes, gh, order, sourceGh, carried, goesLeft, histograms, spansAt, sourceCodes] = at as [number, number, number, number, number, number, number, number, number];
    this.addresses = { codes, gh, order, sourceGh, carried, goesLeft, histograms, spans: spansAt, sourceCodes };
    if (options.kernels !== 'js' && bytes <= MAX_WASM_BYTES) {
      const pages = Math.max(1, Math.ceil(bytes / 65536));
      // shared even on one thread: the kernels' module imports a shared memory
      this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
      this.module = compileLayoutKernels(data.numFeatures, stride, data.slotShift);
      this.kernels = instantiateLayoutKernels(this.module, this.memory);
      this.#buffer = this.memory.buffer;
    } else {
      this.memory = null;
      this.module = null;
      this.kernels = null;
      this.#buffer = options.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    }
    const buffer = this.#buffer;
    this.codes = new Uint8Array(buffer, codes, n * stride);
    this.codes32 = new Uint32Array(buffer, codes, (n * stride) >> 2);
    this.gh = new Float64Array(buffer, gh, 2 * n);
    this.order = new Uint32Array(buffer, order, n);
    this.sourceGh = new Float64Array(buffer, sourceGh, 2 * n);
    this.carried = new Float64Array(buffer, carried, 2 * n);
    this.goesLeft = new Uint8Array(buffer, goesLeft, 256);
    this.spans = new Int32Array(buffer, spansAt, spans.length);
    this.spans.set(spans);
    this.fullKernelSource = fullHistogramKernelSource(data.numFeatures, stride, data.slotShift);
    this.fullKernel = makeFullHistogramKernel(data.numFeatures, stride, data.slotShift);
    const padded = new Uint8Array(buffer, sourceCodes, n * stride);
    const f = data.numFeatures;
    for (let r = 0; r < n; r++) padded.set(data.codes.subarray(r * f, r * f + f), r * stride);
    this.#source32 = new Uint32Array(buffer, sourceCodes, (n * stride) >> 2);
  }

  /** The layout's memory (a SharedArrayBuffer when shared or with WebAssembly kernels). */
  get buffer(): ArrayBufferLike {
    return this.#buffer;
  }

  /** A zeroed histogram from the pool in the layout's memory (or plain memory when the pool is used up). */
  acquireHistogram(): Float64Array {
    const slot = this.#free.pop();
    if (slot === undefined) return new Float64Array(this.histogramDoubles);
    const hist = this.histogram(slot);
    if (this.kernels !== null) this.kernels.zero(this.addresses.histograms + slot * this.histogramDoubles * 8, this.histogramDoubles * 8);
    else hist.fill(0);
    return hist;
  }

  releaseHistogram(hist: Float64Array): void {
    const slot = this.slotOf(hist);
    if (slot >= 0 && slot < this.#histograms - this.#workerSlots) this.#free.push(slot);
  }

  /** The histogram slot of worker thread t (1 ≤ t < threads): after the pool's. */
  workerSlot(t: number): number {
    return this.#histograms - this.#workerSlots + t - 1;
  }

  get #workerSlots(): number {
    return this.#histograms - this.#poolSlots;
  }

  /** Histogram `slot` of the layout's memory; not zeroed. */
  histogram(slot: number): Float64Array {
    if (!(slot >= 0 && slot < this.#histograms)) throw new Error(`histogram slot ${slot} out of 0..${this.#histograms - 1}`);
    return new Float64Array(this.#buffer, this.addresses.histograms + slot * this.histogramDoubles * 8, this.histogramDoubles);
  }

  /** The slot of a histogram from `histogram`, or −1 for any other array. */
  slotOf(hist: Float64Array): number {
    if (hist.buffer !== this.#buffer) return -1;
    return (hist.byteOffset - this.addresses.histograms) / (this.histogramDoubles * 8);
  }

  /**
   * Prepares a new tree on rows order[0..count). When every row takes part and every row is
   * already laid out (the previous tree used them all), the rows stay where the previous tree left
   * them — any order serves a root — and only their gradients are gathered. Returns whether
   * `order` was kept (the caller must not overwrite it then).
   */
  keepsOrder(count: number): boolean {
    return this.#complete && count === this.#data.rows;
  }

  /**
   * Notes that the next tree's gradients were written straight into `gh` in the layout's order
   * (boosting on every row, `keepsOrder` true): that tree then needs no gather.
   */
  gradientsWritten(): void {
    this.#ghInOrder = true;
  }

  /**
   * carried[2i] = scores[order[i]], carried[2i + 1] = labels[order[i]] for every laid-out row
   * (`keepsOrder` true); from then on the partitions move them with their rows.
   */
  carryScores(scores: Float64Array, labels: Float64Array): void {
    const order = this.order;
    const carried = this.carried;
    for (let i = 0; i < order.length; i++) {
      const r = order[i]!;
      carried[2 * i] = scores[r]!;
      carried[2 * i + 1] = labels[r]!;
    }
  }

  /** A tree on every row, kept where the previous tree left them: their gradients into `gh` in order. */
  refreshGradients(order: Uint32Array, count: number): void {
    if (this.#ghInOrder) this.#ghInOrder = false;
    else this.gatherGradients(order, count);
  }

  /** Lays out rows order[0..count) for a new tree (after `keepsOrder` said no, with order filled). */
  load(order: Uint32Array, count: number): void {
    const a = this.addresses;
    if (this.kernels !== null && this.#isOrder(order)) this.kernels.load(a.order, a.sourceCodes, a.codes, count);
    else {
      const words = this.stride >> 2;
      const codes32 = this.codes32;
      const source32 = this.#source32;
      for (let i = 0; i < count; i++) {
        const from = order[i]! * words;
        const to = i * words;
        for (let j = 0; j < words; j++) codes32[to + j] = source32[from + j]!;
      }
    }
    this.#complete = count === this.#data.rows;
    this.#ghInOrder = false;
    this.gatherGradients(order, count);
  }

  /** `order` is (a view from the start of) this layout's own order, which worker threads share */
  #isOrder(order: Uint32Array): boolean {
    return order.buffer === this.order.buffer && order.byteOffset === this.order.byteOffset;
  }

  /** Copies each laid-out row's gradient and hessian from `sourceGh`. */
  gatherGradients(order: Uint32Array, count: number): void {
    if (this.#isOrder(order) && this.parallel?.gather(count) === true) return;
    this.gatherRange(order, 0, count);
  }

  /** `gatherGradients` for positions begin..end on this thread */
  gatherRange(order: Uint32Array, begin: number, end: number): void {
    const a = this.addresses;
    if (this.kernels !== null && this.#isOrder(order)) this.kernels.gather(a.order, a.sourceGh, a.gh, begin, end);
    else gatherKernel(order, this.sourceGh, this.gh, begin, end);
  }

  /**
   * Partition of positions begin..end by `goesLeft[code of feature f]`, moving the row ids in
   * `order`, codes and gradients together. Returns the first right position. Hoare-style: only
   * rows on the wrong side are swapped, so a lopsided split (common deep in a tree) moves few rows.
   * Row order inside a node changes; any order serves the next histograms.
   */
  partition(order: Uint32Array, begin: number, end: number, feature: number, goesLeft: Uint8Array): number {
    if (goesLeft !== this.goesLeft) this.goesLeft.set(goesLeft.subarray(0, 256));
    const mid = this.#isOrder(order) ? this.parallel?.partition(begin, end, feature, this.goesLeft) : undefined;
    return mid ?? this.partitionRange(order, begin, end, feature);
  }

  /** `partition` of positions begin..end on this thread, by the split table in `goesLeft` */
  partitionRange(order: Uint32Array, begin: number, end: number, feature: number): number {
    const a = this.addresses;
    if (this.kernels !== null && this.#isOrder(order)) return this.kernels.partition(a.codes, a.gh, a.carried, a.order, begin, end, feature, a.goesLeft);
    return partitionKernel(this.codes, this.codes32, this.stride, this.gh, this.carried, order, begin, end, feature, this.goesLeft);
  }

  /** Swaps positions a..a+count with b..b+count on this thread. */
  swapRows(a: number, b: number, count: number): void {
    const at = this.addresses;
    if (this.kernels !== null) this.kernels.swapRows(at.codes, at.gh, at.carried, at.order, a, b, count);
    else swapRowsKernel(this.codes32, this.stride >> 2, this.gh, this.carried, this.order, a, b, count);
  }

  /** parent −= small (histogram subtraction: the larger child's histogram from its parent's and the smaller child's). */
  subtractHistogram(parent: Float64Array, small: Float64Array): void {
    const spans = this.spans;
    const a = this.addresses;
    const parentSlot = this.slotOf(parent);
    const smallSlot = this.slotOf(small);
    if (this.kernels !== null && parentSlot >= 0 && smallSlot >= 0) {
      const bytes = this.histogramDoubles * 8;
      this.kernels.subtract(a.histograms + parentSlot * bytes, a.histograms + smallSlot * bytes, a.spans, spans.length >> 1);
      return;
    }
    for (let j = 0; j < spans.length; j += 2) {
      for (let i = spans[j]! >> 3, end = spans[j + 1]! >> 3; i < end; i++) parent[i]! -= small[i]!;
    }
  }

  /** Adds positions begin..end to `hist` for `features` (sorted; maybe all of them, see `buildsAllFeatures`). */
  buildHistogram(begin: number, end: number, features: Int32Array, hist: Float64Array): void {
    const slot = this.slotOf(hist);
    if (this.kernels?.histogram != null && slot >= 0 && buildsAllFeatures(this, features)) {
      const a = this.addresses;
      this.kernels.histogram(a.codes, a.gh, a.histograms + slot * this.histogramDoubles * 8, begin, end);
    } else buildLayoutHistogram(this, this.#data.slotShift, begin, end, features, hist);
  }
}

/** Byte ranges of a histogram of (g, h) pairs that features' bins (missing bin included) use, adjacent ones joined. */
function histogramSpans(data: GrowData): Int32Array {
  const spans: number[] = [];
  for (let f = 0; f < data.numFeatures; f++) {
    const begin = data.binOffset[f]! * 16;
    const end = (data.binOffset[f]! + data.numBins[f]! + 1) * 16;
    if (spans.length > 0 && spans[spans.length - 1] === begin) spans[spans.length - 1] = end;
    else spans.push(begin, end);
  }
  return Int32Array.from(spans);
}

/**
 * Hoare partition of positions begin..end of a layout by `goesLeft[code of feature]`, moving row
 * ids, codes, gradients and carried values together; returns the first right position. Worker threads run its
 * source text beside `swapRowsKernel`'s, the one function it calls.
 */
export function partitionKernel(
  codes: Uint8Array,
  codes32: Uint32Array,
  stride: number,
  gh: Float64Array,
  carried: Float64Array,
  order: Uint32Array,
  begin: number,
  end: number,
  feature: number,
  goesLeft: Uint8Array,
): number {
  const words = stride >> 2;
  let i = begin;
  let j = end - 1;
  for (;;) {
    while (i <= j && goesLeft[codes[i * stride + feature]!] === 1) i++;
    while (i < j && goesLeft[codes[j * stride + feature]!] === 0) j--;
    if (i >= j) break;
    // row i belongs right, row j left: swap them
    swapRowsKernel(codes32, words, gh, carried, order, i, j, 1);
    i++;
    j--;
  }
  return i;
}

/** Swaps rows a..a+count with rows b..b+count of a layout (codes, gradients, carried values, row ids). Self-contained. */
export function swapRowsKernel(codes32: Uint32Array, words: number, gh: Float64Array, carried: Float64Array, order: Uint32Array, a: number, b: number, count: number): void {
  for (let k = 0; k < count; k++) {
    const i = a + k;
    const j = b + k;
    const x = i * words;
    const y = j * words;
    for (let w = 0; w < words; w++) {
      const t = codes32[x + w]!;
      codes32[x + w] = codes32[y + w]!;
      codes32[y + w] = t;
    }
    const g = gh[2 * i]!;
    const h = gh[2 * i + 1]!;
    gh[2 * i] = gh[2 * j]!;
    gh[2 * i + 1] = gh[2 * j + 1]!;
    gh[2 * j] = g;
    gh[2 * j + 1] = h;
    const c0 = carried[2 * i]!;
    const c1 = carried[2 * i + 1]!;
    carried[2 * i] = carried[2 * j]!;
    carried[2 * i + 1] = carried[2 * j + 1]!;
    carried[2 * j] = c0;
    carried[2 * j + 1] = c1;
    const r = order[i]!;
    order[i] = order[j]!;
    order[j] = r;
  }
}

/** gh[2i], gh[2i + 1] = the source gradient and hessian of row order[i], for positions begin..end. Self-contained. */
export function gatherKernel(order: Uint32Array, sourceGh: Float64Array, gh: Float64Array, begin: number, end: number): void {
  for (let i = begin; i < end; i++) {
    const r = order[i]!;
    gh[2 * i] = sourceGh[2 * r]!;
    gh[2 * i + 1] = sourceGh[2 * r + 1]!;
  }
}

/**
 * scores[offset + order[i]] += value of the leaf holding position i, for positions begin..end;
 * leaf l holds positions leafBegin[l]..leafEnd[l]. Self-contained.
 */
export function addLeafValuesKernel(
  order: Uint32Array,
  scores: Float64Array,
  offset: number,
  leafBegin: Int32Array,
  leafEnd: Int32Array,
  leafValue: Float64Array,
  numLeaves: number,
  begin: number,
  end: number,
): void {
  for (let l = 0; l < numLeaves; l++) {
    const from = Math.max(begin, leafBegin[l]!);
    const to = Math.min(end, leafEnd[l]!);
    const v = leafValue[l]!;
    for (let i = from; i < to; i++) scores[offset + order[i]!]! += v;
  }
}

/** Adds positions begin..end of a layout to `hist` for every feature: `(codes32, gh, begin, end, hist) => void`. */
export type FullHistogramKernel = (codes32: Uint32Array, gh: Float64Array, begin: number, end: number, hist: Float64Array) => void;

/** Wider tables use the generic kernel: straight-line code for them would be too big to optimise. */
const MAX_GENERATED_FEATURES = 64;

/**
 * The source of a histogram kernel for all `numFeatures` features of a layout with this stride and
 * slot shift, or null for wide tables. Straight-line code: each row's codes read as 32-bit words,
 * every slot offset a constant — twice as fast as the generic loop, with the same sums in the same
 * order. Worker threads compile the same text.
 */
export function fullHistogramKernelSource(numFeatures: number, stride: number, shift: number): string | null {
  if (numFeatures > MAX_GENERATED_FEATURES) return null;
  const lines = ['for (let i = begin; i < end; i++) {', '  const g = gh[2 * i];', '  const h = gh[2 * i + 1];', `  const base = i * ${stride >> 2};`];
  for (let w = 0; w * 4 < numFeatures; w++) {
    lines.push(`  const w${w} = codes32[base + ${w}];`);
    for (let b = 0; b < 4 && w * 4 + b < numFeatures; b++) {
      const slot = ((w * 4 + b) << shift) << 1;
      const code = b === 0 ? `(w${w} & 255)` : b === 3 ? `(w${w} >>> 24)` : `((w${w} >>> ${8 * b}) & 255)`;
      lines.push(`  { const a = ${slot} + (${code} << 1); hist[a] += g; hist[a + 1] += h; }`);
    }
  }
  lines.push('}');
  return lines.join('\n');
}

/** Compiled kernels by shape: one function per shape keeps V8's optimised code across trainings. */
const compiledKernels = new Map<string, FullHistogramKernel>();

/** Compiles `fullHistogramKernelSource` (once per shape), or returns null for wide tables. */
export function makeFullHistogramKernel(numFeatures: number, stride: number, shift: number): FullHistogramKernel | null {
  const key = `${numFeatures}/${stride}/${shift}`;
  const known = compiledKernels.get(key);
  if (known !== undefined) return known;
  const source = fullHistogramKernelSource(numFeatures, stride, shift);
  if (source === null) return null;
  // generated code on purpose: constant offsets are what makes the kernel fast
  const kernel = new Function('codes32', 'gh', 'begin', 'end', 'hist', source) as FullHistogramKernel;
  compiledKernels.set(key, kernel);
  return kernel;
}

/**
 * Whether histograms for `features` are better built for every feature with the generated kernel:
 * at twice the speed per cell it wins whenever at least half the features are asked for (feature
 * subsampling); the extra slots are simply not read.
 */
export function buildsAllFeatures(layout: RowLayout, features: Int32Array): boolean {
  return layout.fullKernel !== null && 2 * features.length >= layout.numFeatures;
}

/** Adds positions begin..end of `layout` to `hist` for `features` (sorted; maybe all of them, see `buildsAllFeatures`). */
export function buildLayoutHistogram(layout: RowLayout, shift: number, begin: number, end: number, features: Int32Array, hist: Float64Array): void {
  if (buildsAllFeatures(layout, features)) layout.fullKernel!(layout.codes32, layout.gh, begin, end, hist);
  else layoutHistogramKernel(layout.codes, layout.stride, shift, layout.gh, begin, end, features, 0, features.length, features.length === layout.numFeatures ? 1 : 0, hist);
}

/**
 * Adds positions begin..end of a `RowLayout` to `hist` for features[fBegin..fEnd) — or, when
 * `identity` is 1, for features fBegin..fEnd themselves. Self-contained on purpose: its source
 * text is also what histogram worker threads run, so it must not use anything from outside.
 */
export function layoutHistogramKernel(
  codes: Uint8Array,
  stride: number,
  shift: number,
  gh: Float64Array,
  begin: number,
  end: number,
  features: Int32Array,
  fBegin: number,
  fEnd: number,
  identity: number,
  hist: Float64Array,
): void {
  const count = fEnd - fBegin;
  const end4 = fBegin + (count & ~3);
  if (identity === 1) {
    for (let i = begin; i < end; i++) {
      const g = gh[2 * i]!;
      const h = gh[2 * i + 1]!;
      const base = i * stride;
      let j = fBegin;
      for (; j < end4; j += 4) {
        const a = ((j << shift) + codes[base + j]!) << 1;
        const b = (((j + 1) << shift) + codes[base + j + 1]!) << 1;
        const c = (((j + 2) << shift) + codes[base + j + 2]!) << 1;
        const d = (((j + 3) << shift) + codes[base + j + 3]!) << 1;
        hist[a]! += g;
        hist[a + 1]! += h;
        hist[b]! += g;
        hist[b + 1]! += h;
        hist[c]! += g;
        hist[c + 1]! += h;
        hist[d]! += g;
        hist[d + 1]! += h;
      }
      for (; j < fEnd; j++) {
        const a = ((j << shift) + codes[base + j]!) << 1;
        hist[a]! += g;
        hist[a + 1]! += h;
      }
    }
    return;
  }
  for (let i = begin; i < end; i++) {
    const g = gh[2 * i]!;
    const h = gh[2 * i + 1]!;
    const base = i * stride;
    let j = fBegin;
    for (; j < end4; j += 4) {
      const f0 = features[j]!;
      const f1 = features[j + 1]!;
      const f2 = features[j + 2]!;
      const f3 = features[j + 3]!;
      const a = ((f0 << shift) + codes[base + f0]!) << 1;
      const b = ((f1 << shift) + codes[base + f1]!) << 1;
      const c = ((f2 << shift) + codes[base + f2]!) << 1;
      const d = ((f3 << shift) + codes[base + f3]!) << 1;
      hist[a]! += g;
      hist[a + 1]! += h;
      hist[b]! += g;
      hist[b + 1]! += h;
      hist[c]! += g;
      hist[c + 1]! += h;
      hist[d]! += g;
      hist[d + 1]! += h;
    }
    for (; j < fEnd; j++) {
      const f = features[j]!;
      const a = ((f << shift) + codes[base + f]!) << 1;
      hist[a]! += g;
      hist[a + 1]! += h;
    }
  }
}
