import { Rng, shuffledIndex } from '../learn/index.js';
import type { Task } from '../learn/types.js';
import type { BundleManifest } from './bundle-types.js';

/**
 * How candidates are validated and what the final members are, decided once per training from
 * what the first candidate cost (as AutoGluon and FLAML choose between bagging and a holdout):
 * - `kfold`: every candidate is fitted on each of `folds` folds; every row is scored out of fold
 *   and the members are the fold models, bagged (their predictions averaged) — then, once the
 *   ensemble is chosen, each refitted once on all rows where time allows (refit.ts);
 * - `holdout`: every candidate is fitted once, on `trainRows` rows of the training part (all of
 *   them, or a sample when even that is too dear), and scored on the `holdoutRows` held out; the
 *   members are those single models.
 */
export type ValidationPlan =
  | { readonly kind: 'kfold'; readonly folds: number; readonly reason: string }
  | { readonly kind: 'holdout'; readonly holdoutRows: number; readonly trainRows: number; readonly reason: string };

/** What the first candidate measured: a default booster fitted on `trainRows` rows of fold 0. */
export interface FirstCandidateCost {
  readonly seconds: number;
  readonly trainRows: number;
  /** it ran into its deadline before early stopping ended it: a full fit needs longer */
  readonly cutShort: boolean;
}

export interface PlanInputs {
  readonly folds: number;
  /** threads fitting folds side by side */
  readonly lanes: number;
  /** rows of fold 0's training part, and of its validation part (the holdout) */
  readonly foldTrainRows: number;
  readonly holdoutRows: number;
  readonly first: FirstCandidateCost;
  /** seconds left for the search */
  readonly remainingSeconds: number;
}

/** k-fold validation is chosen when this many candidates of the first one's cost fit in the time left. */
const KFOLD_CANDIDATES = 6;
/** the folds tried when k-fold does not fit, before a holdout */
const FEWER_FOLDS = 3;
/** a holdout trains on all its rows when this many candidates fit; otherwise on a sample that lets them. */
const HOLDOUT_CANDIDATES = 3;
/** a booster cut short by its deadline is assumed to need this many times as long to finish */
const CUT_SHORT_FACTOR = 2;

export function choosePlan(inputs: PlanInputs): ValidationPlan {
  const { first, folds, lanes, foldTrainRows, holdoutRows, remainingSeconds } = inputs;
  // boosting's time grows about linearly with the rows it fits
  const fullFit = (first.seconds / Math.max(1, first.trainRows)) * foldTrainRows * (first.cutShort ? CUT_SHORT_FACTOR : 1);
  const kfoldCandidate = Math.ceil(folds / lanes) * fullFit;
  const seconds = (s: number): string => `${s < 10 ? s.toFixed(1) : s.toFixed(0)} s`;
  if (kfoldCandidate * KFOLD_CANDIDATES <= remainingSeconds) {
    return { kind: 'kfold', folds, reason: `a ${folds}-fold candidate costs about ${seconds(kfoldCandidate)} of the ${seconds(remainingSeconds)} left` };
  }
  const why = `a ${folds}-fold candidate would cost about ${seconds(kfoldCandidate)} of the ${seconds(remainingSeconds)} left`;
  // fewer folds before a holdout: on a small table a holdout's few rows choose and weigh the
  // ensemble by chance; three folds fit on two thirds of the rows each
  if (folds > FEWER_FOLDS) {
    const rows = foldTrainRows + holdoutRows;
    const fewerCandidate = Math.ceil(FEWER_FOLDS / lanes) * fullFit * ((rows * (FEWER_FOLDS - 1)) / FEWER_FOLDS / Math.max(1, foldTrainRows));
    if (fewerCandidate * KFOLD_CANDIDATES <= remainingSeconds) {
      return { kind: 'kfold', folds: FEWER_FOLDS, reason: `${why}; a ${FEWER_FOLDS}-fold one about ${seconds(fewerCandidate)}` };
    }
  }
  if (fullFit * HOLDOUT_CANDIDATES <= remainingSeconds) {
    return { kind: 'holdout', holdoutRows, trainRows: foldTrainRows, reason: why };
  }
  const affordable = Math.round((foldTrainRows * remainingSeconds) / (HOLDOUT_CANDIDATES * fullFit));
  const trainRows = Math.min(foldTrainRows, Math.max(first.trainRows, affordable));
  return { kind: 'holdout', holdoutRows, trainRows, reason: `${why}; one on all ${foldTrainRows} training rows about ${seconds(fullFit)}` };
}

export function describePlan(plan: ValidationPlan): string {
  if (plan.kind === 'kfold') return `${plan.folds}-fold cross-validation, fold models bagged`;
  return `a holdout of ${plan.holdoutRows} rows, models fitted once on ${plan.trainRows} rows`;
}

/**
 * How a bundle's members were validated and fitted: under k-fold, refitted once on all rows
 * (refit.ts) or bagged as their fold models, member by member; under a holdout, the plan.
 */
export function describeFitting(manifest: Pick<BundleManifest, 'validation' | 'members' | 'trainingRows'>): string {
  const plan = manifest.validation;
  if (plan.kind !== 'kfold') return describePlan(plan);
  const refitted = manifest.members.filter((m) => m.refit !== undefined).length;
  const all = manifest.members.length;
  if (refitted === 0) return describePlan(plan);
  const cv = `${plan.folds}-fold cross-validation`;
  if (refitted === all) return `${cv}, each member then refitted once on all ${manifest.trainingRows} rows`;
  return `${cv}, ${refitted} of ${all} members then refitted on all ${manifest.trainingRows} rows, the others' fold models bagged`;
}

/** Least rows of each class kept in a sample, when the class has them: a class absent from training cannot be predicted. */
const MIN_CLASS_ROWS = 30;

/**
 * A seeded sample of `size` of `rows` (ascending). For classes, each first keeps `MIN_CLASS_ROWS`
 * (or all it has), so that rare classes stay learnable; the rest of the sample is drawn from all
 * the other rows, so classes keep about their shares. The same rows, seed and size give the same
 * sample: a plan that samples as many rows as the first candidate did reuses its rows.
 */
export function sampleRows(rows: Uint32Array, y: Float64Array, task: Task, size: number, seed: number): Uint32Array {
  if (size >= rows.length) return rows;
  const order = shuffledIndex(rows.length, Rng.unmixed(seed));
  const picked = new Uint8Array(rows.length);
  let count = 0;
  if (task !== 'regression') {
    const kept = new Map<number, number>();
    for (const i of order) {
      const c = y[rows[i]!]!;
      const k = kept.get(c) ?? 0;
      if (k < MIN_CLASS_ROWS) {
        kept.set(c, k + 1);
        picked[i] = 1;
        count++;
      }
    }
  }
  for (let j = 0; j < order.length && count < size; j++) {
    if (picked[order[j]!] === 0) {
      picked[order[j]!] = 1;
      count++;
    }
  }
  const sample = new Uint32Array(count);
  for (let i = 0, at = 0; i < rows.length; i++) if (picked[i] === 1) sample[at++] = rows[i]!;
  return sample;
}
