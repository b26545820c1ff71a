/** Drift results as plain JSON: what the catalog's action detail, `monitor --json` and the report carry. */

export type DriftTest = 'ks' | 'wasserstein' | 'chi-square' | 'jensen-shannon';

export interface ColumnDriftResult {
  readonly column: string;
  /** how the column was compared: by value (numbers, times) or by category */
  readonly kind: 'numeric' | 'categorical';
  readonly test: DriftTest;
  /** a p-value (ks, chi-square: drifted below the threshold) or a distance (drifted at or above it) */
  readonly statistic: number;
  readonly threshold: number;
  readonly drifted: boolean;
  /** KS: the largest gap between the two ECDFs */
  readonly ksStatistic?: number;
  readonly psi: number;
  readonly psiLevel: 'stable' | 'moderate' | 'large';
  readonly missingShare: { readonly reference: number; readonly current: number };
  /** categories in the current rows never seen in the reference (first 10), and how many */
  readonly newCategories: readonly string[];
  readonly newCategoryCount: number;
  /** the model's importance of the column, as a share of the total (null: not known) */
  readonly importance: number | null;
}

export interface DriftSummary {
  readonly referenceRows: number;
  readonly currentRows: number;
  readonly columns: readonly ColumnDriftResult[];
  readonly driftedColumns: number;
  readonly driftedShare: number;
  /** dataset drift when driftedShare ≥ this */
  readonly driftShareThreshold: number;
  readonly datasetDrift: boolean;
  /** Σ importance of drifted columns / Σ importance (null without importances) */
  readonly weightedDriftScore: number | null;
}

export interface DriftThresholds {
  /** p-value below which KS and chi-square call a column drifted (Evidently: 0.05) */
  readonly pValue: number;
  /** normalised Wasserstein distance at or above which a column drifted (Evidently: 0.1) */
  readonly wasserstein: number;
  /** Jensen–Shannon distance at or above which a column drifted (Evidently: 0.1) */
  readonly jensenShannon: number;
  /** share of drifted columns at or above which the dataset drifted (Evidently: 0.5) */
  readonly driftShare: number;
  /** reference rows up to which the tests are KS / chi-square, above which distances (Evidently: 1,000) */
  readonly smallReference: number;
}

export const DEFAULT_THRESHOLDS: DriftThresholds = { pValue: 0.05, wasserstein: 0.1, jensenShannon: 0.1, driftShare: 0.5, smallReference: 1000 };
