export type { FeatureColumn, FeatureTable, Predictor, Task, TreeArrays } from './types.js';
export { binTable, applyBins, binOf, isBinnedDataset, selectBinnedRows } from './trees/binning.js';
export type { BinMapper, BinnedDataset, FeatureBins } from './trees/binning.js';
export { trainGbdt, GbdtModel, DEFAULT_GBDT_PARAMS } from './gbdt.js';
export type { GbdtParams, GbdtObjective, GbdtModelJSON, GbdtTrainOptions } from './gbdt.js';
export { trainForest, ForestModel, DEFAULT_FOREST_PARAMS } from './forest.js';
export type { ForestParams, ForestModelJSON } from './forest.js';
export { loadModel } from './load-model.js';
export { Rng, shuffleInPlace, shuffledIndex } from './random.js';
export { expectedPathLength, leafOf } from './trees/tree-arrays.js';
export { predictionThreads, setPredictionThreads, shareableColumn, shareColumns } from './trees/prediction-workers.js';
// the other parts of the learning core (CONTEXT-linear-explain.md); `goesLeft` comes from explain/
export * from './linear/index.js';
export * from './metrics/index.js';
export * from './cv/index.js';
export * from './explain/index.js';
export * from './onnx/index.js';
