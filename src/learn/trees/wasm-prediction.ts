import { Code, encodeModule, F64, I32, op, type WasmFunction } from './wasm-encoder.js';

/**
 * The batch walk of `PackedTrees` in WebAssembly: `walk(block, stride, count, out, outputs, roots,
 * outputOf, trees, nodes, catOffset, catBits)` adds every tree's leaf to each of `count` rows, all
 * addresses in bytes of the module's memory. A block of `BLOCK_ROWS` rows is column-major at
 * `block`: column 0 is −∞ (every row), feature f is column f + 1, each column `BLOCK_ROWS` float64
 * (row r of a column at r × `stride`, stride 8); the columns of a block are copied in whole, where a
 * row-major block was filled value by value. `out` is count × outputs float64, added to;
 * nodes are `PackedTrees`' 16-byte records (float64 threshold or output, int32 feature with flags,
 * int32 left child), leaves pointing at column 0 and at themselves.
 *
 * What wasm buys over the JavaScript loop it replaced (1.6–1.7× the row × tree visits per second
 * on credit_data's boosters, measured side by side on one thread): a numeric step is
 * `left + (v > threshold)` with the comparison's 0/1 and no bounds check per load; categorical and
 * missing values (15–20 % of credit_data's nodes) take one branch into the rules, inline, where
 * JavaScript called a function. (A fully branch-free step, the rules as `select`s on every node,
 * was 0.85× the JavaScript: more instructions on every step than the mispredictions it saved.)
 * Four rows walk each tree side by side (eight gained nothing more), stepping until all four are
 * at their leaves (a row at its leaf steps onto itself). Each row adds its trees in tree order:
 * the sums are those of the JavaScript walk, bit for bit.
 */
export function predictionKernelModule(): Uint8Array {
  return encodeModule([walkFunction()]);
}

let compiled: WebAssembly.Module | undefined;

/** The module, compiled once per thread (worker threads receive it in their job). */
export function predictionKernel(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(predictionKernelModule());
  return compiled;
}

const LANES = 4;

/**
 * Rows in a block (`accumulatePacked`'s, which writes 256 itself: workers run its source text);
 * a column of a block is 8 × 256 = 2^11 bytes, so feature f's value is `COLUMN_SHIFT` bits past the row.
 */
export const BLOCK_ROWS = 256;
const COLUMN_SHIFT = 11;

/** The generic walk as a function (`compiledTreesModule` calls it for trees too big to compile). */
export function walkFunction(): WasmFunction {
  const [block, stride, count, out, outputs, roots, outputOf, trees, nodes, catOffset, catBits] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const c = new Code(11);
  const t = c.local(I32);
  const root = c.local(I32);
  const k = c.local(I32);
  const r = c.local(I32);
  const all = c.local(I32);
  const a = c.local(I32);
  const m = c.local(I32);
  const code = c.local(I32);
  const valid = c.local(I32);
  const def = c.local(I32);
  const isCat = c.local(I32);
  const o = c.local(I32);
  const v = c.local(F64);
  const thr = c.local(F64);
  const node = Array.from({ length: LANES }, () => c.local(I32));
  const base = Array.from({ length: LANES }, () => c.local(I32));
  const i32 = { align: 2 };
  const f64 = { align: 3 };

  // one level down for lane j: node[j] = left + right, where right is
  // missing ? default : categorical ? (a whole category in range ? not in the left bitset : default) : v > threshold
  const step = (j: number): void => {
    const i = node[j]!;
    c.get(nodes).get(i).i32(4).emit(op.i32Shl, op.i32Add).set(a);
    c.get(a).memory(op.i32Load, i32.align, 8).tee(m).get(all).emit(op.i32And).set(all);
    c.get(base[j]!).get(m).i32(1).emit(op.i32Add).i32(0x1fffffff).emit(op.i32And).i32(COLUMN_SHIFT).emit(op.i32Shl, op.i32Add).memory(op.f64Load, f64.align, 0).set(v);
    // categorical or missing (rare: a branch the CPU predicts) → the rules below; else left + (v > threshold)
    c.get(m).i32(0x20000000).emit(op.i32And).get(v).get(v).emit(op.f64Ne, op.i32Or);
    c.emit(op.if, I32);
    c.get(a).memory(op.f64Load, f64.align, 0).set(thr);
    c.get(m).i32(30).emit(op.i32ShrU).i32(1).emit(op.i32And).i32(1).emit(op.i32Xor).set(def);
    c.get(m).i32(29).emit(op.i32ShrU).i32(1).emit(op.i32And).set(isCat);
    c.get(v).emit(op.misc, 3).set(code);
    c.get(isCat);
    c.get(v).f64(0).emit(op.f64Ge, op.i32And);
    c.get(v).get(thr).emit(op.f64Lt, op.i32And);
    c.get(code).emit(op.f64ConvertI32U).get(v).emit(op.f64Eq, op.i32And).set(valid);
    // select(a, b, cond) is cond ? a : b; the stack builds select(def, select(select(cat, def, valid), v > thr, isCat), v ≠ v)
    c.get(def);
    // the categorical answer: not in the left bitset (word 0 read, and not used, when not valid)
    c.get(catBits);
    c.get(catOffset).get(i).i32(2).emit(op.i32Shl, op.i32Add).memory(op.i32Load, i32.align, 0);
    c.get(code).i32(5).emit(op.i32ShrU).i32(0).get(valid).emit(op.select, op.i32Add);
    c.i32(2).emit(op.i32Shl, op.i32Add).memory(op.i32Load, i32.align, 0);
    c.get(code).emit(op.i32ShrU).i32(1).emit(op.i32And).i32(1).emit(op.i32Xor);
    c.get(def).get(valid).emit(op.select);
    c.get(v).get(thr).emit(op.f64Gt).get(isCat).emit(op.select);
    c.get(v).get(v).emit(op.f64Ne, op.select);
    c.emit(op.else);
    c.get(v).get(a).memory(op.f64Load, f64.align, 0).emit(op.f64Gt);
    c.emit(op.end);
    c.get(a).memory(op.i32Load, i32.align, 12).emit(op.i32Add).set(i);
  };
  // out[(row, k)] += the leaf output lane j reached
  const add = (j: number, row: () => void): void => {
    c.get(out);
    row();
    c.get(outputs).emit(op.i32Mul).get(k).emit(op.i32Add).i32(3).emit(op.i32Shl, op.i32Add).tee(o);
    c.get(o).memory(op.f64Load, f64.align, 0);
    c.get(nodes).get(node[j]!).i32(4).emit(op.i32Shl, op.i32Add).memory(op.f64Load, f64.align, 0);
    c.emit(op.f64Add).memory(op.f64Store, f64.align, 0);
  };
  // walks `lanes` rows (r …) through the tree at `root` and adds their leaves
  const walkRows = (lanes: number): void => {
    for (let j = 0; j < lanes; j++) {
      c.get(root).set(node[j]!);
      if (j === 0) c.get(block).get(r).get(stride).emit(op.i32Mul, op.i32Add).set(base[0]!);
      else c.get(base[j - 1]!).get(stride).emit(op.i32Add).set(base[j]!);
    }
    c.emit(op.loop, op.voidType);
    c.i32(-1).set(all);
    for (let j = 0; j < lanes; j++) step(j);
    // continue while some lane started this pass off a leaf (the and of the flags has no sign bit)
    c.get(all).i32(0).emit(op.i32GeS, op.brIf, 0, op.end);
    for (let j = 0; j < lanes; j++) add(j, () => c.get(r).i32(j).emit(op.i32Add));
  };

  c.i32(0).set(t);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(t).get(trees).emit(op.i32GeS, op.brIf, 1);
  c.get(roots).get(t).i32(2).emit(op.i32Shl, op.i32Add).memory(op.i32Load, i32.align, 0).set(root);
  c.get(outputOf).get(t).i32(2).emit(op.i32Shl, op.i32Add).memory(op.i32Load, i32.align, 0).set(k);
  c.i32(0).set(r);
  // rows four at a time, then the rest one at a time
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(count).get(r).emit(op.i32Sub).i32(LANES).emit(op.i32LtS, op.brIf, 1);
  walkRows(LANES);
  c.advance(r, LANES);
  c.emit(op.br, 0, op.end, op.end);
  c.emit(op.block, op.voidType, op.loop, op.voidType);
  c.get(r).get(count).emit(op.i32GeS, op.brIf, 1);
  walkRows(1);
  c.advance(r, 1);
  c.emit(op.br, 0, op.end, op.end);
  c.advance(t, 1);
  c.emit(op.br, 0, op.end, op.end);
  return { name: 'walk', params: [I32, I32, I32, I32, I32, I32, I32, I32, I32, I32, I32], results: [], code: c };
}
