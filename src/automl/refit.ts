/**
 * Refitting the ensemble's members on every training row (AutoGluon's `refit_full`): k-fold bagging
 * leaves each member as k fold models, each fitted on (k−1)/k of the rows, and a prediction walks
 * all of them. Once the search has chosen the members, each is fitted once more on all rows —
 * boosting for the mean of its fold models' kept rounds, a forest for their mean tree count — and
 * that one model replaces its fold models in the bundle: k times fewer trees to serve, and models
 * that saw every row. The out-of-fold score stays the bagged ensemble's estimate (the refitted
 * models have no rows of their own left to be scored on); the stacker, fitted on out-of-fold
 * predictions, combines the refitted members' predictions as it did the fold averages'.
 */
import { selectBinnedRows, selectRows, type BinnedDataset, type Predictor, type Task } from '../learn/index.js';
import type { GbdtModel } from '../learn/gbdt.js';
import type { ForestModel } from '../learn/forest.js';
import type { CvData, FoldData } from './cv-data.js';
import { fitFoldsInOrder, type CandidateResult } from './evaluate-candidate.js';
import type { FoldWorkers } from './fold-workers.js';
import type { ModelConfig } from './model-config.js';
import { restoreModel } from './model-factory.js';
import { treeModelOf } from './tree-model.js';

/** How a member was refitted on all rows (kept in bundle.json beside its config). */
export interface MemberRefit {
  /** rows its one model was fitted on: every training row */
  readonly rows: number;
  /** boosting: the rounds fitted (the mean of the fold models' kept rounds) */
  readonly rounds?: number;
  /** forests: the trees fitted (the mean of the fold models' tree counts) */
  readonly trees?: number;
}

/** A member after the refit: its one model on all rows, or its fold models when the refit did not fit in time. */
export interface RefitOutcome {
  readonly models: readonly Predictor[];
  readonly refit?: MemberRefit;
}

/** All rows of the table as one fold with no validation rows: what a refit is fitted on. */
export function fullFold(data: CvData, binned: BinnedDataset): FoldData {
  const none = new Uint32Array(0);
  const all = Uint32Array.from({ length: data.table.rows }, (_, i) => i);
  return {
    trainIndex: all,
    validIndex: none,
    validPosition: none,
    train: data.table,
    valid: selectRows(data.table, none),
    binnedTrain: binned,
    binnedValid: selectBinnedRows(binned, none),
    yTrain: data.y,
    yValid: new Float64Array(0),
  };
}

/** The recipe a member is refitted with: fixed rounds (no early stopping, no validation rows) or its fold models' tree count. */
export function refitConfig(config: ModelConfig, foldModels: readonly Predictor[]): { config: ModelConfig; refit: Omit<MemberRefit, 'rows'> } {
  const mean = (values: readonly number[]): number => Math.max(1, Math.round(values.reduce((a, b) => a + b, 0) / Math.max(1, values.length)));
  switch (config.kind) {
    case 'gbdt': {
      const rounds = mean(foldModels.map((m) => boosterOf(m).bestIteration));
      return { config: { ...config, rounds }, refit: { rounds } };
    }
    case 'forest': {
      const trees = mean(foldModels.map((m) => forestTrees(m as ForestModel)));
      return { config: { ...config, trees }, refit: { trees } };
    }
    default:
      return { config, refit: {} };
  }
}

/** Trees grown by a forest: one per class and tree for multiclass. */
function forestTrees(model: ForestModel): number {
  return model.trees.length / model.outputs;
}

function boosterOf(model: Predictor): GbdtModel {
  return treeModelOf(model) as GbdtModel;
}

/** Whether a refitted model is whole: a deadline can cut boosting or a forest short, and a cut model is worse than its folds. */
function isWhole(model: Predictor, refit: Omit<MemberRefit, 'rows'>): boolean {
  if (refit.rounds !== undefined) return boosterOf(model).bestIteration >= refit.rounds;
  if (refit.trees !== undefined) return forestTrees(model as ForestModel) >= refit.trees;
  return true;
}

export interface RefitOptions {
  readonly task: Task;
  readonly numClasses: number;
  readonly seed: number;
  /** ms since epoch: a member whose refit would end after it keeps its fold models */
  readonly deadline?: number;
  /** worker threads holding the folds and `full` (index `data.folds.length` of their copy) */
  readonly workers?: FoldWorkers;
  /** threads one fit may use on this thread */
  readonly fitThreads?: number;
  /** training rows of one fold model, to scale a fold's cost to all rows */
  readonly foldTrainRows: number;
  /** lanes the search's folds were fitted on (a candidate's seconds are wall time over them) */
  readonly searchLanes: number;
}

/**
 * Refits each candidate on `full`, the dearest first, one per lane at a time; a candidate whose
 * refit is not expected to end by the deadline, fails, or comes back cut short keeps its fold
 * models. The seed of a refit is the seed + the fold count, whichever lane fits it: the bundle does
 * not depend on the thread count.
 */
export function refitMembers(members: readonly CandidateResult[], full: FoldData, foldCount: number, options: RefitOptions): RefitOutcome[] {
  const lanes = options.workers?.lanes ?? 1;
  const outcomes: RefitOutcome[] = members.map((m) => ({ models: m.models }));
  const expected = members.map((m) => ((m.seconds * Math.min(options.searchLanes, foldCount)) / Math.max(1, m.models.length)) * (full.trainIndex.length / Math.max(1, options.foldTrainRows)));
  const order = members.map((_, i) => i).filter((i) => members[i]!.models.length > 1).sort((a, b) => expected[b]! - expected[a]! || a - b);
  const plans = members.map((m) => refitConfig(m.config, m.models));
  // `full` sits at index `foldCount` here as in the workers' copy: fold f is fitted with seed + f
  const foldData: FoldData[] = [];
  foldData[foldCount] = full;
  const accept = (i: number, model: Predictor): void => {
    if (isWhole(model, plans[i]!.refit)) outcomes[i] = { models: [model], refit: { rows: full.trainIndex.length, ...plans[i]!.refit } };
  };
  for (let next = 0; next < order.length; next += lanes) {
    const batch = order.slice(next, next + lanes);
    // lane 1.. take the later members of the batch; their copy of the data holds `full` after the folds
    for (let lane = 1; lane < batch.length; lane++) {
      const i = batch[lane]!;
      options.workers!.post(lane, { config: plans[i]!.config, folds: [foldCount], seed: options.seed, expectedFoldSeconds: expected[i]!, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) });
    }
    const i0 = batch[0]!;
    const context = {
      task: options.task,
      numClasses: options.numClasses,
      seed: options.seed,
      expectedFoldSeconds: expected[i0]!,
      ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
      ...(options.fitThreads !== undefined ? { threads: options.fitThreads } : {}),
    };
    fitFoldsInOrder([foldCount], foldData, plans[i0]!.config, context, (_, model) => accept(i0, model));
    for (let lane = 1; lane < batch.length; lane++) {
      for (const outcome of options.workers!.collect(lane)) if (outcome.status === 'done') accept(batch[lane]!, restoreModel(outcome.model));
    }
  }
  return outcomes;
}
