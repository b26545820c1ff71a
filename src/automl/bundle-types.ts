import type { GoldPlan, SilverPlan } from '../lake/index.js';
import type { FeaturePipelineSpec, InputColumnSchema, NumericRange } from '../features/index.js';
import type { Task } from '../learn/types.js';
import type { MetricName } from './metric-types.js';
import type { ModelConfig } from './model-config.js';
import type { MemberRefit } from './refit.js';
import type { ValidationPlan } from './validation-plan.js';

export interface LeaderboardRow {
  readonly rank: number;
  readonly id: number;
  readonly model: string;
  readonly family: string;
  /** out-of-fold score with the bundle's metric */
  readonly score: number;
  /** share in the final ensemble, 0 when not selected */
  readonly weight: number;
  /** rows each of its models was fitted on */
  readonly trainRows: number;
}

export interface BundleMember {
  readonly id: number;
  /** share in the weighted average; 0 when a stacker combines the members */
  readonly weight: number;
  readonly config: ModelConfig;
  /** files under the bundle folder: one model refitted on all rows (`refit`), else one per fold; predictions are their average */
  readonly models: readonly string[];
  /** how the member was refitted on every training row after the search (bundles before it, or a member whose refit did not fit in time, have none) */
  readonly refit?: MemberRefit;
}

/** How member predictions become the model's: a weighted average, or a stacker over them. */
export type Combiner =
  | { readonly kind: 'average' }
  | {
      readonly kind: 'stack';
      readonly config: ModelConfig;
      /** one stacker per fold, fed the members' predictions (see stackFeatures) */
      readonly models: readonly string[];
    };

/** bundle.json: everything predict needs, and what the model is. Deterministic for a seed and data. */
export interface BundleManifest {
  readonly kind: 'autolab-model-bundle';
  readonly version: 1;
  readonly task: Task;
  readonly target: string;
  readonly classes: readonly string[];
  readonly metric: MetricName;
  /** out-of-fold score of the ensemble */
  readonly score: number;
  readonly seed: number;
  /** folds of the validation: fold models per member under k-fold unless the member was refitted on all rows (`members[].refit`), 1 under a holdout */
  readonly folds: number;
  /** how candidates were validated and members fitted, and why */
  readonly validation: ValidationPlan;
  readonly trainingRows: number;
  /** sha256 of the training data (the file's bytes, or the table's values) */
  readonly dataHash: string;
  readonly pipeline: FeaturePipelineSpec;
  readonly schema: readonly InputColumnSchema[];
  /** training range of each numeric input (bundles made before it have none): a service warns outside it */
  readonly ranges?: Readonly<Record<string, NumericRange>>;
  readonly members: readonly BundleMember[];
  readonly combiner: Combiner;
  /** out-of-fold scores of the two ways of combining that were tried */
  readonly combinerScores: { readonly average: number; readonly stack: number | null };
  readonly leaderboard: readonly LeaderboardRow[];
  readonly notes: readonly string[];
  /** silver's cleaning of the training table (a model trained in a project): applied to raw rows before scoring */
  readonly clean?: SilverPlan;
  /**
   * gold's feature plan (a model trained on a project's gold table): `predict` cleans raw target
   * rows with `clean`, then computes these features, looking related tables up in the project's
   * latest silver
   */
  readonly gold?: BundleGold;
}

export interface BundleGold {
  readonly project: string;
  /** the plan with the features kept after pruning, in the gold table's order */
  readonly plan: GoldPlan;
}

/** run.json: facts of the run that vary between identical runs, kept out of the bundle hash. */
export interface RunRecord {
  readonly bundleHash: string;
  readonly createdAt: string;
  readonly seconds: number;
  readonly timeLimit: number | null;
  readonly trials: number | null;
  readonly candidatesTried: number;
  readonly candidateSeconds: Readonly<Record<string, number>>;
  /** threads that fitted folds side by side (1 = the calling thread alone) */
  readonly foldThreads: number;
  readonly validation: ValidationPlan;
  /** seconds of each phase: read, prepare, first candidate, search, combine, save */
  readonly phaseSeconds: Readonly<Record<string, number>>;
}
