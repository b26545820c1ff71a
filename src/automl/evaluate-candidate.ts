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
}

export function evaluateCandidate(id: number, config: ModelConfig, data: CvData, metric: Metric, options: EvaluateOptions): CandidateOutcome {
  const width = outputWidth(data.task, data.numClasses);
  const oof = new Float64Array(data.table.rows * width);
  const models: Predictor[] = new Array<Predictor>(data.folds.length);
  const started = performance.now();
  const lanes = options.workers?.lanes ?? 1;
  const foldsOf = (lane: number): number[] => data.folds.map((_, f) => f).filter((f) => f % lanes === lane);
  const place = (f: number, predictions: Float64Array): void => {
    const fold = data.folds[f]!;
    for (let r = 0; r < fold.validIndex.length; r++) {
      const row = fold.validIndex[r]!;
      for (let k = 0; k < width; k++) oof[row * width + k] = predictions[r * width + k]!;
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
  let stopped = fitFoldsInOrder(foldsOf(0), data.folds, config, { task: data.task, numClasses: data.numClasses, ...timing }, (f, model, predictions) => {
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
  const score = metric.score(data.y, oof, data.numClasses);
  return { status: 'done', result: { id, config, score, oof, models, seconds } };
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
      });
    } catch (error) {
      return { status: 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    done(f, model, model.predict(fold.valid));
    slowestFold = Math.max(slowestFold, (performance.now() - foldStarted) / 1000);
  }
  return undefined;
}
