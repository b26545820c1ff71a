import type { Catalog } from '../catalog/types.js';
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
  /**
   * feature synthesis: `depth`, hops outward from the target table (default 2; an entity of
   * repeated values needs 2); `recentDays`, windows before the cut-off whose rows are counted and
   * averaged (default none: on flights they lowered the held-out AUC, docs/benchmarks.md)
   */
  readonly gold?: { readonly depth?: number | undefined; readonly recentDays?: readonly number[] | undefined };
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
