/**
 * ONNX export of linear models as a plain graph of standard operators (opset 17), computed in
 * double precision: standardisation with mean imputation and missing indicators, one-hot encoding,
 * MatMul + Add, then Sigmoid or Softmax.
 *
 * Input contract (the same as the tree export): float `input` [N, F] with the model's features in
 * `featureNames` order, categorical features as their integer codes (an unseen code or NaN sets no
 * one-hot slot), NaN or ±Infinity for a missing numeric value. Outputs: regression `variable`
 * [N, 1]; classifiers `label` [N] (int64) and `probabilities` [N, numClasses].
 */
import { UsageError } from '../../common/index.js';
import type { LinearModel } from '../linear/index.js';
import type { OnnxModel, OnnxNode, OnnxTensor } from './onnx-model.js';
import { encodeOnnxModel, ONNX_DOUBLE, ONNX_FLOAT, ONNX_INT64 } from './onnx-model.js';

const TO_DOUBLE = { to: { type: 'int', value: ONNX_DOUBLE } } as const;
const TO_FLOAT = { to: { type: 'int', value: ONNX_FLOAT } } as const;

export function exportLinearOnnx(model: LinearModel): Uint8Array {
  return encodeOnnxModel(linearOnnxModel(model));
}

/** The ONNX model of a linear model as data, for a caller that puts it into a larger graph. */
export function linearOnnxModel(model: LinearModel, inputType: 'float' | 'double' = 'float'): OnnxModel {
  const spec = model.designSpec;
  const { outputs, coef, intercept } = model.weights;
  if (spec.width === 0) throw new UsageError('the linear model has no input columns to export', 'train it on at least one feature');
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const constant = (name: string, dataType: OnnxTensor['dataType'], dims: number[], values: ArrayLike<number>): string => {
    initializers.push({ name, dataType, dims, values });
    return name;
  };
  const op = (opType: string, inputs: string[], output: string, attributes?: OnnxNode['attributes']): string => {
    nodes.push({ opType, inputs, outputs: [output], name: output, ...(attributes ? { attributes } : {}) });
    return output;
  };

  const x = op('Cast', ['input'], 'x', TO_DOUBLE);
  const pieces: string[] = [];
  // design slot of each column of the concatenated matrix, in order
  const slotOrder: number[] = [];

  const numericIndex: number[] = [];
  const means: number[] = [];
  const scales: number[] = [];
  const mins: number[] = [];
  const maxs: number[] = [];
  const numericSlots: number[] = [];
  const indicatorPositions: number[] = [];
  const indicatorSlots: number[] = [];
  spec.columns.forEach((column, index) => {
    if (column.kind !== 'numeric') return;
    if (column.missingSlot >= 0) {
      indicatorPositions.push(numericIndex.length);
      indicatorSlots.push(column.missingSlot);
    }
    numericIndex.push(index);
    means.push(column.mean);
    scales.push(column.scale);
    mins.push(column.min ?? -Infinity);
    maxs.push(column.max ?? Infinity);
    numericSlots.push(column.slot);
  });
  if (numericIndex.length > 0) {
    const xn = op('Gather', [x, constant('numeric_columns', ONNX_INT64, [numericIndex.length], numericIndex)], 'numeric', { axis: { type: 'int', value: 1 } });
    const missing = op('Or', [op('IsNaN', [xn], 'is_nan'), op('IsInf', [xn], 'is_inf')], 'missing');
    // clamped to the training range, as design.ts does (a missing value is replaced below whatever Min/Max make of it)
    const clamped = op('Max', [op('Min', [xn, constant('maxs', ONNX_DOUBLE, [numericIndex.length], maxs)], 'below_max'), constant('mins', ONNX_DOUBLE, [numericIndex.length], mins)], 'clamped');
    const standardised = op('Div', [op('Sub', [clamped, constant('means', ONNX_DOUBLE, [numericIndex.length], means)], 'centred'), constant('scales', ONNX_DOUBLE, [numericIndex.length], scales)], 'standardised');
    pieces.push(op('Where', [missing, constant('zero', ONNX_DOUBLE, [], [0]), standardised], 'numeric_design'));
    slotOrder.push(...numericSlots);
    if (indicatorSlots.length > 0) {
      const flags = op('Cast', [missing], 'missing_flags', TO_DOUBLE);
      pieces.push(op('Gather', [flags, constant('indicator_columns', ONNX_INT64, [indicatorPositions.length], indicatorPositions)], 'indicators', { axis: { type: 'int', value: 1 } }));
      slotOrder.push(...indicatorSlots);
    }
  }
  spec.columns.forEach((column, index) => {
    if (column.kind !== 'categorical' || column.levels === 0) return;
    const codes = op('Gather', [x, constant(`column_${index}`, ONNX_INT64, [1], [index])], `codes_${index}`, { axis: { type: 'int', value: 1 } });
    const levels = constant(`levels_${index}`, ONNX_DOUBLE, [1, column.levels], Array.from({ length: column.levels }, (_, l) => l));
    pieces.push(op('Cast', [op('Equal', [codes, levels], `is_level_${index}`)], `one_hot_${index}`, TO_DOUBLE));
    for (let l = 0; l < column.levels; l++) slotOrder.push(column.offset + l);
  });

  const design = pieces.length === 1 ? pieces[0]! : op('Concat', pieces, 'design', { axis: { type: 'int', value: 1 } });
  const weights = new Float64Array(slotOrder.length * outputs);
  slotOrder.forEach((slot, row) => {
    for (let k = 0; k < outputs; k++) weights[row * outputs + k] = coef[k * spec.width + slot]!;
  });
  const margins = op('Add', [op('MatMul', [design, constant('coefficients', ONNX_DOUBLE, [slotOrder.length, outputs], weights)], 'product'), constant('intercepts', ONNX_DOUBLE, [outputs], intercept)], 'margins');

  const outputsInfo = [];
  if (model.task === 'regression') {
    op('Cast', [margins], 'variable', TO_FLOAT);
    outputsInfo.push({ name: 'variable', elemType: ONNX_FLOAT, shape: ['N', 1] });
  } else {
    let probabilities: string;
    if (model.task === 'binary') {
      const p = op('Sigmoid', [margins], 'p1');
      probabilities = op('Concat', [op('Sub', [constant('one', ONNX_DOUBLE, [], [1]), p], 'p0'), p], 'proba', { axis: { type: 'int', value: 1 } });
    } else {
      probabilities = op('Softmax', [margins], 'proba', { axis: { type: 'int', value: 1 } });
    }
    op('ArgMax', [probabilities], 'label', { axis: { type: 'int', value: 1 }, keepdims: { type: 'int', value: 0 } });
    op('Cast', [probabilities], 'probabilities', TO_FLOAT);
    outputsInfo.push({ name: 'label', elemType: ONNX_INT64, shape: ['N'] }, { name: 'probabilities', elemType: ONNX_FLOAT, shape: ['N', model.numClasses] });
  }

  return {
    graph: { name: 'autolab_linear', nodes, inputs: [{ name: 'input', elemType: inputType === 'double' ? ONNX_DOUBLE : ONNX_FLOAT, shape: ['N', spec.columns.length] }], outputs: outputsInfo, initializers },
    opsets: [{ domain: '', version: 17 }],
    docString: `autolab ${model.task} linear model; input: float [N, ${spec.columns.length}] in the order ${JSON.stringify(model.featureNames)}, categorical codes as numbers, NaN for missing`,
  };
}
