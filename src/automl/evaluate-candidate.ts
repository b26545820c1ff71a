import type { Predictor, Task } from '../learn/types.js';
import { outputWidth, type CvData, type FoldData } from './cv-data.js';
import type { Metric } from './metric-types.js';
import type { ModelConfig } from './model-config.js';
import type { FoldWorkers } from './fold-workers.js';
import { fitModel, restoreModel } from './model-factory.js';

/** A candidate evaluated by k-fold bagging: one model per fold, and its out-of-fold predictions. */
export interface CandidateResult {
  readonly id: number;
  readonly config: ModelConfig;
  readonly score: number;
  readonly oof: Float64Array;
  readonly models: readonly Predictor[];
  readonly seconds: number;
  /** rows each of its models was fitted on (a fold's training part, or a sample of it) */
  readonly trainRows: number;
}

export type CandidateOutcome =
  | { readonly status: 'done'; readonly result: CandidateResult }
  /** stopped before the deadline; `secondsPerFold` says what a fold cost */
  | { readonly status: 'out-of-time'; readonly seconds: number; readonly foldsDone: number }
  | { readonly status: 'failed'; readonly message: string; readonly seconds: number };

export interface EvaluateOptions {
  readonly seed: number;
  /** ms since epoch; folds that would end after it are not started (undefined: no limit) */
  readonly deadline?: number;
  /** a guess of one fold's seconds before any has run, to decide whether to start */
  readonly expectedFoldSeconds?: number;
  /** worker threads that take some of the folds (fold f on lane f mod lanes; lane 0 is this thread) */
  readonly workers?: FoldWorkers;
  /** threads one fit may use (boosting on large data): the cores no fold worker keeps busy */
  readonly fitThreads?: number;
}

export function evaluateCandidate(id: number, config: ModelConfig, data: CvData, metric: Metric, options: EvaluateOptions): CandidateOutcome {
  const { seed, expectedFoldSeconds, ...shared } = options;
  return evaluateCandidates([{ id, config, seed, ...(expectedFoldSeconds !== undefined ? { expectedFoldSeconds } : {}) }], data, metric, shared)[0]!;
}

/** One candidate to evaluate: its id, recipe, seed and (optionally) a guess of one fold's seconds. */
export interface CandidateJob {
  readonly id: number;
  readonly config: ModelConfig;
  readonly seed: number;
  readonly expectedFoldSeconds?: number;
}

/**
 * Evaluates candidates on the lanes: one candidate has its folds dealt over the lanes (fold f on
 * lane f mod lanes); several (at most one per lane, when there are fewer folds than lanes, as
 * under a holdout) run side by side, each fitting all its folds on its own lane.
 */
export function evaluateCandidates(jobs: readonly CandidateJob[], data: CvData, metric: Metric, options: Omit<EvaluateOptions, 'seed' | 'expectedFoldSeconds'>): CandidateOutcome[] {
  const lanes = options.workers?.lanes ?? 1;
  if (jobs.length > 1 && jobs.length > lanes) throw new Error(`${jobs.length} candidates side by side on ${lanes} lanes`);
  const width = outputWidth(data.task, data.numClasses);
  const allFolds = data.folds.map((_, f) => f);
  const work = jobs.length === 1 ? Array.from({ length: lanes }, (_, lane) => ({ job: 0, folds: allFolds.filter((f) => f % lanes === lane) })) : jobs.map((_, job) => ({ job, folds: allFolds }));
  const state = jobs.map(() => ({
    oof: new Float64Array(data.scoredRows.length * width),
    models: new Array<Predictor>(data.folds.length),
    foldsDone: 0,
    stopped: undefined as FoldStop | undefined,
    seconds: 0,
  }));
  const started = performance.now();
  const done = (job: number, f: number, model: Predictor, predictions: Float64Array): void => {
    const s = state[job]!;
    s.models[f] = model;
    s.foldsDone++;
    const positions = data.folds[f]!.validPosition;
    for (let r = 0; r < positions.length; r++) {
      const at = positions[r]! * width;
      for (let k = 0; k < width; k++) s.oof[at + k] = predictions[r * width + k]!;
    }
  };
  const timing = (job: CandidateJob) => ({
    seed: job.seed,
    expectedFoldSeconds: job.expectedFoldSeconds ?? 0,
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  });
  for (let lane = 1; lane < work.length; lane++) {
    const { job, folds } = work[lane]!;
    options.workers!.post(lane, { config: jobs[job]!.config, folds, ...timing(jobs[job]!) });
  }
  // this thread's folds; the workers' answers are always collected, even when this lane stops early
  const first = work[0]!;
  const context = { task: data.task, numClasses: data.numClasses, ...timing(jobs[first.job]!), ...(options.fitThreads !== undefined ? { threads: options.fitThreads } : {}) };
  state[first.job]!.stopped = fitFoldsInOrder(first.folds, data.folds, jobs[first.job]!.config, context, (f, model, predictions) => done(first.job, f, model, predictions));
  state[first.job]!.seconds = (performance.now() - started) / 1000;
  for (let lane = 1; lane < work.length; lane++) {
    const s = state[work[lane]!.job]!;
    for (const outcome of options.workers!.collect(lane)) {
      if (outcome.status === 'done') done(work[lane]!.job, outcome.fold, restoreModel(outcome.model), outcome.predictions);
      else if (outcome.status === 'failed' || s.stopped === undefined) s.stopped = outcome;
    }
    s.seconds = (performance.now() - started) / 1000;
  }
  return jobs.map((job, j): CandidateOutcome => {
    const { oof, models, foldsDone, stopped, seconds } = state[j]!;
    if (stopped?.status === 'failed') return { status: 'failed', message: stopped.message, seconds };
    if (stopped !== undefined) return { status: 'out-of-time', seconds, foldsDone };
    if (foldsDone < data.folds.length) return { status: 'failed', message: `${data.folds.length - foldsDone} folds came back from the worker threads without an answer`, seconds };
    const score = metric.score(data.yScored, oof, data.numClasses);
    return { status: 'done', result: { id: job.id, config: job.config, score, oof, models, seconds, trainRows: data.folds[0]!.trainIndex.length } };
  });
}

/** Why a lane stopped before its last fold. */
export type FoldStop = { readonly status: 'out-of-time' } | { readonly status: 'failed'; readonly message: string };

/** What fitting a fold needs besides the fold: the task, the seed (+ fold index), the clock. */
export interface FoldFitContext {
  readonly task: Task;
  readonly numClasses: number;
  readonly seed: number;
  readonly deadline?: number;
  /** a guess of one fold's seconds before any has run, to decide whether to start */
  readonly expectedFoldSeconds: number;
  /** threads one fit may use */
  readonly threads?: number;
}

/** A fold may run this many times its expected time; then boosting (or a forest) stops where it is and the fold keeps that model. */
const FOLD_OVERRUN = 3;

/**
 * When a fold must stop: by the search's deadline, within its lane's share of the time left (the
 * folds still to fit on this lane, alike), and within `FOLD_OVERRUN` times its expected time. A
 * booster that learns for many more rounds than the last one of its family (11 classes of 633
 * rows at half the learning rate) is cut short and kept — before, it ran on until a later fold
 * could not fit, and the whole candidate, a third of the budget, was thrown away.
 */
function foldDeadline(deadline: number, expectedSeconds: number, foldsLeft: number): number {
  const now = Date.now();
  const share = (deadline - now) / foldsLeft;
  const overrun = expectedSeconds > 0 ? FOLD_OVERRUN * expectedSeconds * 1000 : Infinity;
  return Math.min(deadline, now + Math.min(share, overrun));
}

/**
 * Fits `folds` of a candidate in order on this thread — the calling thread's lane and each fold
 * worker's — handing each model and its validation predictions to `done`; stops at the first fold
 * that would end past the deadline or fails, and says why.
 */
export function fitFoldsInOrder(
  folds: readonly number[],
  foldData: readonly FoldData[],
  config: ModelConfig,
  context: FoldFitContext,
  done: (fold: number, model: Predictor, predictions: Float64Array) => void,
): FoldStop | undefined {
  let slowestFold = context.expectedFoldSeconds;
  for (let at = 0; at < folds.length; at++) {
    const f = folds[at]!;
    const fold = foldData[f]!;
    if (context.deadline !== undefined && Date.now() + slowestFold * 1000 > context.deadline) return { status: 'out-of-time' };
    const foldStarted = performance.now();
    let model: Predictor;
    try {
      model = fitModel(config, fold, {
        task: context.task,
        numClasses: context.numClasses,
        seed: context.seed + f,
        ...(context.deadline !== undefined ? { deadline: foldDeadline(context.deadline, context.expectedFoldSeconds, folds.length - at) } : {}),
        ...(context.threads !== undefined ? { threads: context.threads } : {}),
      });
    } catch (error) {
      return { status: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    done(f, model, model.predict(fold.valid));
    slowestFold = Math.max(slowestFold, (performance.now() - foldStarted) / 1000);
  }
  return undefined;
}
