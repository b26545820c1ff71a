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
  const width = outputWidth(data.task, data.numClasses);
  const oof = new Float64Array(data.scoredRows.length * width);
  const models: Predictor[] = new Array<Predictor>(data.folds.length);
  const started = performance.now();
  const lanes = options.workers?.lanes ?? 1;
  const foldsOf = (lane: number): number[] => data.folds.map((_, f) => f).filter((f) => f % lanes === lane);
  const place = (f: number, predictions: Float64Array): void => {
    const positions = data.folds[f]!.validPosition;
    for (let r = 0; r < positions.length; r++) {
      const at = positions[r]! * width;
      for (let k = 0; k < width; k++) oof[at + k] = predictions[r * width + k]!;
    }
  };
  const timing = {
    seed: options.seed,
    expectedFoldSeconds: options.expectedFoldSeconds ?? 0,
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  };
  for (let lane = 1; lane < lanes; lane++) options.workers!.post(lane, { config, folds: foldsOf(lane), ...timing });
  // this thread's folds; the workers' answers are always collected, even when this lane stops early
  let foldsDone = 0;
  const context = { task: data.task, numClasses: data.numClasses, ...timing, ...(options.fitThreads !== undefined ? { threads: options.fitThreads } : {}) };
  let stopped = fitFoldsInOrder(foldsOf(0), data.folds, config, context, (f, model, predictions) => {
    models[f] = model;
    place(f, predictions);
    foldsDone++;
  });
  for (let lane = 1; lane < lanes; lane++) {
    for (const outcome of options.workers!.collect(lane)) {
      if (outcome.status === 'done') {
        models[outcome.fold] = restoreModel(outcome.model);
        place(outcome.fold, outcome.predictions);
        foldsDone++;
      } else if (outcome.status === 'failed' || stopped === undefined) stopped = outcome;
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (stopped?.status === 'failed') return { status: 'failed', message: stopped.message, seconds };
  if (stopped !== undefined) return { status: 'out-of-time', seconds, foldsDone };
  if (foldsDone < data.folds.length) return { status: 'failed', message: `${data.folds.length - foldsDone} folds came back from the worker threads without an answer`, seconds };
  const score = metric.score(data.yScored, oof, data.numClasses);
  return { status: 'done', result: { id, config, score, oof, models, seconds, trainRows: data.folds[0]!.trainIndex.length } };
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
  for (const f of folds) {
    const fold = foldData[f]!;
    if (context.deadline !== undefined && Date.now() + slowestFold * 1000 > context.deadline) return { status: 'out-of-time' };
    const foldStarted = performance.now();
    let model: Predictor;
    try {
      model = fitModel(config, fold, {
        task: context.task,
        numClasses: context.numClasses,
        seed: context.seed + f,
        ...(context.deadline !== undefined ? { deadline: context.deadline } : {}),
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
