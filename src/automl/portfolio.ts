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

/**
 * Strong, diverse default configurations tried before any search, cheapest and surest first:
 * several boosting shapes (LightGBM's defaults, a slower regularised one, shallow trees for small
 * data, large trees), a linear model, then a random forest and extra-trees.
 */
export function defaultPortfolio(task: Task, rows: number, features: number, options: { logTarget?: boolean } = {}): ModelConfig[] {
  const small = rows < 2000;
  // enough trees for a stable average; more mostly add to the bundle (a 300-tree forest on 3,500
  // rows is ~18 MB of JSON per fold, seconds to write and to load)
  const trees = rows > 20_000 ? 100 : 150;
  const sqrtShare = Math.min(1, Math.max(1 / features, Math.sqrt(features) / features));
  const forestFeatures = task === 'regression' ? Math.max(sqrtShare, 0.5) : sqrtShare;
  // a skewed positive target (prices, counts) gets boosting and a linear model on its log as well
  const logVariants: ModelConfig[] = options.logTarget
    ? [{ ...GBDT_BASE, learningRate: 0.05, maxLeaves: 31, minDataInLeaf: small ? 5 : 20, featureFraction: 0.8, baggingFraction: 0.8, logTarget: true }, { kind: 'linear', lambda: 1, logTarget: true }]
    : [];
  // boosting shapes first: each costs a second or two on small data and one of them is usually
  // the best model; the forests, dearer and rarely the best alone, come after for the ensemble
  return [
    { kind: 'prior' },
    { ...GBDT_BASE, minDataInLeaf: small ? 10 : 20 },
    { kind: 'linear', lambda: 1 },
    { ...GBDT_BASE, learningRate: 0.05, maxLeaves: 15, minDataInLeaf: small ? 5 : 20, lambdaL2: 1, featureFraction: 0.8, baggingFraction: 0.8 },
    ...logVariants,
    { ...GBDT_BASE, learningRate: 0.05, maxLeaves: 8, maxDepth: 3, minDataInLeaf: 3, lambdaL2: 0.1, featureFraction: 0.7, baggingFraction: 0.9 },
    { ...GBDT_BASE, learningRate: 0.03, maxLeaves: 63, minDataInLeaf: small ? 5 : 10, lambdaL2: 3, featureFraction: 0.6, baggingFraction: 0.8 },
    { kind: 'forest', extraTrees: false, trees, maxFeatures: forestFeatures, minDataInLeaf: 1 },
    { kind: 'forest', extraTrees: true, trees, maxFeatures: forestFeatures, minDataInLeaf: 1 },
  ];
}
