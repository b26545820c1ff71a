/**
 * A candidate's recipe as plain JSON: the model family and its hyperparameters. The search makes
 * these, the leaderboard shows them, the bundle stores them.
 */
export interface PriorConfig {
  readonly kind: 'prior';
}

export interface GbdtConfig {
  readonly kind: 'gbdt';
  readonly learningRate: number;
  readonly maxLeaves: number;
  readonly maxDepth: number;
  readonly minDataInLeaf: number;
  readonly lambdaL2: number;
  readonly featureFraction: number;
  readonly baggingFraction: number;
  /** upper bound; early stopping on the fold's validation rows picks the count */
  readonly maxRounds: number;
  /** a refit on all rows (refit.ts): exactly this many rounds, no validation rows, no early stopping */
  readonly rounds?: number;
  readonly minSplitGain: number;
  /** regression only: fit log1p of the target */
  readonly logTarget?: boolean;
  /** classes only: weigh each row by 1/√(its class's rows), scaled to a mean of 1 */
  readonly classWeight?: 'balanced';
}

export interface ForestConfig {
  readonly kind: 'forest';
  readonly extraTrees: boolean;
  readonly trees: number;
  readonly maxFeatures: number;
  readonly minDataInLeaf: number;
}

export interface LinearConfig {
  readonly kind: 'linear';
  /** L2 penalty strength */
  readonly lambda: number;
  /** regression only: fit log1p of the target */
  readonly logTarget?: boolean;
}

export type ModelConfig = PriorConfig | GbdtConfig | ForestConfig | LinearConfig;

/** A short human-readable name for the leaderboard. */
export function describeConfig(config: ModelConfig): string {
  switch (config.kind) {
    case 'prior':
      return 'prior';
    case 'gbdt':
      return `gbdt${config.logTarget ? '(log y)' : ''}${config.classWeight ? '(class-weighted)' : ''} lr=${round(config.learningRate)} leaves=${config.maxLeaves} depth=${config.maxDepth} minleaf=${config.minDataInLeaf} l2=${round(config.lambdaL2)} ff=${round(config.featureFraction)} bf=${round(config.baggingFraction)}`;
    case 'forest':
      return `${config.extraTrees ? 'extra-trees' : 'random-forest'} trees=${config.trees} maxfeat=${round(config.maxFeatures)} minleaf=${config.minDataInLeaf}`;
    case 'linear':
      return `linear${config.logTarget ? '(log y)' : ''} lambda=${round(config.lambda)}`;
  }
}

function round(x: number): number {
  return Number(x.toPrecision(3));
}

export function familyOf(config: ModelConfig): string {
  return config.kind === 'forest' ? (config.extraTrees ? 'extra-trees' : 'random-forest') : config.kind;
}

/** The best of each model family among `items`, in the order the families first appear. */
export function bestOfEachFamily<T extends { readonly config: ModelConfig; readonly score: number }>(items: readonly T[], better: (a: number, b: number) => boolean): T[] {
  const best = new Map<string, T>();
  for (const item of items) {
    const current = best.get(familyOf(item.config));
    if (!current || better(item.score, current.score)) best.set(familyOf(item.config), item);
  }
  return [...best.values()];
}
