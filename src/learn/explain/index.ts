export { treeShap, expectedTreeOutput } from './tree-shap.js';
export { modelShap } from './model-shap.js';
export type { ModelShap } from './model-shap.js';
export type { TreeShapResult } from './tree-shap.js';
export { treeImportance, permutationImportance } from './importance.js';
export type { TreeImportanceKind, PermutationOptions, PermutationImportance } from './importance.js';
export { goesLeft, treeLeaf, treeOutput, treeDepth, featureColumns } from './tree-walk.js';
export type { FeatureLookup } from './tree-walk.js';
