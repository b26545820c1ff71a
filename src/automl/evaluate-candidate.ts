import type { Predictor } from '../learn/types.js';
import { outputWidth, type CvData } from './cv-data.js';
import type { Metric } from './metric-types.js';
import type { ModelConfig } from './model-config.js';
import { fitModel } from './model-factory.js';

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
}

export function evaluateCandidate(id: number, config: ModelConfig, data: CvData, metric: Metric, options: EvaluateOptions): CandidateOutcome {
  const width = outputWidth(data.task, data.numClasses);
  const oof = new Float64Array(data.table.rows * width);
  const models: Predictor[] = [];
  const started = performance.now();
  let slowestFold = options.expectedFoldSeconds ?? 0;
  for (let f = 0; f < data.folds.length; f++) {
    const fold = data.folds[f]!;
    if (options.deadline !== undefined && Date.now() + slowestFold * 1000 > options.deadline) {
      return { status: 'out-of-time', seconds: (performance.now() - started) / 1000, foldsDone: f };
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
      return { status: 'failed', message: error instanceof Error ? error.message : String(error), seconds: (performance.now() - started) / 1000 };
    }
    const predictions = model.predict(fold.valid);
    for (let r = 0; r < fold.validIndex.length; r++) {
      const row = fold.validIndex[r]!;
      for (let k = 0; k < width; k++) oof[row * width + k] = predictions[r * width + k]!;
    }
    models.push(model);
    slowestFold = Math.max(slowestFold, (performance.now() - foldStarted) / 1000);
  }
  const score = metric.score(data.y, oof, data.numClasses);
  return { status: 'done', result: { id, config, score, oof, models, seconds: (performance.now() - started) / 1000 } };
}
