import type { Predictor } from '../learn/types.js';
import { outputWidth, type CvData } from './cv-data.js';
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
  for (let lane = 1; lane < lanes; lane++) {
    options.workers!.post(lane, {
      config,
      folds: foldsOf(lane),
      seed: options.seed,
      expectedFoldSeconds: options.expectedFoldSeconds ?? 0,
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
    });
  }
  // this thread's folds; the workers' answers are always collected, even when this lane stops early
  const mine = fitFolds(foldsOf(0), config, data, options, models, place);
  let foldsDone = mine.foldsDone;
  let stopped: CandidateOutcome | undefined = mine.stopped;
  for (let lane = 1; lane < lanes; lane++) {
    for (const outcome of options.workers!.collect(lane)) {
      if (outcome.status === 'done') {
        models[outcome.fold] = restoreModel(outcome.model);
        place(outcome.fold, outcome.predictions);
        foldsDone++;
      } else if (outcome.status === 'failed') stopped = { status: 'failed', message: outcome.message, seconds: 0 };
      else stopped ??= { status: 'out-of-time', seconds: 0, foldsDone: 0 };
    }
  }
  const seconds = (performance.now() - started) / 1000;
  if (stopped !== undefined) return stopped.status === 'failed' ? { ...stopped, seconds } : { status: 'out-of-time', seconds, foldsDone };
  if (foldsDone < data.folds.length) return { status: 'failed', message: `${data.folds.length - foldsDone} folds came back from the worker threads without an answer`, seconds };
  const score = metric.score(data.y, oof, data.numClasses);
  return { status: 'done', result: { id, config, score, oof, models, seconds } };
}

/** Fits `folds` on this thread, in order, until one will not fit in time or fails. */
function fitFolds(
  folds: readonly number[],
  config: ModelConfig,
  data: CvData,
  options: EvaluateOptions,
  models: Predictor[],
  place: (f: number, predictions: Float64Array) => void,
): { foldsDone: number; stopped?: CandidateOutcome } {
  const started = performance.now();
  let slowestFold = options.expectedFoldSeconds ?? 0;
  let foldsDone = 0;
  for (const f of folds) {
    const fold = data.folds[f]!;
    if (options.deadline !== undefined && Date.now() + slowestFold * 1000 > options.deadline) {
      return { foldsDone, stopped: { status: 'out-of-time', seconds: (performance.now() - started) / 1000, foldsDone } };
    }
    const foldStarted = performance.now();
    let model: Predictor;
    try {
      model = fitModel(config, fold, {
        task: data.task,
        numClasses: data.numClasses,
        seed: options.seed + f,
        ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      });
    } catch (error) {
      return { foldsDone, stopped: { status: 'failed', message: error instanceof Error ? error.message : String(error), seconds: (performance.now() - started) / 1000 } };
    }
    place(f, model.predict(fold.valid));
    models[f] = model;
    foldsDone++;
    slowestFold = Math.max(slowestFold, (performance.now() - foldStarted) / 1000);
  }
  return { foldsDone };
}
