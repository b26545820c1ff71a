import { Code, encodeModule, F64, I32, op, type WasmFunction } from './wasm-encoder.js';
import { BLOCK_ROWS, walkFunction } from './wasm-prediction.js';

/** The packed model a compiled module is generated from (`PackedTrees`' arrays). */
export interface PackedModel {
  readonly nodes: Float64Array;
  readonly links: Int32Array;
  readonly roots: Int32Array;
  readonly outputOf: Int32Array;
  readonly catOffset: Int32Array;
  readonly catBits: Int32Array;
}

export interface CompileOptions {
  /** a tree-chunk function is closed once its code passes this many bytes */
  readonly chunkBytes?: number;
  /** trees with more nodes are walked (the generic kernel) rather than compiled */
  readonly maxTreeNodes?: number;
  /** subtrees of at most this many internal nodes are computed with selects, not branches */
  readonly branchFree?: number;
}

const DEFAULT_CHUNK_BYTES = 6_000;
const DEFAULT_MAX_TREE_NODES = 4_095;
const DEFAULT_BRANCH_FREE = 7;

const DEFAULT_LEFT = 1 << 30;
const CATEGORICAL = 1 << 29;
const FEATURE = 0x1fffffff;

/**
 * A model's trees compiled to WebAssembly code, as lleaves and treelite compile LightGBM and
 * XGBoost models: each internal node an `if` on `row[f] > threshold` with the threshold an
 * `f64.const` and the feature's offset a load immediate, each leaf an add of a constant to the
 * row's output — no node records read. The module exports `walk` with the generic kernel's
 * signature and sums (`wasm-prediction.ts`), so it replaces that kernel in a prediction job.
 *
 * Trees are cut into chunks of consecutive trees (a function each, ≈ `chunkBytes` of code) and the
 * block's rows run through a chunk before the next chunk. A row adds its trees in tree order, into
 * one local per output loaded from and stored back to `out`: the sums are the generic walk's, bit
 * for bit. Trees over `maxTreeNodes` nodes (deep forest trees: kilobytes of code each) are left to
 * the generic walk, called in their place in the tree order.
 *
 * Subtrees of at most `branchFree` internal nodes (a tree's last levels, where branches are
 * coin flips the CPU mispredicts) are computed without branches: every node's test, the leaf's
 * output chosen by `select`s on its bits as an i64 (conditional moves; V8 branches on a float64
 * select). On credit_data's boosters (3 to 31 leaves) with one thread, CPU per row × tree visit
 * against the generic walk: 0.40 with branches only, 0.33 with 3, 0.31 with 7, 0.43 with 15,
 * 0.49 with none; chunks of 6 kB 0.43, 24 kB 0.47, 100 kB 0.58 (December 2026, load average ~7).
 *
 * Missing values cost no extra test: with the default left a node tests `v > t` (false for NaN),
 * with the default right `v <= t` with its branches swapped (false for NaN again). A categorical
 * node tests what the generic walk tests — a whole number in [0, t) is looked up in the left
 * bitset (a constant for ≤ 32 categories, else the model's bitsets in memory), anything else
 * takes the default side.
 */
export function compiledTreesModule(model: PackedModel, options: CompileOptions = {}): Uint8Array {
  // V8 compiles no function over 7,654,321 bytes: the estimate below is within 2× of the truth
  const chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, 2_000_000);
  const maxTreeNodes = options.maxTreeNodes ?? DEFAULT_MAX_TREE_NODES;
  const branchFree = options.branchFree ?? DEFAULT_BRANCH_FREE;
  const nt = model.roots.length;
  const size = (t: number): number => treeSize(model, t);
  // segments of consecutive trees: compiled chunks, or runs of big trees for the generic walk
  const segments: { start: number; end: number; compiled: boolean }[] = [];
  for (let t = 0; t < nt; ) {
    const compiled = size(t) <= maxTreeNodes;
    let end = t + 1;
    if (compiled) {
      // about 20 bytes of code per node
      let bytes = 20 * size(t);
      while (end < nt && size(end) <= maxTreeNodes && bytes + 20 * size(end) <= chunkBytes) bytes += 20 * size(end++);
    } else {
      while (end < nt && size(end) > maxTreeNodes) end++;
    }
    segments.push({ start: t, end, compiled });
    t = end;
  }
  const functions: WasmFunction[] = [{ ...walkFunction(), name: 'walkTrees' }];
  const calls: { index: number; segment: (typeof segments)[number] }[] = [];
  for (const segment of segments) {
    if (!segment.compiled) {
      calls.push({ index: 0, segment });
      continue;
    }
    calls.push({ index: functions.length, segment });
    functions.push(chunkFunction(model, segment.start, segment.end, branchFree, `chunk${functions.length}`));
  }
  functions.push(entryFunction(calls));
  return encodeModule(functions);
}

/** nodes of tree t (a tree's nodes are contiguous, in tree order) */
function treeSize(model: PackedModel, t: number): number {
  const { roots } = model;
  return (t + 1 < roots.length ? roots[t + 1]! : model.nodes.length / 2) - roots[t]!;
}

/** The nodes `compiledTreesModule` turns into code with the default options (bigger trees are walked). */
export function compiledNodes(model: PackedModel): number {
  let nodes = 0;
  for (let t = 0; t < model.roots.length; t++) {
    const size = treeSize(model, t);
    if (size <= DEFAULT_MAX_TREE_NODES) nodes += size;
  }
  return nodes;
}

/** The compiled module of a model (compile once; worker threads receive it in their job). */
export function compileTrees(model: PackedModel, options: CompileOptions = {}): WebAssembly.Module {
  return new WebAssembly.Module(compiledTreesModule(model, options));
}

/** The walk kernel's parameters: block, stride, count, out, outputs, roots, outputOf, trees, nodes, catOffset, catBits. */
const WALK_PARAMS = [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32];

/** `walk`: each segment in tree order, chunks called with the block, big trees walked by the generic kernel. */
function entryFunction(calls: readonly { index: number; segment: { start: number; end: number; compiled: boolean } }[]): WasmFunction {
  const [block, stride, count, out, outputs, roots, outputOf, , nodes, catOffset, catBits] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const c = new Code(11);
  for (const { index, segment } of calls) {
    c.get(block).get(stride).get(count).get(out).get(outputs);
    if (segment.compiled) {
      c.get(catBits).call(index);
      continue;
    }
    c.get(roots).i32(4 * segment.start).emit(op.i32Add);
    c.get(outputOf).i32(4 * segment.start).emit(op.i32Add);
    c.i32(segment.end - segment.start).get(nodes).get(catOffset).get(catBits).call(index);
  }
  return { name: 'walk', params: WALK_PARAMS, results: [], code: c };
}

/** `chunk(block, stride, count, out, outputs, catBits)`: trees [first, end) over every row of the block. */
function chunkFunction(model: PackedModel, first: number, end: number, branchFree: number, name: string): WasmFunction {
  const { nodes, links, roots, outputOf, catOffset, catBits } = model;
  const [block, stride, count, out, outputs, bits] = [0, 1, 2, 3, 4, 5];
  const c = new Code(6);
  const base = c.local(I32);
  const last = c.local(I32);
  const o = c.local(I32);
  const step = c.local(I32);
  const v = c.local(F64);
  const code = c.local(I32);
  const valid = c.local(I32);
  const acc = new Map<number, number>();
  for (let t = first; t < end; t++) if (!acc.has(outputOf[t]!)) acc.set(outputOf[t]!, c.local(F64));
  const f64 = 3;

  // internal nodes under each node (0 at a leaf): small subtrees are computed without branches
  const internal = new Map<number, number>();
  const countInternal = (i: number): number => {
    if (links[4 * i + 2]! < 0) return 0;
    const n = 1 + countInternal(links[4 * i + 3]!) + countInternal(links[4 * i + 3]! + 1);
    internal.set(i, n);
    return n;
  };
  for (let t = first; t < end; t++) countInternal(roots[t]!);

  // pushes 1 when categorical node i sends the row left: a category is a whole number in
  // [0, known) (trunc_sat(v) converts back to v: not NaN, not negative, −0 included, as in the
  // generic walk) with its bit set in the left bitset; anything else goes to the default side
  const categoricalGoesLeft = (i: number, m: number): void => {
    const known = nodes[2 * i]!;
    const at = catOffset[i]!;
    c.get(base).memory(op.f64Load, f64, 8 * BLOCK_ROWS * ((m & FEATURE) + 1)).tee(v).emit(op.misc, 3).tee(code);
    c.emit(op.f64ConvertI32U).get(v).emit(op.f64Eq).get(v).f64(known).emit(op.f64Lt, op.i32And).set(valid);
    if (known <= 32) {
      c.i32(catBits[at] ?? 0);
    } else {
      // the bitset's word in memory (word 0 for a value that is no category: read, not used)
      c.get(bits).get(code).i32(0).get(valid).emit(op.select).i32(5).emit(op.i32ShrU).i32(2).emit(op.i32Shl, op.i32Add);
      c.memory(op.i32Load, 2, 4 * at);
    }
    c.get(code).emit(op.i32ShrU).i32(1).emit(op.i32And).i32((m & DEFAULT_LEFT) !== 0 ? 1 : 0).get(valid).emit(op.select);
  };
  // pushes numeric node i's test; with the default left it is `v > t` (true: right), with the
  // default right `v <= t` (true: left). NaN fails both: the false side is the default side.
  const numericTest = (i: number, m: number): boolean => {
    const defaultLeft = (m & DEFAULT_LEFT) !== 0;
    c.get(base).memory(op.f64Load, f64, 8 * BLOCK_ROWS * ((m & FEATURE) + 1)).f64(nodes[2 * i]!).emit(defaultLeft ? op.f64Gt : op.f64Le);
    return defaultLeft;
  };
  // pushes the bits of the output of the leaf the row reaches under node i, with selects: on
  // integers (a float64's bits) V8 makes them conditional moves, where a float64 select branches
  const value = (i: number): void => {
    const m = links[4 * i + 2]!;
    if (m < 0) {
      c.i64Bits(nodes[2 * i]!);
      return;
    }
    const left = links[4 * i + 3]!;
    if ((m & CATEGORICAL) !== 0) {
      value(left);
      value(left + 1);
      categoricalGoesLeft(i, m);
    } else {
      // select(a, b, test) is test ? a : b: a = right when the test is v > t
      const defaultLeft = (m & DEFAULT_LEFT) !== 0;
      value(defaultLeft ? left + 1 : left);
      value(defaultLeft ? left : left + 1);
      numericTest(i, m);
    }
    c.emit(op.select);
  };
  // the code of node i: adds the output of the leaf the row reaches to `sum`, branching down to
  // subtrees of at most `branchFree` internal nodes
  const node = (i: number, sum: number): void => {
    if ((internal.get(i) ?? 0) <= branchFree) {
      c.get(sum);
      value(i);
      c.emit(op.f64ReinterpretI64, op.f64Add).set(sum);
      return;
    }
    const m = links[4 * i + 2]!;
    const left = links[4 * i + 3]!;
    let first = left;
    if ((m & CATEGORICAL) !== 0) categoricalGoesLeft(i, m);
    else if (numericTest(i, m)) first = left + 1;
    c.emit(op.if, op.voidType);
    node(first, sum);
    c.emit(op.else);
    node(first === left ? left + 1 : left, sum);
    c.emit(op.end);
  };

  // per row: base = its values, o = its outputs; the outputs in locals while the chunk's trees add to them
  c.get(block).set(base).get(out).set(o);
  c.get(block).get(count).get(stride).emit(op.i32Mul, op.i32Add).set(last);
  c.get(outputs).i32(3).emit(op.i32Shl).set(step);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(base).get(last).emit(op.i32GeU, op.brIf, 1);
  for (const [k, local] of acc) c.get(o).memory(op.f64Load, f64, 8 * k).set(local);
  for (let t = first; t < end; t++) node(roots[t]!, acc.get(outputOf[t]!)!);
  for (const [k, local] of acc) c.get(o).get(local).memory(op.f64Store, f64, 8 * k);
  c.get(base).get(stride).emit(op.i32Add).set(base);
  c.get(o).get(step).emit(op.i32Add).set(o);
  c.emit(op.br, 0, op.end, op.end);
  return { name, params: [I32, I32, I32, I32, I32, I32], results: [], code: c };
}
