export { exportTreesOnnx, treesOnnxModel, float32AtOrBelow } from './export-trees.js';
export { exportModelOnnx, modelOnnx } from './export-model.js';
export type { TreeEnsembleExport } from './export-trees.js';
export { exportLinearOnnx, linearOnnxModel } from './export-linear.js';
export { encodeOnnxModel, ONNX_FLOAT, ONNX_INT64, ONNX_DOUBLE, ONNX_BOOL, ONNX_STRING } from './onnx-model.js';
export type { OnnxModel, OnnxGraph, OnnxNode, OnnxTensor, OnnxValueInfo, OnnxAttribute } from './onnx-model.js';
