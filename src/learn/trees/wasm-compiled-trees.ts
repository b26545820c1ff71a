import { Code, encodeModule, F64, I32, op, simd, V128, type WasmFunction } from './wasm-encoder.js';
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
  /** trees of at most this many internal nodes run on two rows at once, in float64x2 lanes (0: none) */
  readonly pairedNodes?: number;
}

const DEFAULT_CHUNK_BYTES = 6_000;
const DEFAULT_MAX_TREE_NODES = 4_095;
const DEFAULT_BRANCH_FREE = 7;
const DEFAULT_PAIRED_NODES = 7;
/** a run of fewer paired trees between others runs row by row (a chunk of its own costs a pass over the block) */
const MIN_PAIRED_RUN = 4;
/** categories a paired categorical test compares against, at most (more: the tree runs row by row) */
const MAX_PAIRED_CATEGORIES = 8;

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
 * Small trees (at most `pairedNodes` internal nodes and few categories in a categorical test) run
 * on two rows at once in float64x2 lanes instead (`pairedChunk`): half the instructions a row.
 *
 * Missing values cost no extra test: with the default left a node tests `v > t` (false for NaN),
 * with the default right `v <= t` with its branches swapped (false for NaN again). A categorical
 * node tests what the generic walk tests — a whole number in [0, t) is looked up in the left
 * bitset (a constant for ≤ 32 categories, else the model's bitsets in memory), anything else
 * takes the default side.
 */
export function compiledTreesModule(model: PackedModel, options: CompileOptions = {}): Uint8Array {
  const branchFree = options.branchFree ?? DEFAULT_BRANCH_FREE;
  const segments = compiledSegments(model, options);
  const functions: WasmFunction[] = [{ ...walkFunction(), name: 'walkTrees' }];
  const calls: { index: number; segment: Segment }[] = [];
  for (const segment of segments) {
    if (segment.kind === 'walk') {
      calls.push({ index: 0, segment });
      continue;
    }
    calls.push({ index: functions.length, segment });
    const name = `chunk${functions.length}`;
    functions.push(segment.kind === 'paired' ? pairedChunk(model, segment.start, segment.end, name) : chunkFunction(model, segment.start, segment.end, branchFree, name));
  }
  functions.push(entryFunction(calls));
  return encodeModule(functions);
}

/** how a tree is scored: by the generic walk, compiled row by row, or compiled for two rows at once */
export type Kind = 'walk' | 'rows' | 'paired';
/** trees [start, end) scored one way: a compiled chunk (a function), or a run of trees for the generic walk */
export interface Segment {
  readonly start: number;
  readonly end: number;
  readonly kind: Kind;
}

/** The model's trees cut into the segments `compiledTreesModule` makes of them. */
export function compiledSegments(model: PackedModel, options: CompileOptions = {}): Segment[] {
  // V8 compiles no function over 7,654,321 bytes: the estimate below is within 2× of the truth
  const chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, 2_000_000);
  const maxTreeNodes = options.maxTreeNodes ?? DEFAULT_MAX_TREE_NODES;
  const pairedNodes = options.pairedNodes ?? DEFAULT_PAIRED_NODES;
  const nt = model.roots.length;
  const size = (t: number): number => treeSize(model, t);
  const internal = internalCounts(model, 0, nt);
  const kinds: Kind[] = Array.from({ length: nt }, (_, t) =>
    size(t) > maxTreeNodes ? 'walk' : (internal.get(model.roots[t]!) ?? 0) <= pairedNodes && pairable(model, model.roots[t]!) ? 'paired' : 'rows',
  );
  // short runs of paired trees among others run row by row
  for (let t = 0; t < nt; ) {
    let end = t + 1;
    while (end < nt && kinds[end] === kinds[t]) end++;
    if (kinds[t] === 'paired' && end - t < MIN_PAIRED_RUN && (t > 0 || end < nt)) kinds.fill('rows', t, end);
    t = end;
  }
  // runs of one kind; compiled ones cut into chunks of about `chunkBytes` (≈ 20 bytes of code a node)
  const segments: Segment[] = [];
  for (let t = 0; t < nt; ) {
    const kind = kinds[t]!;
    let end = t + 1;
    let bytes = 20 * size(t);
    while (end < nt && kinds[end] === kind && (kind === 'walk' || bytes + 20 * size(end) <= chunkBytes)) bytes += 20 * size(end++);
    segments.push({ start: t, end, kind });
    t = end;
  }
  return segments;
}

/** the byte offset, from a row's place in a block, of the feature node flags `m` test (column 0 is −∞) */
function columnOffset(m: number): number {
  return 8 * BLOCK_ROWS * ((m & FEATURE) + 1);
}

/** internal nodes under each node of trees [first, end) (absent at a leaf) */
function internalCounts(model: PackedModel, first: number, end: number): Map<number, number> {
  const { links, roots } = model;
  const internal = new Map<number, number>();
  const count = (i: number): number => {
    if (links[4 * i + 2]! < 0) return 0;
    const n = 1 + count(links[4 * i + 3]!) + count(links[4 * i + 3]! + 1);
    internal.set(i, n);
    return n;
  };
  for (let t = first; t < end; t++) count(roots[t]!);
  return internal;
}

/** the known categories [0, known) of categorical node i that go against its default side */
function awayFromDefault(model: PackedModel, i: number): number[] {
  const { nodes, links, catOffset, catBits } = model;
  const known = nodes[2 * i]!;
  const defaultLeft = (links[4 * i + 2]! & DEFAULT_LEFT) !== 0;
  const away: number[] = [];
  for (let k = 0; k < known; k++) {
    const left = ((catBits[catOffset[i]! + (k >>> 5)]! >>> (k & 31)) & 1) === 1;
    if (left !== defaultLeft) away.push(k);
  }
  return away;
}

/** whether the subtree under node i can run in lanes: its categorical tests compare against few categories */
function pairable(model: PackedModel, i: number): boolean {
  const { nodes, links } = model;
  const m = links[4 * i + 2]!;
  if (m < 0) return true;
  if ((m & CATEGORICAL) !== 0 && (nodes[2 * i]! > 32 * MAX_PAIRED_CATEGORIES || awayFromDefault(model, i).length > MAX_PAIRED_CATEGORIES)) return false;
  return pairable(model, links[4 * i + 3]!) && pairable(model, links[4 * i + 3]! + 1);
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
function entryFunction(calls: readonly { index: number; segment: Segment }[]): WasmFunction {
  const [block, stride, count, out, outputs, roots, outputOf, , nodes, catOffset, catBits] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const c = new Code(11);
  for (const { index, segment } of calls) {
    c.get(block).get(stride).get(count).get(out).get(outputs);
    if (segment.kind !== 'walk') {
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

  // internal nodes under each node: small subtrees are computed without branches
  const internal = internalCounts(model, first, end);

  // pushes 1 when categorical node i sends the row left: a category is a whole number in
  // [0, known) (trunc_sat(v) converts back to v: not NaN, not negative, −0 included, as in the
  // generic walk) with its bit set in the left bitset; anything else goes to the default side
  const categoricalGoesLeft = (i: number, m: number): void => {
    const known = nodes[2 * i]!;
    const at = catOffset[i]!;
    c.get(base).memory(op.f64Load, f64, columnOffset(m)).tee(v).emit(op.misc, 3).tee(code);
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
    c.get(base).memory(op.f64Load, f64, columnOffset(m)).f64(nodes[2 * i]!).emit(defaultLeft ? op.f64Gt : op.f64Le);
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

/**
 * `chunk(block, stride, count, out, outputs, catBits)` for small trees: trees [first, end) over
 * every row of the block, two rows at a time in float64x2 lanes (rows r and r + 1 are side by side
 * in a column: stride 8). Each test is a lane mask, the leaves' values are `bitselect`ed by the
 * masks (every node computed: no branch) and added to both rows' sums in one `f64x2.add`. The
 * thresholds and leaf values are splat from the model's nodes in memory, at address 0
 * (`accumulatePacked`'s layout): one instruction, where a vector constant in code is three or four.
 * Each tree's code sits under an `if` on the (never zero) row count, a branch the CPU predicts:
 * without it V8 schedules every load of the chunk first and spills them (1.6× the time).
 * Each row adds its trees in tree order, so the sums are the one-row code's, bit for bit. An odd
 * count makes a last pair with row `count` (block and out have room for it: `BLOCK_ROWS` is even),
 * whose sum is written to a row of `out` nobody reads.
 */
function pairedChunk(model: PackedModel, first: number, end: number, name: string): WasmFunction {
  const { links, roots, outputOf } = model;
  const [block, , count, out, outputs] = [0, 1, 2, 3, 4];
  const c = new Code(6);
  const base = c.local(I32);
  const last = c.local(I32);
  const o = c.local(I32);
  const next = c.local(I32);
  const step = c.local(I32);
  const x = c.local(V128);
  const acc = new Map<number, number>();
  for (let t = first; t < end; t++) if (!acc.has(outputOf[t]!)) acc.set(outputOf[t]!, c.local(V128));
  const f64 = 3;
  const splat = (i: number): void => {
    c.i32(0).simd(simd.v128Load64Splat, { align: f64, offset: 16 * i });
  };
  // pushes both rows' leaf values under node i
  const lanes = (i: number): void => {
    const m = links[4 * i + 2]!;
    if (m < 0) {
      splat(i);
      return;
    }
    const left = links[4 * i + 3]!;
    const defaultLeft = (m & DEFAULT_LEFT) !== 0;
    const [away, stay] = defaultLeft ? [left + 1, left] : [left, left + 1];
    const categories = (m & CATEGORICAL) !== 0 ? awayFromDefault(model, i) : [];
    if ((m & CATEGORICAL) !== 0 && categories.length === 0) {
      // every known category goes the default way, as does anything else
      lanes(stay);
      return;
    }
    // bitselect(a, b, mask) takes a where the mask is set: the mask marks the non-default side
    lanes(away);
    lanes(stay);
    if ((m & CATEGORICAL) !== 0) {
      // a value equal to a category on the non-default side goes there; NaN, fractions,
      // negatives and unseen codes equal none of them (−0 equals 0, as the one-row test has it)
      c.get(base).simd(simd.v128Load, { align: f64, offset: columnOffset(m) }).set(x);
      categories.forEach((k, n) => {
        c.get(x).f64(k).simd(simd.f64x2Splat).simd(simd.f64x2Eq);
        if (n > 0) c.simd(simd.v128Or);
      });
    } else {
      // default left: v > t goes right; default right: v <= t goes left (NaN: neither)
      c.get(base).simd(simd.v128Load, { align: f64, offset: columnOffset(m) });
      splat(i);
      c.simd(defaultLeft ? simd.f64x2Gt : simd.f64x2Le);
    }
    c.simd(simd.v128Bitselect);
  };

  // per pair of rows: base = their values, o and next = their outputs, the sums in locals while the chunk's trees add to them
  c.get(block).set(base).get(out).set(o);
  c.get(block).get(count).i32(3).emit(op.i32Shl, op.i32Add).set(last);
  c.get(outputs).i32(3).emit(op.i32Shl).set(step);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(base).get(last).emit(op.i32GeU, op.brIf, 1);
  c.get(o).get(step).emit(op.i32Add).set(next);
  for (const [k, sum] of acc) {
    c.get(next).get(o).simd(simd.v128Load64Splat, { align: f64, offset: 8 * k });
    c.simd(simd.v128Load64Lane, { align: f64, offset: 8 * k }).emit(1).set(sum);
  }
  for (let t = first; t < end; t++) {
    const sum = acc.get(outputOf[t]!)!;
    c.get(count).emit(op.if, op.voidType);
    c.get(sum);
    lanes(roots[t]!);
    c.simd(simd.f64x2Add).set(sum);
    c.emit(op.end);
  }
  for (const [k, sum] of acc) {
    c.get(next).get(sum).simd(simd.v128Store64Lane, { align: f64, offset: 8 * k }).emit(1);
    c.get(o).get(sum).simd(simd.v128Store64Lane, { align: f64, offset: 8 * k }).emit(0);
  }
  c.get(base).i32(16).emit(op.i32Add).set(base);
  c.get(next).get(step).emit(op.i32Add).set(o);
  c.emit(op.br, 0, op.end, op.end);
  return { name, params: [I32, I32, I32, I32, I32, I32], results: [], code: c };
}
