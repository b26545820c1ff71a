import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Task } from '../learn/types.js';
import type { CvData, FoldData } from './cv-data.js';
import type { FoldStop } from './evaluate-candidate.js';
import type { ModelConfig } from './model-config.js';

/** Folds are copied to each worker: above this many cells the memory is better spent otherwise. */
const MAX_PARALLEL_CELLS = 20_000_000;
/** How long a new worker may take to load its modules before the search goes on without it. */
const READY_TIMEOUT_MS = 20_000;
/** A worker silent this long past its job's deadline is taken as lost. */
const LOST_AFTER_MS = 120_000;

/** What a worker is given when it starts. */
export interface FoldWorkerSetup {
  readonly task: Task;
  readonly numClasses: number;
  readonly folds: readonly FoldData[];
  readonly port: MessagePort;
  /** [0]: sequence of the last finished job; [1]: 1 once ready */
  readonly control: SharedArrayBuffer;
}

/** Fit these folds of one candidate, in order; stop at the first that will not fit in time or fails. */
export interface FoldJob {
  readonly sequence: number;
  readonly config: ModelConfig;
  readonly folds: readonly number[];
  readonly seed: number;
  readonly deadline?: number;
  readonly expectedFoldSeconds: number;
}

/** What a worker says of its folds: each one fitted, then why it stopped early, if it did. */
export type FoldOutcome =
  | { readonly fold: number; readonly status: 'done'; readonly model: { kind: string } & Record<string, unknown>; readonly predictions: Float64Array }
  | FoldStop;

interface Lane {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly control: Int32Array;
  sequence: number;
  deadline: number | undefined;
}

/** The worker's entry: the compiled module, or (running from source) the TypeScript one through tsx. */
function entry(): { url: string; tsx: boolean } {
  const js = new URL('./fold-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js.href, tsx: false };
  return { url: new URL('./fold-worker.ts', import.meta.url).href, tsx: true };
}

const BOOT = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.boot.tsx) (await import('tsx/esm/api')).register();
  await import(workerData.boot.url);
})();
`;

/**
 * Worker threads that fit a candidate's folds beside the calling thread: lane 0 is the caller,
 * lane i ≥ 1 a worker holding a copy of the folds. Fold f goes to lane f mod lanes and is fitted
 * with the same seed wherever it runs, so the models — and the bundle — do not depend on the
 * lane count. The caller stays synchronous: it posts jobs, fits its own folds, then waits on
 * Atomics and takes the answers with `receiveMessageOnPort`.
 */
export class FoldWorkers {
  readonly #lanes: Lane[];

  private constructor(lanes: Lane[]) {
    this.#lanes = lanes;
  }

  /** Lanes including the calling thread. */
  get lanes(): number {
    return this.#lanes.length + 1;
  }

  /**
   * Up to `threads − 1` workers for the folds of `data`; undefined when one thread is all there is
   * to use. `extra` (all rows, for the refit) follows the folds in the workers' copy, at index
   * `data.folds.length`.
   */
  static start(data: CvData, threads: number, extra?: FoldData): FoldWorkers | undefined {
    // k folds keep at most k lanes busy; a single fold (a holdout) lets the lanes fit different candidates
    const count = (data.folds.length === 1 ? threads : Math.min(threads, data.folds.length)) - 1;
    if (count < 1 || data.table.rows * Math.max(1, data.table.columns.length) > MAX_PARALLEL_CELLS) return undefined;
    const boot = entry();
    const folds: FoldData[] = [...data.folds, ...(extra ? [extra] : [])].map((f) => ({ ...f, trainIndex: new Uint32Array(0), validIndex: new Uint32Array(0) }));
    const lanes: Lane[] = [];
    for (let i = 0; i < count; i++) {
      const channel = new MessageChannel();
      const control = new Int32Array(new SharedArrayBuffer(8));
      const setup: FoldWorkerSetup = { task: data.task, numClasses: data.numClasses, folds, port: channel.port2, control: control.buffer as SharedArrayBuffer };
      const worker = new Worker(BOOT, { eval: true, workerData: { ...setup, boot }, transferList: [channel.port2] });
      worker.unref();
      lanes.push({ worker, port: channel.port1, control, sequence: 0, deadline: undefined });
    }
    const ready = lanes.filter((lane) => Atomics.wait(lane.control, 1, 0, READY_TIMEOUT_MS) !== 'timed-out' || lane.control[1] === 1);
    if (ready.length < lanes.length) {
      for (const lane of lanes) void lane.worker.terminate();
      return undefined;
    }
    return new FoldWorkers(lanes);
  }

  /** Sends lane `lane` (≥ 1) its folds of a candidate. */
  post(lane: number, job: Omit<FoldJob, 'sequence'>): void {
    const l = this.#lanes[lane - 1]!;
    l.sequence++;
    l.deadline = job.deadline;
    l.port.postMessage({ ...job, sequence: l.sequence } satisfies FoldJob);
  }

  /** Waits for lane `lane`'s job to end and returns what it said of each fold. */
  collect(lane: number): FoldOutcome[] {
    const l = this.#lanes[lane - 1]!;
    const started = Date.now();
    while (Atomics.load(l.control, 0) !== l.sequence) {
      Atomics.wait(l.control, 0, Atomics.load(l.control, 0), 1000);
      const late = Date.now() - (l.deadline ?? started) > LOST_AFTER_MS && Date.now() - started > LOST_AFTER_MS;
      if (Atomics.load(l.control, 0) !== l.sequence && late) {
        throw new Error(`a fold worker thread has not answered for ${LOST_AFTER_MS / 1000} s; train with AUTOLAB_THREADS=1`);
      }
    }
    const outcomes: FoldOutcome[] = [];
    for (let m = receiveMessageOnPort(l.port); m !== undefined; m = receiveMessageOnPort(l.port)) outcomes.push(m.message as FoldOutcome);
    return outcomes;
  }

  close(): void {
    for (const lane of this.#lanes) {
      lane.port.close();
      void lane.worker.terminate();
    }
    this.#lanes.length = 0;
  }
}
