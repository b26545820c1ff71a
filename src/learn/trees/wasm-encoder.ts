/**
 * Just enough of the WebAssembly binary format to emit the training kernels (`wasm-kernels.ts`)
 * at run time: there is no .wat compiler in the build, and generating the bytes lets a kernel be
 * specialised to a table's shape (constant slot offsets, unrolled row copies). Functions import
 * one shared memory ("m", "memory") and use i32, f64 and v128 values.
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Opcodes used by the kernels (https://webassembly.github.io/spec/core/binary/instructions.html). */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  call: 0x10,
  voidType: 0x40,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Load8U: 0x2d,
  i32Store: 0x36,
  i32Store8: 0x3a,
  f64Load: 0x2b,
  f64Store: 0x39,
  i32Const: 0x41,
  i64Const: 0x42,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32LtS: 0x48,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  f64Eq: 0x61,
  f64Ne: 0x62,
  f64Lt: 0x63,
  f64Gt: 0x64,
  f64Le: 0x65,
  f64Ge: 0x66,
  f64Add: 0xa0,
  f64ConvertI32U: 0xb8,
  f64ReinterpretI64: 0xbf,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  i32Or: 0x72,
  i32Xor: 0x73,
  i32ShrU: 0x76,
  select: 0x1b,
  simd: 0xfd,
  /** prefix of the saturating conversions (`op.misc, 3` is i32.trunc_sat_f64_u, never traps) and of `op.misc, 11, 0`: memory.fill */
  misc: 0xfc,
} as const;

/** SIMD sub-opcodes (after `op.simd`, LEB128-encoded). */
export const simd = {
  v128Load: 0x00,
  v128Load64Splat: 0x0a,
  v128Store: 0x0b,
  f64x2Splat: 0x14,
  f64x2Eq: 0x47,
  f64x2Gt: 0x4a,
  f64x2Le: 0x4b,
  v128Or: 0x50,
  v128Bitselect: 0x52,
  v128Load64Lane: 0x57,
  v128Store64Lane: 0x5b,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
} as const;

export function unsignedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

export function signedLeb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const utf8 = (s: string): number[] => [...unsignedLeb(s.length), ...Buffer.from(s, 'utf8')];
const vector = (items: readonly number[][]): number[] => [...unsignedLeb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...unsignedLeb(body.length), ...body];

/**
 * A function body under construction: typed helpers for the instructions the kernels use. Bytes go
 * into a growing typed array, not spread into arrays: a model compiled to code is megabytes.
 */
export class Code {
  #bytes = new Uint8Array(256);
  #length = 0;
  readonly #params: number;
  readonly #locals: number[] = [];
  readonly #f64 = new Float64Array(1);
  readonly #f64Bytes = new Uint8Array(this.#f64.buffer);

  constructor(params: number) {
    this.#params = params;
  }

  /** A new local of `type`; returns its index. */
  local(type: number): number {
    this.#locals.push(type);
    return this.#params + this.#locals.length - 1;
  }

  /** bytes of code so far */
  get length(): number {
    return this.#length;
  }

  #room(bytes: number): void {
    if (this.#length + bytes <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(2 * this.#bytes.length, this.#length + bytes));
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
  }
  #unsigned(value: number): this {
    this.#room(5);
    let v = value >>> 0;
    do {
      const byte = v & 0x7f;
      v >>>= 7;
      this.#bytes[this.#length++] = v !== 0 ? byte | 0x80 : byte;
    } while (v !== 0);
    return this;
  }

  emit(...bytes: number[]): this {
    this.#room(bytes.length);
    for (const byte of bytes) this.#bytes[this.#length++] = byte;
    return this;
  }
  get(local: number): this {
    return this.emit(op.localGet).#unsigned(local);
  }
  set(local: number): this {
    return this.emit(op.localSet).#unsigned(local);
  }
  tee(local: number): this {
    return this.emit(op.localTee).#unsigned(local);
  }
  i32(value: number): this {
    return this.emit(op.i32Const, ...signedLeb(value));
  }
  /** an f64.const immediate: the value's 8 bytes, little-endian */
  f64(value: number): this {
    this.#f64[0] = value;
    this.emit(op.f64Const);
    this.#room(8);
    this.#bytes.set(this.#f64Bytes, this.#length);
    this.#length += 8;
    return this;
  }
  /** an i64.const of a float64's bits (`f64.reinterpret_i64` makes it the value again) */
  i64Bits(value: number): this {
    this.#f64[0] = value;
    let v = new BigInt64Array(this.#f64.buffer)[0]!;
    this.emit(op.i64Const);
    this.#room(10);
    // signed LEB128 of a 64-bit integer
    for (;;) {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) {
        this.#bytes[this.#length++] = byte;
        return this;
      }
      this.#bytes[this.#length++] = byte | 0x80;
    }
  }
  /** a load or store with its alignment (log2 bytes) and constant offset */
  memory(opcode: number, align: number, offset: number): this {
    return this.emit(opcode).#unsigned(align).#unsigned(offset);
  }
  /** a call of function `index` */
  call(index: number): this {
    return this.emit(op.call).#unsigned(index);
  }
  simd(sub: number, memarg?: { align: number; offset: number }): this {
    this.emit(op.simd).#unsigned(sub);
    if (memarg !== undefined) this.#unsigned(memarg.align).#unsigned(memarg.offset);
    return this;
  }
  /** local += amount (i32) */
  advance(local: number, amount: number): this {
    return this.get(local).i32(amount).emit(op.i32Add).set(local);
  }

  /** the body: its size, locals grouped one entry per local, then the instructions and `end` */
  encode(): Uint8Array {
    const locals = vector(this.#locals.map((t) => [1, t]));
    const size = locals.length + this.#length + 1;
    const head = [...unsignedLeb(size), ...locals];
    const body = new Uint8Array(head.length + size - locals.length);
    body.set(head);
    body.set(this.#bytes.subarray(0, this.#length), head.length);
    body[body.length - 1] = op.end;
    return body;
  }
}

export interface WasmFunction {
  readonly name: string;
  readonly params: readonly number[];
  readonly results: readonly number[];
  readonly code: Code;
}

/** Most 64 KiB pages of a 32-bit memory (4 GiB). */
export const MAX_PAGES = 65536;

/** A module importing one shared memory (any size) and exporting `functions`. */
export function encodeModule(functions: readonly WasmFunction[]): Uint8Array {
  const types = functions.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector(f.results.map((r) => [r]))]);
  // limits flag 3 = shared, with a maximum (shared memories must have one): 1 page to 4 GiB
  const memoryImport = [...utf8('m'), ...utf8('memory'), 0x02, 0x03, ...unsignedLeb(1), ...unsignedLeb(MAX_PAGES)];
  const head = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, vector([memoryImport])),
    ...section(3, vector(functions.map((_, i) => unsignedLeb(i)))),
    ...section(7, vector(functions.map((f, i) => [...utf8(f.name), 0x00, ...unsignedLeb(i)]))),
  ];
  // the code section, its bodies copied once into the module's bytes
  const bodies = functions.map((f) => f.code.encode());
  const count = unsignedLeb(bodies.length);
  const size = bodies.reduce((total, body) => total + body.length, count.length);
  const codeHead = [...head, 10, ...unsignedLeb(size), ...count];
  const module = new Uint8Array(codeHead.length + size - count.length);
  module.set(codeHead);
  let at = codeHead.length;
  for (const body of bodies) {
    module.set(body, at);
    at += body.length;
  }
  return module;
}
