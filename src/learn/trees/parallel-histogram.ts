import { Worker } from 'node:worker_threads';
import type { GrowData, HistogramBuilder } from './histogram.js';
import { layoutHistogramKernel, type RowLayout } from './row-layout.js';

/** Below this many row × feature cells a node's histogram is built on the calling thread alone. */
const MIN_PARALLEL_CELLS = 64 * 1024;

/** A worker silent this long is taken as lost (a bug, or a machine starved of CPU). */
const WORKER_TIMEOUT_MS = 120_000;

/** Control words shared with each worker. */
const SEQ = 0;
const DONE = 1;
const SLOT = 2;
const BEGIN = 3;
const END = 4;
const F_BEGIN = 5;
const F_END = 6;
const IDENTITY = 7;
const CONTROL_WORDS = 8;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const kernel = ${layoutHistogramKernel.toString()};
const { codes, stride, shift, gh, features, arena, slotDoubles, control } = workerData;
const codesView = new Uint8Array(codes);
const ghView = new Float64Array(gh);
const featuresView = new Int32Array(features);
const ctl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  seen = Atomics.load(ctl, ${SEQ});
  if (seen < 0) break;
  const hist = new Float64Array(arena, ctl[${SLOT}] * slotDoubles * 8, slotDoubles);
  kernel(codesView, stride, shift, ghView, ctl[${BEGIN}], ctl[${END}], featuresView, ctl[${F_BEGIN}], ctl[${F_END}], ctl[${IDENTITY}], hist);
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

/**
 * Histogram building for boosting shared with worker threads over SharedArrayBuffers. Each node's
 * features are split between the calling thread and the workers (no reduction needed); hand-off is
 * by Atomics on a control array, so the calling thread stays synchronous. The row layout and the
 * histogram arena live in shared memory.
 */
export class ParallelHistogram implements HistogramBuilder {
  readonly channels = 1;
  readonly hasCount = false;
  readonly layout: RowLayout;
  readonly #data: GrowData;
  readonly #features: Int32Array;
  readonly #arena: SharedArrayBuffer;
  readonly #slotDoubles: number;
  readonly #free: number[] = [];
  readonly #workers: { worker: Worker; control: Int32Array; seq: number }[] = [];

  /** `layout` must have been made with `shared` = true */
  constructor(data: GrowData, layout: RowLayout, threads: number, maxHistograms: number) {
    this.#data = data;
    this.layout = layout;
    const features = new SharedArrayBuffer(data.numFeatures * 4);
    this.#features = new Int32Array(features);
    this.#slotDoubles = data.totalBins * 2;
    this.#arena = new SharedArrayBuffer(maxHistograms * this.#slotDoubles * 8);
    for (let s = maxHistograms - 1; s >= 0; s--) this.#free.push(s);
    for (let t = 1; t < threads; t++) {
      const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        // plain JavaScript: no loaders (e.g. tsx) in the worker, nothing it could wait on
        execArgv: [],
        workerData: { codes: layout.codes.buffer, stride: layout.stride, shift: data.slotShift, gh: layout.gh.buffer, features, arena: this.#arena, slotDoubles: this.#slotDoubles, control },
      });
      worker.unref();
      this.#workers.push({ worker, control: new Int32Array(control), seq: 0 });
    }
  }

  /** A zeroed histogram from the shared arena (or plain memory when the arena is used up). */
  acquire(): Float64Array {
    const slot = this.#free.pop();
    if (slot === undefined) return new Float64Array(this.#slotDoubles);
    const hist = new Float64Array(this.#arena, slot * this.#slotDoubles * 8, this.#slotDoubles);
    hist.fill(0);
    return hist;
  }

  release(hist: Float64Array): void {
    if (hist.buffer === this.#arena) this.#free.push(hist.byteOffset / (this.#slotDoubles * 8));
  }

  build(hist: Float64Array, _rows: Uint32Array, begin: number, end: number, features: Int32Array): void {
    const data = this.#data;
    const layout = this.layout;
    const nf = features.length;
    const identity = nf === data.numFeatures ? 1 : 0;
    if (hist.buffer !== this.#arena || this.#workers.length === 0 || (end - begin) * nf < MIN_PARALLEL_CELLS) {
      layoutHistogramKernel(layout.codes, layout.stride, data.slotShift, layout.gh, begin, end, features, 0, nf, identity, hist);
      return;
    }
    this.#features.set(features);
    const parts = this.#workers.length + 1;
    const slot = hist.byteOffset / (this.#slotDoubles * 8);
    const cut = (p: number): number => Math.round((nf * p) / parts);
    this.#workers.forEach((w, i) => {
      const c = w.control;
      c[SLOT] = slot;
      c[BEGIN] = begin;
      c[END] = end;
      c[F_BEGIN] = cut(i + 1);
      c[F_END] = cut(i + 2);
      c[IDENTITY] = identity;
      w.seq++;
      Atomics.store(c, SEQ, w.seq);
      Atomics.notify(c, SEQ);
    });
    layoutHistogramKernel(layout.codes, layout.stride, data.slotShift, layout.gh, begin, end, this.#features, 0, cut(1), identity, hist);
    for (const w of this.#workers) {
      const started = Date.now();
      while (Atomics.load(w.control, DONE) !== w.seq) {
        Atomics.wait(w.control, DONE, Atomics.load(w.control, DONE), 1000);
        if (Atomics.load(w.control, DONE) !== w.seq && Date.now() - started > WORKER_TIMEOUT_MS) {
          throw new Error(`a histogram worker thread has not answered for ${WORKER_TIMEOUT_MS / 1000} s; train with threads: 1`);
        }
      }
    }
  }

  /** Stops the workers; the builder must not be used afterwards. */
  close(): void {
    for (const w of this.#workers) {
      Atomics.store(w.control, SEQ, -1);
      Atomics.notify(w.control, SEQ);
      void w.worker.terminate();
    }
    this.#workers.length = 0;
  }
}
