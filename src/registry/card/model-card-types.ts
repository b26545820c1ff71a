import type { ModelApproval, ModelStage } from '../../catalog/index.js';
import type { ColumnPermutationImportance, LeaderboardRow, PartialDependence } from '../../automl/index.js';
import type { ModelLineage } from '../lineage.js';
import type { ModelMetrics } from '../model-metrics.js';
import type { ServiceExamples } from './service-examples.js';

/** A model version's card as data (`card.json`): what the HTML page shows, for people and for tools. */
export interface ModelCard {
  readonly cardVersion: 1;
  readonly project: string;
  readonly version: number;
  readonly stage: ModelStage;
  readonly bundleHash: string;
  readonly generatedAt: string;
  readonly intendedUse: {
    readonly target: string;
    readonly task: ModelMetrics['task'];
    readonly classes: readonly string[];
    /** the target column's description from the tags, if a person wrote one */
    readonly description: string | null;
    readonly metric: string;
  };
  readonly data: {
    readonly table: string;
    readonly rows: number;
    readonly snapshots: ModelLineage['snapshots'];
    readonly tagVersion: number | null;
    /** the time the rows span (ISO), on the table's tagged time column, else its first datetime column the model reads; null without one */
    readonly period: { readonly column: string; readonly from: string; readonly to: string } | null;
    /** columns not learned from, and why: left out by their tags, or dropped by the feature pipeline */
    readonly excluded: readonly { readonly column: string; readonly why: string }[];
  };
  readonly metrics: ModelMetrics;
  /** classification: on the out-of-sample predictions, labels by the most probable class */
  readonly confusion: { readonly classes: readonly string[]; readonly counts: readonly (readonly number[])[] } | null;
  /** classification: predicted probability against the observed share, in ten bins */
  readonly calibration: {
    readonly of: string;
    readonly bins: readonly { readonly lower: number; readonly upper: number; readonly rows: number; readonly meanPredicted: number; readonly observed: number }[];
  } | null;
  /** regression: residuals (actual − predicted) on the out-of-sample predictions */
  readonly residuals: {
    readonly mean: number;
    readonly std: number;
    readonly histogram: readonly { readonly lower: number; readonly upper: number; readonly count: number }[];
    /** up to 500 evenly spaced rows, for a predicted-against-actual plot */
    readonly sample: readonly { readonly actual: number; readonly predicted: number }[];
  } | null;
  readonly importance: {
    readonly method: string;
    readonly rows: number;
    /** per tree member of the ensemble: mean |SHAP| by source column, largest first */
    readonly members: readonly {
      readonly id: number;
      readonly model: string;
      readonly weight: number;
      /** the units of the SHAP values: the boosted margin (log-odds, raw value) or the forest's output */
      readonly space: 'margin' | 'output';
      readonly byColumn: readonly { readonly column: string; readonly value: number }[];
    }[];
    /** members TreeSHAP cannot explain (linear models, log-target wrappers) */
    readonly skipped: readonly { readonly id: number; readonly model: string; readonly why: string }[];
  };
  /**
   * the whole ensemble, per input column, on held-out rows (null without them): permutation
   * importance with the model's metric, and partial dependence of the top columns
   */
  readonly global: {
    readonly rows: number;
    readonly permutation: ColumnPermutationImportance;
    readonly partialDependence: readonly PartialDependence[];
  } | null;
  /** the model's metric on the out-of-sample rows of each value of the most important categorical columns */
  readonly segments: readonly {
    readonly column: string;
    /** the most frequent values (up to 8), then the rest as `(other)`; `value` null where the metric is undefined (one class) */
    readonly groups: readonly { readonly value: string; readonly rows: number; readonly metric: number | null }[];
  }[];
  /**
   * what the model may get wrong, from what the lab has seen: exploration's alerts on the snapshot
   * it learnt from (the table's, the target's and the columns it reads), every drift check of this
   * version so far, and notes read off the card's own figures
   */
  readonly limitations: {
    /** null when the snapshot's profile is not in the lab (a bundle trained outside a project) */
    readonly alerts: readonly CardAlert[] | null;
    readonly drift: readonly CardDriftCheck[];
    readonly notes: readonly string[];
  };
  /** what a request must hold: per input column its kind, and its range or categories in training */
  readonly schema: readonly {
    readonly name: string;
    readonly kind: string;
    readonly role: string;
    readonly categories?: readonly string[];
    readonly min?: number;
    readonly max?: number;
    readonly missingShare: number;
  }[];
  /** how to call `autolab serve` with this model: a real record, a curl command and a TypeScript (fetch) snippet */
  readonly service: ServiceExamples;
  readonly lineage: ModelLineage;
  readonly approvals: readonly ModelApproval[];
  readonly leaderboard: readonly LeaderboardRow[];
}

/** One of exploration's alerts on the training snapshot. */
export interface CardAlert {
  /** null: about the whole table (duplicate rows, say) */
  readonly column: string | null;
  readonly kind: string;
  readonly severity: string;
  readonly message: string;
}

/** A monitoring check of this version: a newer snapshot of its table, or its prediction log. */
export interface CardDriftCheck {
  readonly source: 'snapshot' | 'predictions';
  readonly checkedAt: string;
  /** what was compared with the training rows, e.g. `customers v2` or `the prediction log` */
  readonly against: string;
  readonly rows: number;
  readonly datasetDrift: boolean;
  readonly drifted: readonly string[];
  /** the prediction log's realised metrics whose interval fell below the holdout's */
  readonly belowHoldout: readonly string[];
}
