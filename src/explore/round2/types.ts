/**
 * Result types of exploration round 2 (target-aware), plain JSON like round 1. Figures that
 * cannot be computed for a pair are null.
 */
import type { ColumnRef, RelationshipCardinality, SemanticType, TargetTask } from '../profile-types.js';

export interface ClassCount {
  readonly value: string;
  readonly count: number;
  readonly share: number;
}

export interface TargetSummary {
  readonly table: string;
  readonly column: string;
  readonly task: TargetTask;
  readonly rows: number;
  /** rows where the target is missing (they cannot be learned from) */
  readonly missing: number;
  /** classification: classes, most frequent first */
  readonly classes: readonly ClassCount[] | null;
  /** majority count / minority count; null for regression */
  readonly imbalanceRatio: number | null;
  /** regression: distribution of the target */
  readonly mean: number | null;
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

export interface FeatureAssociation {
  readonly column: string;
  readonly semanticType: SemanticType;
  /** mutual information with the target, in nats, on binned values (missing is its own bin) */
  readonly mutualInformation: number;
  /** mutual information / entropy of the (binned) target: 0 independent … 1 determines it */
  readonly normalizedMI: number;
  /** binary targets and numeric features: area under the ROC curve of the feature alone */
  readonly auc: number | null;
  /** numeric feature with a class target, or a category with a numeric target */
  readonly correlationRatio: number | null;
  /** numeric feature and numeric target */
  readonly pearson: number | null;
  /** 0..1, one figure to sort by: the strongest of the measures above */
  readonly strength: number;
}

export type LeakageKind = 'near_copy' | 'after_outcome' | 'presence_reveals_target';

export interface LeakageSuspect {
  readonly column: string;
  readonly kind: LeakageKind;
  /** one readable sentence */
  readonly reason: string;
  /** the figure behind it (normalized MI, AUC, share of rows after the outcome…) */
  readonly value: number;
}

export interface PartialFeature {
  readonly column: string;
  /** share of rows where the feature is present */
  readonly presentShare: number;
  /** classification: present share per class (same order as the target's classes) */
  readonly presentShareByClass: readonly { readonly value: string; readonly presentShare: number }[] | null;
}

export interface TargetAnalysis {
  readonly target: TargetSummary;
  /** strongest first */
  readonly associations: readonly FeatureAssociation[];
  readonly leakage: readonly LeakageSuspect[];
  readonly partialFeatures: readonly PartialFeature[];
}

export interface ColumnDrift {
  readonly column: string;
  /** population stability index; < 0.1 stable, 0.1–0.25 moderate, > 0.25 large */
  readonly psi: number;
  readonly level: 'stable' | 'moderate' | 'large';
  readonly binning: 'quantile' | 'category';
}

export interface TableDrift {
  readonly table: string;
  readonly fromVersion: number;
  readonly toVersion: number;
  readonly fromRows: number;
  readonly toRows: number;
  readonly columns: readonly ColumnDrift[];
  /** columns in only one of the two snapshots */
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface JoinCoverage {
  readonly from: ColumnRef;
  readonly to: ColumnRef;
  readonly cardinality: RelationshipCardinality | null;
  readonly fromRows: number;
  /** rows of `from` whose key is missing */
  readonly fromMissing: number;
  /** share of `from` rows with a non-missing key that find a match in `to` */
  readonly matchedShare: number;
  /** share of distinct `to` keys referenced by at least one `from` row */
  readonly referencedShare: number;
}

export interface Round2Result {
  readonly round2Version: 1;
  /** null when no target is confirmed yet */
  readonly target: TargetAnalysis | null;
  readonly drift: readonly TableDrift[];
  readonly joins: readonly JoinCoverage[];
  readonly timings: { readonly totalMs: number };
}
