/** A monitoring run's result as plain JSON: kept in the store, printed by `autolab monitor`, drawn by its report. */
import type { EstimatedPerformance } from './cbpe.js';
import type { DriftSummary } from './drift-types.js';

export type WindowPeriod = 'day' | 'week' | 'month';

export interface MonitorWindow {
  /** first day of the window (ISO date) */
  readonly start: string;
  readonly drift: DriftSummary;
  /** CBPE on the window's rows (classifiers) */
  readonly estimated: EstimatedPerformance | null;
  /** when the window's rows hold the outcome */
  readonly realised: RealisedPerformance | null;
}

export interface RealisedPerformance {
  readonly rows: number;
  readonly accuracy: number;
  readonly auc: number;
}

export interface MonitorResult {
  readonly version: 1;
  readonly project: string;
  readonly table: string;
  readonly target: string;
  readonly model: { readonly bundleHash: string; readonly trainedAt: string; readonly snapshotVersion: number; readonly metric: string; readonly score: number };
  readonly reference: { readonly snapshotVersion: number; readonly silver: string; readonly rows: number };
  readonly current: { readonly snapshotVersion: number; readonly silver: string; readonly rows: number };
  /** the tagged time column the current rows were cut by, or null (the whole snapshot is one window) */
  readonly window: { readonly column: string; readonly period: WindowPeriod } | null;
  readonly drift: DriftSummary;
  readonly windows: readonly MonitorWindow[];
  /** drift of the model's outputs: its predicted class (or value) and score, reference rows against current */
  readonly prediction: DriftSummary;
  /** classifiers: each class's share of the predictions on either side */
  readonly predictedClasses: readonly { readonly label: string; readonly reference: number; readonly current: number }[];
  readonly performance: {
    /** the bundle's out-of-fold score at training */
    readonly training: { readonly metric: string; readonly score: number };
    /** CBPE on the current rows (classifiers), before outcomes arrive */
    readonly estimated: EstimatedPerformance | null;
    /** whether the probabilities were checked to be calibrated, and how; CBPE assumes they are */
    readonly calibration: string;
    /** when the current rows already hold the outcome (a snapshot with the target filled) */
    readonly realised: RealisedPerformance | null;
  };
  readonly notes: readonly string[];
}

