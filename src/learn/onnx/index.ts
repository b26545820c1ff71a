export { exportTreesOnnx, float32AtOrBelow } from './export-trees.js';
export { exportModelOnnx } from './export-model.js';
export type { TreeEnsembleExport } from './export-trees.js';
export { exportLinearOnnx } from './export-linear.js';
export { encodeOnnxModel } from './onnx-model.js';
export type { OnnxModel, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo, OnnxAttribute } from './onnx-model.js';
