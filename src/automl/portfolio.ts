import type { Task } from '../learn/types.js';
import type { GbdtConfig, ModelConfig } from './model-config.js';

const GBDT_BASE: GbdtConfig = {
  kind: 'gbdt',
  learningRate: 0.1,
  maxLeaves: 31,
  maxDepth: 0,
  minDataInLeaf: 20,
  lambdaL2: 0,
  featureFraction: 1,
  baggingFraction: 1,
  maxRounds: 2000,
  minSplitGain: 0,
};

/** Above this many features a tree draws a share of them (`WIDE_FEATURES / features`, at least `MIN_WIDE_SHARE`). */
const WIDE_FEATURES = 200;
const MIN_WIDE_SHARE = 0.15;
/** Classes are skewed when the largest has this many times the rows of the smallest. */
const SKEW_RATIO = 5;

/**
 * The first booster: LightGBM's defaults, with features drawn per tree on wide tables. It is also
 * the first, fast candidate that sizes the validation plan, so it must cost the same wherever it runs.
 */
export function firstBooster(rows: number, features: number): GbdtConfig {
  return { ...GBDT_BASE, minDataInLeaf: rows < 2000 ? 10 : 20, featureFraction: featureShare(features) };
}

function featureShare(features: number): number {
  return features > WIDE_FEATURES ? Math.max(MIN_WIDE_SHARE, WIDE_FEATURES / features) : 1;
}

/**
 * Strong, diverse default configurations tried before any search, cheapest and surest first:
 * several boosting shapes (LightGBM's defaults, a slower regularised one, shallow trees for small
 * data, large trees), a linear model, then a random forest and extra-trees.
 */
export function defaultPortfolio(task: Task, rows: number, features: number, options: { logTarget?: boolean; classCounts?: readonly number[] } = {}): ModelConfig[] {
  const small = rows < 2000;
  // a tree of a wide table sees at most ~200 features: histograms cost in proportion to the
  // features built, and on many sparse indicators a sample per tree generalises as well or better
  const share = featureShare(features);
  // enough trees for a stable average; more mostly add to the bundle (a 300-tree forest on 3,500
  // rows is ~18 MB of JSON per fold, seconds to write and to load)
  const trees = rows > 20_000 ? 100 : 150;
  const sqrtShare = Math.min(1, Math.max(1 / features, Math.sqrt(features) / features));
  const forestFeatures = task === 'regression' ? Math.max(sqrtShare, 0.5) : sqrtShare;
  // a skewed positive target (prices, counts) gets boosting and a linear model on its log as well
  const logVariants: ModelConfig[] = options.logTarget
    ? [{ ...GBDT_BASE, learningRate: 0.05, maxLeaves: 31, minDataInLeaf: small ? 5 : 20, featureFraction: 0.8 * share, baggingFraction: 0.8, logTarget: true }, { kind: 'linear', lambda: 1, logTarget: true }]
    : [];
  // skewed classes get a booster that weighs them more evenly; the ensemble keeps it only if it helps out of fold
  const counts = (options.classCounts ?? []).filter((c) => c > 0);
  const skewed = counts.length >= 2 && Math.max(...counts) >= SKEW_RATIO * Math.min(...counts);
  const weighted: ModelConfig[] = skewed ? [{ ...GBDT_BASE, featureFraction: share, minDataInLeaf: small ? 10 : 20, lambdaL2: 1, classWeight: 'balanced' }] : [];
  // boosting shapes first: each costs a second or two on small data and one of them is usually
  // the best model; the forests, dearer and rarely the best alone, come after for the ensemble
  return [
    { kind: 'prior' },
    firstBooster(rows, features),
    { kind: 'linear', lambda: 1 },
    { ...GBDT_BASE, learningRate: 0.05, maxLeaves: 15, minDataInLeaf: small ? 5 : 20, lambdaL2: 1, featureFraction: 0.8 * share, baggingFraction: 0.8 },
    ...logVariants,
    ...weighted,
    { ...GBDT_BASE, learningRate: 0.05, maxLeaves: 8, maxDepth: 3, minDataInLeaf: 3, lambdaL2: 0.1, featureFraction: 0.7 * share, baggingFraction: 0.9 },
    { ...GBDT_BASE, learningRate: 0.03, maxLeaves: 63, minDataInLeaf: small ? 5 : 10, lambdaL2: 3, featureFraction: 0.6 * share, baggingFraction: 0.8 },
    { kind: 'forest', extraTrees: false, trees, maxFeatures: forestFeatures, minDataInLeaf: 1 },
    { kind: 'forest', extraTrees: true, trees, maxFeatures: forestFeatures, minDataInLeaf: 1 },
  ];
}
