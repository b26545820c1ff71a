export type { FeatureColumn, FeatureTable, Predictor, Task, TreeArrays } from './types.js';
export { binTable, applyBins, binOf, isBinnedDataset, selectBinnedRows } from './trees/binning.js';
export type { BinMapper, BinnedDataset, FeatureBins } from './trees/binning.js';
export { trainGbdt, GbdtModel, DEFAULT_GBDT_PARAMS } from './gbdt.js';
export type { GbdtParams, GbdtObjective, GbdtModelJSON, GbdtTrainOptions } from './gbdt.js';
export { trainForest, ForestModel, DEFAULT_FOREST_PARAMS } from './forest.js';
export type { ForestParams, ForestModelJSON } from './forest.js';
export { loadModel } from './load-model.js';
export { goesLeft, leafOf } from './trees/tree-arrays.js';
