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


/** A metric over the predictions that have an outcome, with its bootstrap interval, beside the model's holdout figure. */
export interface RealisedMetric {
  readonly value: number | null;
  readonly low: number | null;
  readonly high: number | null;
  /** the registry's holdout figure with its interval (null when the version kept none) */
  readonly holdout: { readonly value: number; readonly low: number; readonly high: number } | null;
  /** the realised interval lies wholly on the worse side of the holdout's interval */
  readonly belowHoldout: boolean;
}

export interface RealisedWindow {
  /** predictions in the window with an outcome (and an outcome the model knows: a class it predicts) */
  readonly rows: number;
  readonly metrics: Readonly<Record<string, RealisedMetric>>;
}

/** How logged predictions are cut: by UTC day of the request, or every N predictions in time order. */
export type LogWindowing = { readonly by: 'day' } | { readonly every: number };

export interface LogWindow {
  /** the day (ISO date), or `#n` for the n-th block of N predictions */
  readonly label: string;
  /** first and last request times in the window (ISO) */
  readonly from: string;
  readonly to: string;
  readonly rows: number;
  readonly drift: DriftSummary;
  /** CBPE on the window's logged probabilities: estimated, before outcomes */
  readonly estimated: EstimatedPerformance | null;
  /** on the window's predictions with feedback: realised */
  readonly realised: RealisedWindow | null;
  /** records each humility rule fired on (`outlying`, `unseen`, …; a record counts once per rule), as the log keeps them; absent in checks made before */
  readonly humility?: Readonly<Record<string, number>>;
}

/** `autolab monitor --source predictions`: the production model's prediction log against its training rows. */
export interface PredictionLogResult {
  readonly version: 1;
  readonly source: 'predictions';
  readonly project: string;
  readonly target: string;
  readonly model: { readonly version: number; readonly bundleHash: string; readonly metric: string };
  readonly since: string | null;
  readonly windowing: LogWindowing;
  readonly reference: { readonly silver: string; readonly rows: number };
  /** logged rows scored by this model (answers, not shadow scores) */
  readonly current: { readonly files: number; readonly requests: number; readonly rows: number };
  readonly drift: DriftSummary;
  readonly windows: readonly LogWindow[];
  /** outcomes kept, and how many logged predictions they reached (by id or key) */
  readonly feedback: { readonly outcomes: number; readonly matched: number; readonly unknownOutcomes: number };
  readonly realised: RealisedWindow | null;
  /** over every window: records each humility rule fired on (refused requests are not logged: /metrics counts them) */
  readonly humility?: Readonly<Record<string, number>>;
  readonly notes: readonly string[];
}
