import type { Catalog } from '../catalog/types.js';
import type { HumilitySection } from '../monitor/humility/index.js';
import type { Store } from '../store/types.js';

/** autolab.yaml */
export interface LabConfig {
  /** `sqlite:.autolab/catalog.sqlite` (relative to the lab root) or `postgres://user@host/db` (password via ${env:NAME}) */
  readonly catalog: string;
  /** `file:.autolab/store` or `s3://bucket/prefix?endpoint=http://…&region=…` */
  readonly store: string;
  readonly defaults: {
    readonly timeLimitSeconds: number;
    readonly autoAcceptTags: boolean;
  };
  /**
   * Per project, the approval policy of human moment 3: a challenger that beats the production
   * model on its holdout by `autoApproveMargin` (in the metric's units) is approved without a person.
   */
  readonly approval?: Readonly<Record<string, { readonly autoApproveMargin: number }>>;
  /** Per project, when a model in production is trained again and whether an approved version goes live by itself: `RetrainingPolicy` */
  readonly retraining?: Readonly<Record<string, RetrainingPolicy>>;
  /**
   * `webhook`: where a drift alert is POSTed as JSON (kept as written: `${env:NAME}` resolved when
   * used); `window`: day, week or month of a tagged time column (default month); `thresholds`: any
   * of monitor's `DriftThresholds`
   */
  readonly monitor?: {
    readonly webhook?: string | undefined;
    readonly window?: 'day' | 'week' | 'month' | undefined;
    readonly thresholds?:
      | {
          readonly pValue?: number | undefined;
          readonly wasserstein?: number | undefined;
          readonly jensenShannon?: number | undefined;
          readonly driftShare?: number | undefined;
          readonly smallReference?: number | undefined;
        }
      | undefined;
  };
  /** humility rules for the prediction service (monitor's `HumilitySection`): every project's, and per project replacements */
  readonly humility?: HumilitySection | undefined;
  /**
   * feature synthesis: `depth`, hops outward from the target table (default 2; an entity of
   * repeated values needs 2); `recentDays`, windows before the cut-off whose rows are counted and
   * averaged (default none: on flights they lowered the held-out AUC, docs/benchmarks.md)
   */
  readonly gold?: { readonly depth?: number | undefined; readonly recentDays?: readonly number[] | undefined };
}

/**
 * What triggers a new training once a project has a model in production (before that, every new
 * snapshot does): `new-data` (the default) every new snapshot of what it learns from; `drift` a
 * monitoring alert of data drift on it (the snapshot's, or the prediction log's); `performance` an
 * alert of realised performance below the holdout's; `alert` either; `manual` only `autolab train
 * --force`. `deploy`: `auto` (the default) — an approved version newer than the production one is
 * promoted and switched live blue-green by the next `autolab run`; `manual` — by `autolab deploy`.
 */
export interface RetrainingPolicy {
  readonly on: 'new-data' | 'drift' | 'performance' | 'alert' | 'manual';
  readonly deploy: 'auto' | 'manual';
}

/** An opened lab: found by walking up from the working folder, like git. */
export interface Lab {
  readonly root: string;
  readonly config: LabConfig;
  readonly catalog: Catalog;
  readonly store: Store;
  /** local folder for DuckDB temp files and the cache of lake files */
  readonly workDir: string;
  close(): Promise<void>;
}
