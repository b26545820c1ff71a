/** Where a registered model came from: enough to say which data, tags, cleaning and code made it. */
export interface ModelLineage {
  /** the bronze snapshots the training table was cleaned from */
  readonly snapshots: readonly { readonly table: string; readonly version: number; readonly contentHash: string }[];
  /** the tags in force (version, and the hash of the confirmed tags the training was keyed on) */
  readonly tagVersion: number | null;
  readonly tagsHash: string;
  /** the silver table trained on: its hash, lake key and the hash of its cleaning plan */
  readonly silverHash: string;
  readonly silverLakeKey: string | null;
  readonly silverPlanHash: string | null;
  readonly table: string;
  /**
   * the feature plan the bundle applies (its pipeline's hash and step count) and, when the model
   * learnt from a gold table, that table's hash and feature count; absent from versions registered
   * before it was recorded
   */
  readonly featurePlan?: { readonly hash: string; readonly steps: number; readonly gold: { readonly hash: string; readonly features: number } | null };
  /** columns left out of training, with why (tag role, personal data) */
  readonly excluded: readonly { readonly column: string; readonly why: string }[];
  readonly rows: number;
  readonly dataHash: string;
  readonly seed: number;
  /** autolab's version, and the git commit it runs from when known */
  readonly codeVersion: string;
  /** the `automl.train` action */
  readonly trainSeq: number | null;
}
