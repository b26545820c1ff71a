import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { FeatureTable } from '../types.js';
import { accumulatePacked, type PredictionScratch } from './packed-trees.js';
import type { PackedModel } from './wasm-compiled-trees.js';

/** Tables of fewer rows are left where they are by `shareColumns`. */
const MIN_SHARED_ROWS = 100_000;

/** A worker silent this long is taken as lost (a bug, or a machine starved of CPU). */
const WORKER_TIMEOUT_MS = 120_000;

/** A prediction job: the packed model (shared memory), the input columns and the output. */
export interface PredictionJob extends PackedModel {
  readonly columns: readonly Float64Array[];
  readonly outputs: number;
  /** row-major rows × outputs, added to */
  readonly out: Float64Array;
  /**
   * the wasm batch kernel: the generic walk (`wasm-prediction.ts`) or the model compiled to code
   * (`wasm-compiled-trees.ts`), compiled once and sent to the workers as it is (V8 shares its code)
   */
  readonly kernel: WebAssembly.Module;
}

/**
 * Runs `accumulate` (`accumulatePacked`) over ranges of `chunk` rows taken in turn from the shared
 * counter `next` until none is left. Self-contained: worker threads run its source text.
 */
function accumulateRanges(accumulate: typeof accumulatePacked, job: PredictionJob, next: Int32Array, chunk: number, rows: number, scratch: PredictionScratch): void {
  for (let begin = Atomics.add(next, 0, 1) * chunk; begin < rows; begin = Atomics.add(next, 0, 1) * chunk) {
    accumulate(job, begin, Math.min(rows, begin + chunk), scratch);
  }
}

/** The worker's source, made on first use (the kernel's text comes from packed-trees.ts). */
const workerSource = (): string => `
const { parentPort } = require('node:worker_threads');
// esbuild's keepNames (tsx) may wrap named inner functions of the kernel in __name()
const __name = (f) => f;
const accumulatePacked = ${accumulatePacked.toString()};
const accumulateRanges = ${accumulateRanges.toString()};
// the last model's wasm memory: a batch of many fold models sends each in turn
const scratch = {};
parentPort.on('message', (m) => {
  const ctl = new Int32Array(m.control);
  try {
    accumulateRanges(accumulatePacked, m.job, new Int32Array(m.next), m.chunk, m.rows, scratch);
    Atomics.store(ctl, 0, 1);
  } catch (e) {
    Atomics.store(ctl, 0, 2);
  }
  Atomics.notify(ctl, 0);
});
`;

let configured: number | undefined;
/** the default, read once: `process.env` and the core count cost microseconds a call, and a served request asks once per fold model */
let byDefault: number | undefined;
const pool: Worker[] = [];

/**
 * Threads used for batch prediction of tree ensembles: `setPredictionThreads`, else the
 * AUTOLAB_THREADS environment variable (read on first use), else every core up to 4.
 */
export function predictionThreads(): number {
  if (configured !== undefined) return configured;
  if (byDefault === undefined) {
    const env = Number(process.env['AUTOLAB_THREADS']);
    byDefault = Number.isInteger(env) && env >= 1 ? env : Math.max(1, Math.min(4, availableParallelism()));
  }
  return byDefault;
}

/** Sets the prediction thread count for this process (1 = the calling thread only). */
export function setPredictionThreads(threads: number): void {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`prediction threads must be a whole number ≥ 1, not ${threads}`);
  configured = threads;
}

/**
 * The table with its columns copied into shared memory, once, when it is big enough for worker
 * threads to score it: every tree model of an ensemble then hands the same columns to its workers
 * (each copied them for itself, a hundred megabytes a model for a million rows). Smaller tables,
 * or one thread, come back as they are.
 */
export function shareColumns(table: FeatureTable): FeatureTable {
  if (table.rows < MIN_SHARED_ROWS || predictionThreads() <= 1) return table;
  const columns = table.columns.map((column) => {
    if (column.values.buffer instanceof SharedArrayBuffer) return column;
    const values = new Float64Array(new SharedArrayBuffer(column.values.byteLength));
    values.set(column.values);
    return { ...column, values };
  });
  return { ...table, columns };
}

/**
 * An empty column of `rows` numbers, in shared memory when a table that long goes to the
 * prediction workers: `shareColumns` then hands it over as it is instead of copying it.
 */
export function shareableColumn(rows: number): Float64Array {
  return rows >= MIN_SHARED_ROWS && predictionThreads() > 1 ? new Float64Array(new SharedArrayBuffer(8 * rows)) : new Float64Array(rows);
}

function workers(count: number): Worker[] {
  while (pool.length < count) {
    // plain JavaScript: no loaders (e.g. tsx) in the worker, nothing it could wait on
    const worker = new Worker(workerSource(), { eval: true, execArgv: [] });
    worker.unref();
    pool.push(worker);
  }
  return pool.slice(0, count);
}

/** Ranges a batch is cut into per thread, taken in turn: a thread slowed down (by the machine, or a late start) takes fewer. */
const RANGES_PER_THREAD = 16;

/**
 * Runs a prediction job over `rows` rows on the calling thread and `threads − 1` pooled workers,
 * each taking the next range of rows from a shared counter until none is left. The job's arrays
 * must be in shared memory. In two steps: the workers start now, and the returned function joins
 * them — the calling thread takes the ranges left, then waits on Atomics for the workers (so
 * `predict` keeps its plain, synchronous signature). In between, the calling thread may do other
 * work (another model's scoring, the previous batch's output) while the workers score; neither the
 * job's arrays nor `scratch` may be touched until the join.
 */
export function startOnPredictionWorkers(job: PredictionJob, rows: number, threads: number, scratch: PredictionScratch = {}): () => void {
  const helpers = workers(threads - 1);
  // whole blocks of 256 rows (the kernels' block)
  const chunk = Math.max(256, Math.ceil(rows / (threads * RANGES_PER_THREAD) / 256) * 256);
  const next = new Int32Array(new SharedArrayBuffer(4));
  const controls = helpers.map((worker) => {
    const control = new Int32Array(new SharedArrayBuffer(4));
    worker.postMessage({ job, control: control.buffer, next: next.buffer, chunk, rows });
    return control;
  });
  return () => {
    accumulateRanges(accumulatePacked, job, next, chunk, rows, scratch);
    for (const control of controls) {
      const started = Date.now();
      while (Atomics.load(control, 0) === 0) {
        Atomics.wait(control, 0, 0, 1000);
        if (Atomics.load(control, 0) === 0 && Date.now() - started > WORKER_TIMEOUT_MS) {
          throw new Error(`a prediction worker thread has not answered for ${WORKER_TIMEOUT_MS / 1000} s; set AUTOLAB_THREADS=1`);
        }
      }
      if (control[0] === 2) throw new Error('a prediction worker thread failed; set AUTOLAB_THREADS=1 to predict on one thread');
    }
  };
}
