import type { FeatureColumn, FeatureTable, Task } from '../learn/types.js';
import { binTable } from '../learn/index.js';
import { buildCvData, scoredFolds, type CvData } from './cv-data.js';
import { makeFolds } from './folds.js';
import { evaluateCandidate, type CandidateResult } from './evaluate-candidate.js';
import type { Metric } from './metric-types.js';
import { bestOfEachFamily, type LinearConfig } from './model-config.js';
import { AVAILABLE_MODEL_KINDS } from './model-factory.js';

/** At most this many base models feed the stacker: the best of each family, then the best. */
const MAX_STACK_INPUTS = 6;

/** probabilities are held within [EPS, 1 − EPS] before their log-odds (the ONNX export does the same) */
export const STACK_EPS = 1e-6;
const EPS = STACK_EPS;

/** Inputs of a regression stack scored by a loss are within this factor of the best candidate's loss. */
const MAX_LOSS_RATIO = 1.5;

/**
 * Level-2 features from base models' predictions: log-odds of each class probability (class 1 only
 * for binary), or the predicted values for regression.
 */
export function stackFeatures(predictions: readonly Float64Array[], task: Task, numClasses: number): FeatureTable {
  const columns: FeatureColumn[] = [];
  const rows = task === 'regression' ? (predictions[0]?.length ?? 0) : (predictions[0]?.length ?? 0) / numClasses;
  predictions.forEach((p, m) => {
    if (task === 'regression') {
      columns.push({ name: `m${m}`, type: 'numeric', values: p });
      return;
    }
    for (let k = task === 'binary' ? 1 : 0; k < numClasses; k++) {
      const values = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const q = Math.min(1 - EPS, Math.max(EPS, p[i * numClasses + k]!));
        values[i] = Math.log(q / (1 - q));
      }
      columns.push({ name: `m${m}c${k}`, type: 'numeric', values });
    }
  });
  return { rows, columns };
}

/** What one fold of a linear model on `level2` should cost, from the search's linear candidates on `data`. */
function linearFoldSeconds(candidates: readonly CandidateResult[], data: CvData, level2: CvData): number | undefined {
  const linear = candidates.filter((c) => c.config.kind === 'linear');
  if (linear.length === 0) return undefined;
  const perFold = Math.min(...linear.map((c) => c.seconds)) / data.folds.length;
  const cells = (d: CvData): number => d.folds[0]!.trainIndex.length * Math.max(1, d.table.columns.length);
  return (perFold * cells(level2)) / cells(data);
}

export interface StackResult {
  /** the stacker, k-fold bagged on the base models' out-of-fold predictions */
  readonly stacker: CandidateResult;
  /** the base candidates whose predictions it reads, in column order */
  readonly inputs: readonly CandidateResult[];
}

/**
 * A regularised linear model over candidates' out-of-fold predictions (the best of each family,
 * then the best), evaluated on the same folds. It can reweight per class and recalibrate, which an
 * average cannot.
 */
export function fitStack(
  candidates: readonly CandidateResult[],
  data: CvData,
  metric: Metric,
  options: { seed: number; deadline?: number },
): StackResult | undefined {
  if (!AVAILABLE_MODEL_KINDS.has('linear')) return undefined;
  const better = (a: CandidateResult, b: CandidateResult): number => (metric.higherIsBetter ? b.score - a.score : a.score - b.score) || a.id - b.id;
  const ranked = candidates.filter((c) => c.config.kind !== 'prior' && c.models.length > 0).sort(better);
  // a loss far above the best's marks a model that went astray on some rows (a regression's
  // predictions unbounded): as a stacker's input it would carry that onto new data
  const bounded = data.task !== 'regression' || metric.higherIsBetter;
  const bestLoss = ranked[0]?.score ?? Infinity;
  const eligible = ranked.filter((c) => bounded || c.score <= MAX_LOSS_RATIO * bestLoss);
  // the best of each family first, then the next best: a stacker learns from models that err
  // differently, and a long search leaves the top of the board to near-copies of one booster
  const chosen = new Set(bestOfEachFamily(eligible, (a, b) => (metric.higherIsBetter ? a > b : a < b)).slice(0, MAX_STACK_INPUTS));
  for (const c of eligible) if (chosen.size < MAX_STACK_INPUTS) chosen.add(c);
  const inputs = eligible.filter((c) => chosen.has(c));
  if (inputs.length < 2) return undefined;
  const table = stackFeatures(inputs.map((c) => c.oof), data.task, data.numClasses);
  // the scored rows are the stacker's training rows: a holdout is cut into folds of its own
  const folds = scoredFolds(data, (y) => makeFolds(y, data.task, Math.min(5, Math.max(2, Math.floor(y.length / 20))), options.seed));
  const level2 = buildCvData(data.task, data.numClasses, table, data.yScored, folds, binTable(table));
  let best: CandidateResult | undefined;
  // a fold's cost, judged first from the search's linear model (scaled by the cells each reads),
  // then from the last stacker: one that cannot end by the deadline is not started
  let foldSeconds = linearFoldSeconds(candidates, data, level2);
  for (const lambda of [0.3, 3, 30]) {
    const config: LinearConfig = { kind: 'linear', lambda };
    if (options.deadline !== undefined && foldSeconds !== undefined && Date.now() + foldSeconds * level2.folds.length * 1000 > options.deadline) break;
    const outcome = evaluateCandidate(-1, config, level2, metric, {
      seed: options.seed,
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      ...(foldSeconds !== undefined ? { expectedFoldSeconds: foldSeconds } : {}),
    });
    if (outcome.status !== 'done' || !Number.isFinite(outcome.result.score)) continue;
    foldSeconds = outcome.result.seconds / level2.folds.length;
    if (!best || better(outcome.result, best) < 0) best = outcome.result;
  }
  return best ? { stacker: best, inputs } : undefined;
}
