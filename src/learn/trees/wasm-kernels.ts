import { Code, encodeModule, I32, op, simd, V128, type WasmFunction } from './wasm-encoder.js';

/**
 * Boosting's row kernels in WebAssembly, over a `RowLayout` that lives in one shared
 * `WebAssembly.Memory` (so worker threads run the same module on the same bytes). Layout, all
 * addresses in bytes: row i's codes at codes + i·stride (one byte per feature, padded), its
 * gradient and hessian as two float64 at gh + 16i, two carried float64 (boosting's score and
 * label) at carried + 16i, its row id as a uint32 at order + 4i; a
 * histogram holds (gradient, hessian) float64 pairs, feature f's bin b at hist + 16·((f << shift) + b).
 *
 * What wasm buys over the typed-array JavaScript kernels: no bounds check per access, a histogram
 * cell updated as one 128-bit (g, h) add at a constant offset, a row's 32 code bytes moved as two
 * 128-bit words. The sums are the same, in the same order, as the JavaScript kernels'.
 */
export interface LayoutKernels {
  /** hist += rows begin..end, every feature (null on tables too wide for straight-line code) */
  readonly histogram: ((codes: number, gh: number, hist: number, begin: number, end: number) => void) | null;
  /** Hoare partition of rows begin..end by goesLeft[code of feature] (a 256-byte table); returns the first right row */
  readonly partition: (codes: number, gh: number, carried: number, order: number, begin: number, end: number, feature: number, goesLeft: number) => number;
  /** swaps rows a..a+count with rows b..b+count (codes, gradients, carried values, row ids) */
  readonly swapRows: (codes: number, gh: number, carried: number, order: number, a: number, b: number, count: number) => void;
  /** gh of row position i = sourceGh of row id order[i], for positions begin..end */
  readonly gather: (order: number, sourceGh: number, gh: number, begin: number, end: number) => void;
  /** parent −= small over `count` byte ranges [begin, end) of a histogram, listed as int32 pairs at `spans` */
  readonly subtract: (parent: number, small: number, spans: number, count: number) => void;
  /** codes of row position i = source codes of row id order[i] (`stride` bytes each), for positions 0..count */
  readonly load: (order: number, source: number, codes: number, count: number) => void;
  /** zeroes `bytes` bytes from `at` (memory.fill: a typed array's fill on shared memory is several times slower) */
  readonly zero: (at: number, bytes: number) => void;
}

/** Wider tables build histograms with the generic JavaScript kernel (as `fullHistogramKernelSource`). */
const MAX_HISTOGRAM_FEATURES = 64;

/** The kernels' module for a layout shape (it imports a shared memory of any size). */
export function layoutKernelsModule(numFeatures: number, stride: number, shift: number): Uint8Array {
  const functions: WasmFunction[] = [partitionFunction(stride), swapRowsFunction(stride), gatherFunction(), subtractFunction(), zeroFunction(), loadFunction(stride)];
  if (numFeatures <= MAX_HISTOGRAM_FEATURES) functions.push(histogramFunction(numFeatures, stride, shift));
  return encodeModule(functions);
}

/** Compiled modules by shape: compiled once, and V8's optimised code is kept across trainings. */
const compiledModules = new Map<string, WebAssembly.Module>();

export function compileLayoutKernels(numFeatures: number, stride: number, shift: number): WebAssembly.Module {
  const key = `${numFeatures}/${stride}/${shift}`;
  let module = compiledModules.get(key);
  if (module === undefined) {
    module = new WebAssembly.Module(layoutKernelsModule(numFeatures, stride, shift));
    compiledModules.set(key, module);
  }
  return module;
}

/** Instantiates the module (compiled from `layoutKernelsModule`) on its memory. */
export function instantiateLayoutKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): LayoutKernels {
  const exports = new WebAssembly.Instance(module, { m: { memory } }).exports as unknown as Record<string, unknown>;
  return {
    histogram: (exports.histogram as LayoutKernels['histogram'] | undefined) ?? null,
    partition: exports.partition as LayoutKernels['partition'],
    swapRows: exports.swapRows as LayoutKernels['swapRows'],
    gather: exports.gather as LayoutKernels['gather'],
    subtract: exports.subtract as LayoutKernels['subtract'],
    zero: exports.zero as LayoutKernels['zero'],
    load: exports.load as LayoutKernels['load'],
  };
}

/**
 * Straight-line per row: load (g, h) once, then for every feature add it to the slot its code
 * picks — `v128.store(hist + 16·code + C_f, v128.load(…) + gh)` with C_f = 16·(f << shift) a constant.
 */
function histogramFunction(numFeatures: number, stride: number, shift: number): WasmFunction {
  const [codes, gh, hist, begin, end] = [0, 1, 2, 3, 4];
  const c = new Code(5);
  const row = c.local(I32);
  const rowEnd = c.local(I32);
  const pair = c.local(I32);
  const value = c.local(V128);
  const slot = c.local(I32);
  // row = codes + begin·stride, rowEnd = codes + end·stride, pair = gh + 16·begin
  c.get(codes).get(begin).i32(stride).emit(op.i32Mul, op.i32Add).set(row);
  c.get(codes).get(end).i32(stride).emit(op.i32Mul, op.i32Add).set(rowEnd);
  c.get(gh).get(begin).i32(4).emit(op.i32Shl, op.i32Add).set(pair);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(row).get(rowEnd).emit(op.i32GeU, op.brIf, 1);
  c.get(pair).simd(simd.v128Load, { align: 3, offset: 0 }).set(value);
  for (let f = 0; f < numFeatures; f++) {
    const offset = (f << shift) * 16;
    c.get(hist).get(row).memory(op.i32Load8U, 0, f).i32(4).emit(op.i32Shl, op.i32Add).tee(slot);
    c.get(slot).simd(simd.v128Load, { align: 3, offset });
    c.get(value).simd(simd.f64x2Add);
    c.simd(simd.v128Store, { align: 3, offset });
  }
  c.advance(row, stride).advance(pair, 16);
  c.emit(op.br, 0, op.end, op.end);
  return { name: 'histogram', params: [I32, I32, I32, I32, I32], results: [], code: c };
}

/** Swaps rows i and j: codes (stride / 16 words of 128 bits), gh and carried (one word each), order (4 bytes). */
function emitSwap(c: Code, stride: number, codes: number, gh: number, carried: number, order: number, i: number, j: number, t: number, a: number, b: number, w: number): void {
  // a, b = row addresses in codes
  c.get(codes).get(i).i32(stride).emit(op.i32Mul, op.i32Add).set(a);
  c.get(codes).get(j).i32(stride).emit(op.i32Mul, op.i32Add).set(b);
  for (let k = 0; k < stride; k += 16) {
    const m = { align: 4, offset: k };
    c.get(a).simd(simd.v128Load, m).set(t);
    c.get(a).get(b).simd(simd.v128Load, m).simd(simd.v128Store, m);
    c.get(b).get(t).simd(simd.v128Store, m);
  }
  const m = { align: 3, offset: 0 };
  for (const pairs of [gh, carried]) {
    c.get(pairs).get(i).i32(4).emit(op.i32Shl, op.i32Add).set(a);
    c.get(pairs).get(j).i32(4).emit(op.i32Shl, op.i32Add).set(b);
    c.get(a).simd(simd.v128Load, m).set(t);
    c.get(a).get(b).simd(simd.v128Load, m).simd(simd.v128Store, m);
    c.get(b).get(t).simd(simd.v128Store, m);
  }
  c.get(order).get(i).i32(2).emit(op.i32Shl, op.i32Add).set(a);
  c.get(order).get(j).i32(2).emit(op.i32Shl, op.i32Add).set(b);
  c.get(a).memory(op.i32Load, 2, 0).set(w);
  c.get(a).get(b).memory(op.i32Load, 2, 0).memory(op.i32Store, 2, 0);
  c.get(b).get(w).memory(op.i32Store, 2, 0);
}

/** `partitionKernel` (row-layout.ts) in wasm: the same swaps, so the same row order. */
function partitionFunction(stride: number): WasmFunction {
  const [codes, gh, carried, order, begin, end, feature, goesLeft] = [0, 1, 2, 3, 4, 5, 6, 7];
  const c = new Code(8);
  const i = c.local(I32);
  const j = c.local(I32);
  const a = c.local(I32);
  const b = c.local(I32);
  const w = c.local(I32);
  const t = c.local(V128);
  // goes(k) = goesLeft[codes[k·stride + feature]]
  const goes = (k: number): void => {
    c.get(goesLeft).get(codes).get(k).i32(stride).emit(op.i32Mul, op.i32Add).get(feature).emit(op.i32Add);
    c.memory(op.i32Load8U, 0, 0).emit(op.i32Add).memory(op.i32Load8U, 0, 0);
  };
  c.get(begin).set(i);
  c.get(end).i32(1).emit(op.i32Sub).set(j);
  // i, j are signed: j = begin − 1 when the range is empty
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  {
    // while (i <= j && goesLeft[code(i)] === 1) i++
    c.emit(op.block, op.voidType, op.loop, op.voidType);
    c.get(i).get(j).emit(op.i32LeS, op.i32Eqz, op.brIf, 1);
    goes(i);
    c.emit(op.i32Eqz, op.brIf, 1);
    c.advance(i, 1).emit(op.br, 0, op.end, op.end);
    // while (i < j && goesLeft[code(j)] === 0) j--
    c.emit(op.block, op.voidType, op.loop, op.voidType);
    c.get(i).get(j).emit(op.i32LtS, op.i32Eqz, op.brIf, 1);
    goes(j);
    c.emit(op.brIf, 1);
    c.advance(j, -1).emit(op.br, 0, op.end, op.end);
    // if (i >= j) break
    c.get(i).get(j).emit(op.i32GeS, op.brIf, 1);
    emitSwap(c, stride, codes, gh, carried, order, i, j, t, a, b, w);
    c.advance(i, 1).advance(j, -1);
    c.emit(op.br, 0);
  }
  c.emit(op.end, op.end);
  c.get(i);
  return { name: 'partition', params: [I32, I32, I32, I32, I32, I32, I32, I32], results: [I32], code: c };
}

function swapRowsFunction(stride: number): WasmFunction {
  const [codes, gh, carried, order, first, second, count] = [0, 1, 2, 3, 4, 5, 6];
  const c = new Code(7);
  const k = c.local(I32);
  const i = c.local(I32);
  const j = c.local(I32);
  const a = c.local(I32);
  const b = c.local(I32);
  const w = c.local(I32);
  const t = c.local(V128);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(k).get(count).emit(op.i32GeU, op.brIf, 1);
  c.get(first).get(k).emit(op.i32Add).set(i);
  c.get(second).get(k).emit(op.i32Add).set(j);
  emitSwap(c, stride, codes, gh, carried, order, i, j, t, a, b, w);
  c.advance(k, 1).emit(op.br, 0, op.end, op.end);
  return { name: 'swapRows', params: [I32, I32, I32, I32, I32, I32, I32], results: [], code: c };
}

function gatherFunction(): WasmFunction {
  const [order, sourceGh, gh, begin, end] = [0, 1, 2, 3, 4];
  const c = new Code(5);
  const at = c.local(I32);
  const last = c.local(I32);
  const to = c.local(I32);
  // at = order + 4·begin, last = order + 4·end, to = gh + 16·begin
  c.get(order).get(begin).i32(2).emit(op.i32Shl, op.i32Add).set(at);
  c.get(order).get(end).i32(2).emit(op.i32Shl, op.i32Add).set(last);
  c.get(gh).get(begin).i32(4).emit(op.i32Shl, op.i32Add).set(to);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(at).get(last).emit(op.i32GeU, op.brIf, 1);
  c.get(to);
  c.get(sourceGh).get(at).memory(op.i32Load, 2, 0).i32(4).emit(op.i32Shl, op.i32Add).simd(simd.v128Load, { align: 3, offset: 0 });
  c.simd(simd.v128Store, { align: 3, offset: 0 });
  c.advance(at, 4).advance(to, 16);
  c.emit(op.br, 0, op.end, op.end);
  return { name: 'gather', params: [I32, I32, I32, I32, I32], results: [], code: c };
}

/** Histogram subtraction, one (g, h) slot as one f64x2 sub: the same differences as slot by slot. */
function subtractFunction(): WasmFunction {
  const [parent, small, spans, count] = [0, 1, 2, 3];
  const c = new Code(4);
  const span = c.local(I32);
  const spansEnd = c.local(I32);
  const at = c.local(I32);
  const end = c.local(I32);
  const a = c.local(I32);
  c.get(spans).get(count).i32(3).emit(op.i32Shl, op.i32Add).set(spansEnd);
  c.get(spans).set(span);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(span).get(spansEnd).emit(op.i32GeU, op.brIf, 1);
  c.get(span).memory(op.i32Load, 2, 0).set(at);
  c.get(span).memory(op.i32Load, 2, 4).set(end);
  {
    c.emit(op.block, op.voidType, op.loop, op.voidType);
    c.get(at).get(end).emit(op.i32GeU, op.brIf, 1);
    const m = { align: 3, offset: 0 };
    c.get(parent).get(at).emit(op.i32Add).tee(a);
    c.get(a).simd(simd.v128Load, m);
    c.get(small).get(at).emit(op.i32Add).simd(simd.v128Load, m);
    c.simd(simd.f64x2Sub).simd(simd.v128Store, m);
    c.advance(at, 16);
    c.emit(op.br, 0, op.end, op.end);
  }
  c.advance(span, 8);
  c.emit(op.br, 0, op.end, op.end);
  return { name: 'subtract', params: [I32, I32, I32, I32], results: [], code: c };
}

function zeroFunction(): WasmFunction {
  const [at, bytes] = [0, 1];
  const c = new Code(2);
  c.get(at).i32(0).get(bytes).emit(op.misc, 11, 0);
  return { name: 'zero', params: [I32, I32], results: [], code: c };
}

/** A new tree's rows laid out: each row's codes copied from its row id's, as 128-bit words. */
function loadFunction(stride: number): WasmFunction {
  const [order, source, codes, count] = [0, 1, 2, 3];
  const c = new Code(4);
  const at = c.local(I32);
  const last = c.local(I32);
  const to = c.local(I32);
  const from = c.local(I32);
  // at = order, last = order + 4·count, to = codes
  c.get(order).set(at);
  c.get(order).get(count).i32(2).emit(op.i32Shl, op.i32Add).set(last);
  c.get(codes).set(to);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(at).get(last).emit(op.i32GeU, op.brIf, 1);
  c.get(source).get(at).memory(op.i32Load, 2, 0).i32(stride).emit(op.i32Mul, op.i32Add).set(from);
  for (let k = 0; k < stride; k += 16) {
    const m = { align: 4, offset: k };
    c.get(to).get(from).simd(simd.v128Load, m).simd(simd.v128Store, m);
  }
  c.advance(at, 4).advance(to, stride);
  c.emit(op.br, 0, op.end, op.end);
  return { name: 'load', params: [I32, I32, I32, I32], results: [], code: c };
}
