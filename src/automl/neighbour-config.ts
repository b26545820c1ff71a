import type { ForestConfig, GbdtConfig, LinearConfig, ModelConfig } from './model-config.js';

function clamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, x));
}

/** A standard normal draw from two uniform ones (Box–Muller). */
function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * A configuration near `config`: every hyperparameter moved in log space by a normal step of width
 * `step` (a local, cost-aware search in the spirit of FLAML's CFO: start from cheap defaults and
 * walk to better ones).
 */
export function neighbourConfig(config: ModelConfig, step: number, random: () => number): ModelConfig {
  const scale = (x: number, lo: number, hi: number): number => clamp(x * Math.exp(step * normal(random)), lo, hi);
  switch (config.kind) {
    case 'prior':
      return config;
    case 'gbdt': {
      const next: GbdtConfig = {
        ...config,
        learningRate: scale(config.learningRate, 0.01, 0.3),
        maxLeaves: Math.round(scale(config.maxLeaves, 4, 255)),
        minDataInLeaf: Math.round(scale(config.minDataInLeaf, 1, 200)),
        lambdaL2: clamp(scale(config.lambdaL2 + 0.01, 0.001, 100), 0, 100),
        featureFraction: clamp(1 - scale(1.05 - config.featureFraction, 0.01, 0.75), 0.3, 1),
        baggingFraction: clamp(1 - scale(1.05 - config.baggingFraction, 0.01, 0.55), 0.5, 1),
        maxDepth: config.maxDepth === 0 ? 0 : Math.round(scale(config.maxDepth, 2, 12)),
      };
      return next;
    }
    case 'forest': {
      const next: ForestConfig = {
        ...config,
        maxFeatures: scale(config.maxFeatures, 0.05, 1),
        minDataInLeaf: Math.round(scale(config.minDataInLeaf + 0.5, 1, 50)),
      };
      return next;
    }
    case 'linear': {
      const next: LinearConfig = { ...config, lambda: scale(config.lambda, 1e-4, 1e3) };
      return next;
    }
  }
}
