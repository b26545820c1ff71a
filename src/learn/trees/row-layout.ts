import type { GrowData } from './histogram.js';

/**
 * The training rows of the tree being grown, kept in node order: the rows of every node are
 * contiguous, each as its bin codes (padded to a multiple of 4 bytes) next to its gradient and
 * hessian. Histogram building then streams through memory instead of jumping between scattered
 * rows (three times faster on a million rows); the price is moving ~40 bytes per row when a node
 * is split, which is cheap next to 28 histogram updates.
 */
export class RowLayout {
  /** bytes per row */
  readonly stride: number;
  readonly codes: Uint8Array;
  readonly gh: Float64Array;
  readonly #codes32: Uint32Array;
  readonly #scratchCodes32: Uint32Array;
  readonly #scratchGh: Float64Array;
  readonly #data: GrowData;
  readonly #sourceGh: Float64Array;
  /** the source codes padded to `stride`, so rows copy as 32-bit words */
  readonly #source32: Uint32Array;
  /** every row is laid out (in the order of the grower's `order`) */
  #complete = false;

  /** `sourceGh`: gradients and hessians by original row (gh[2r], gh[2r+1]), rewritten before each tree */
  constructor(data: GrowData, sourceGh: Float64Array, shared: boolean) {
    this.#data = data;
    this.#sourceGh = sourceGh;
    // 32 bytes (8 words, moved by straight-line code) up to 32 features, else a multiple of 16
    const stride = data.numFeatures <= 32 ? 32 : (data.numFeatures + 15) & ~15;
    this.stride = stride;
    const make = (bytes: number): ArrayBuffer | SharedArrayBuffer => (shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes));
    const codes = make(data.rows * stride);
    this.codes = new Uint8Array(codes);
    this.#codes32 = new Uint32Array(codes);
    this.gh = new Float64Array(make(data.rows * 16));
    this.#scratchCodes32 = new Uint32Array(data.rows * (stride >> 2));
    this.#scratchGh = new Float64Array(data.rows * 2);
    const padded = new Uint8Array(data.rows * stride);
    const f = data.numFeatures;
    for (let r = 0; r < data.rows; r++) padded.set(data.codes.subarray(r * f, r * f + f), r * stride);
    this.#source32 = new Uint32Array(padded.buffer);
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

  /** Lays out rows order[0..count) for a new tree (after `keepsOrder` said no, with order filled). */
  load(order: Uint32Array, count: number): void {
    const words = this.stride >> 2;
    const codes32 = this.#codes32;
    const source32 = this.#source32;
    for (let i = 0; i < count; i++) {
      const from = order[i]! * words;
      const to = i * words;
      for (let j = 0; j < words; j++) codes32[to + j] = source32[from + j]!;
    }
    this.#complete = count === this.#data.rows;
    this.gatherGradients(order, count);
  }

  /** Copies each laid-out row's gradient and hessian from the source. */
  gatherGradients(order: Uint32Array, count: number): void {
    const gh = this.gh;
    const sourceGh = this.#sourceGh;
    for (let i = 0; i < count; i++) {
      const r = order[i]!;
      gh[2 * i] = sourceGh[2 * r]!;
      gh[2 * i + 1] = sourceGh[2 * r + 1]!;
    }
  }

  /**
   * Stable partition of positions begin..end by `goesLeft[code of feature f]`, moving the row ids in
   * `order` (with `scratch` as spare room), codes and gradients together. Returns the first right position.
   */
  partition(order: Uint32Array, scratch: Uint32Array, begin: number, end: number, feature: number, goesLeft: Uint8Array): number {
    const codes = this.codes;
    const codes32 = this.#codes32;
    const sc32 = this.#scratchCodes32;
    const gh = this.gh;
    const sgh = this.#scratchGh;
    const stride = this.stride;
    const words = stride >> 2;
    let w = begin;
    let k = 0;
    // branch-free (each row is written to both sides, the cursors decide which copy counts): the
    // left/right test is a coin flip the CPU would keep mispredicting. w <= i, so copying forward
    // never overwrites a row not yet read.
    if (words === 8) {
      for (let i = begin; i < end; i++) {
        const r = order[i]!;
        const src = i << 3;
        const left = goesLeft[codes[i * stride + feature]!]!;
        const dl = w << 3;
        const dr = k << 3;
        const v0 = codes32[src]!;
        const v1 = codes32[src + 1]!;
        const v2 = codes32[src + 2]!;
        const v3 = codes32[src + 3]!;
        const v4 = codes32[src + 4]!;
        const v5 = codes32[src + 5]!;
        const v6 = codes32[src + 6]!;
        const v7 = codes32[src + 7]!;
        codes32[dl] = v0;
        codes32[dl + 1] = v1;
        codes32[dl + 2] = v2;
        codes32[dl + 3] = v3;
        codes32[dl + 4] = v4;
        codes32[dl + 5] = v5;
        codes32[dl + 6] = v6;
        codes32[dl + 7] = v7;
        sc32[dr] = v0;
        sc32[dr + 1] = v1;
        sc32[dr + 2] = v2;
        sc32[dr + 3] = v3;
        sc32[dr + 4] = v4;
        sc32[dr + 5] = v5;
        sc32[dr + 6] = v6;
        sc32[dr + 7] = v7;
        const g = gh[2 * i]!;
        const h = gh[2 * i + 1]!;
        gh[2 * w] = g;
        gh[2 * w + 1] = h;
        sgh[2 * k] = g;
        sgh[2 * k + 1] = h;
        order[w] = r;
        scratch[k] = r;
        w += left;
        k += 1 - left;
      }
    } else {
      for (let i = begin; i < end; i++) {
        const r = order[i]!;
        const src = i * words;
        const left = goesLeft[codes[i * stride + feature]!]!;
        const dl = w * words;
        const dr = k * words;
        for (let j = 0; j < words; j += 4) {
          const v0 = codes32[src + j]!;
          const v1 = codes32[src + j + 1]!;
          const v2 = codes32[src + j + 2]!;
          const v3 = codes32[src + j + 3]!;
          codes32[dl + j] = v0;
          codes32[dl + j + 1] = v1;
          codes32[dl + j + 2] = v2;
          codes32[dl + j + 3] = v3;
          sc32[dr + j] = v0;
          sc32[dr + j + 1] = v1;
          sc32[dr + j + 2] = v2;
          sc32[dr + j + 3] = v3;
        }
        const g = gh[2 * i]!;
        const h = gh[2 * i + 1]!;
        gh[2 * w] = g;
        gh[2 * w + 1] = h;
        sgh[2 * k] = g;
        sgh[2 * k + 1] = h;
        order[w] = r;
        scratch[k] = r;
        w += left;
        k += 1 - left;
      }
    }
    codes32.set(sc32.subarray(0, k * words), w * words);
    gh.set(sgh.subarray(0, 2 * k), 2 * w);
    order.set(scratch.subarray(0, k), w);
    return w;
  }
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
