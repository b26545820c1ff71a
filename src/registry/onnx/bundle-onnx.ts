import { LogTargetModel, STACK_EPS, type BundleManifest, type FittedMember } from '../../automl/index.js';
import { InputError } from '../../common/index.js';
import { modelOnnx, ONNX_DOUBLE, ONNX_FLOAT, ONNX_INT64, ONNX_STRING, type OnnxModel, type OnnxNode, type OnnxTensor, type OnnxValueInfo, type Predictor } from '../../learn/index.js';

/**
 * A whole bundle as one ONNX graph: the feature pipeline's numeric and categorical steps, every
 * member's fold models (learn's exporters, renamed into one graph), and the weighted average or
 * the stacker over the members.
 *
 * Inputs, one per input column of the bundle's schema: numbers (and booleans as 0/1, numbers that
 * were text) as double [N, 1], NaN for missing; categories as string [N, 1] (an unseen or empty text
 * is missing, as in TypeScript). Rows are taken as silver cleaned them (the bundle's `clean` plan is
 * not part of the graph). Outputs: classifiers `probabilities` float [N, classes], `label_index`
 * int64 [N] and `label` string [N]; regression `prediction` float [N, 1].
 */
export class OnnxExpressionError extends InputError {}

const ML = 'ai.onnx.ml';

export function bundleOnnxModel(manifest: BundleManifest, members: readonly FittedMember[], stackers: readonly Predictor[] = []): OnnxModel {
  for (const step of manifest.pipeline.steps) {
    if (step.kind === 'datetime' || step.kind === 'text-hash') {
      throw new OnnxExpressionError(`the ${step.kind} step of column '${step.column}' cannot be expressed in ONNX`, 'export a model trained without that column (tag it ignore), or serve the bundle itself');
    }
  }
  const stacked = manifest.combiner.kind === 'stack';
  if (stacked && stackers.length === 0) throw new Error('a stacked bundle was given without its stacker models');
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const inputs: OnnxValueInfo[] = [];
  const features: string[] = [];
  manifest.pipeline.steps.forEach((step, s) => {
    if (step.kind === 'numeric') {
      inputs.push({ name: step.column, elemType: ONNX_DOUBLE, shape: ['N', 1] });
      features.push(step.column);
      return;
    }
    if (step.kind !== 'categorical' && step.kind !== 'target-encoding') return;
    inputs.push({ name: step.column, elemType: ONNX_STRING, shape: ['N', 1] });
    // the text's position among the categories, −1 when unseen or empty: a Gather's −1 is its table's last entry
    const code = `step${s}_code`;
    nodes.push({
      opType: 'LabelEncoder',
      domain: ML,
      name: code,
      inputs: [step.column],
      outputs: [code],
      attributes: { keys_strings: { type: 'strings', value: step.categories }, values_int64s: { type: 'ints', value: step.categories.map((_, c) => c) }, default_int64: { type: 'int', value: -1 } },
    });
    // tables in double, so that a feature is the very number TypeScript computes (a float32 one can fall on the other side of a split)
    const tables = step.kind === 'categorical' ? [[...step.categories.map((_, c) => c), Number.NaN]] : step.encodings.map((values, k) => [...values, step.prior[k]!]);
    tables.forEach((table, k) => {
      const name = `step${s}_${k}`;
      initializers.push({ name: `${name}_table`, dataType: ONNX_DOUBLE, dims: [table.length], values: table });
      nodes.push({ opType: 'Gather', name, inputs: [`${name}_table`, code], outputs: [name], attributes: { axis: { type: 'int', value: 0 } } });
      features.push(name);
    });
  });
  nodes.push({ opType: 'Concat', name: 'features', inputs: features, outputs: ['features'], attributes: { axis: { type: 'int', value: 1 } } });

  const classification = manifest.task !== 'regression';
  const memberOutputs: string[] = [];
  const merge = (part: OnnxModel, prefix: string, input: string): void => {
    const rename = (name: string) => (name === 'input' ? input : `${prefix}${name}`);
    for (const node of part.graph.nodes) nodes.push({ ...node, ...(node.name ? { name: prefix + node.name } : {}), inputs: node.inputs.map(rename), outputs: node.outputs.map(rename) });
    for (const tensor of part.graph.initializers) initializers.push({ ...tensor, name: rename(tensor.name) });
  };
  const weightedSum = (parts: readonly { output: string; weight: number }[], name: string): string => {
    const weighted = parts.map((p) => {
      initializers.push({ name: `${p.output}_weight`, dataType: ONNX_FLOAT, dims: [], values: [p.weight] });
      nodes.push({ opType: 'Mul', name: `${p.output}_weighted`, inputs: [p.output, `${p.output}_weight`], outputs: [`${p.output}_weighted`] });
      return `${p.output}_weighted`;
    });
    if (weighted.length === 1) return weighted[0]!;
    nodes.push({ opType: 'Sum', name, inputs: weighted, outputs: [name] });
    return name;
  };
  members.forEach((member, m) => {
    const described = manifest.leaderboard.find((r) => r.id === manifest.members[m]?.id)?.model ?? `member ${m}`;
    // a member predicts the average of its folds; the ensemble weighs members (a stacker reads each)
    const folds = member.models.map((model, f) => {
      // a model of the log of the target: its output held in range, then expm1, as LogTargetModel.predict
      const logScale = model instanceof LogTargetModel ? model.logScale : undefined;
      let part: OnnxModel;
      try {
        part = modelOnnx(logScale?.inner ?? model, 'double');
      } catch (error) {
        throw new OnnxExpressionError(`ensemble member '${described}' cannot be expressed in ONNX (${error instanceof Error ? error.message.split(' — ')[0] : String(error)})`, 'serve the bundle itself', { cause: error });
      }
      const prefix = `m${m}f${f}/`;
      merge(part, prefix, 'features');
      let output = `${prefix}${classification ? 'probabilities' : 'variable'}`;
      if (logScale) output = expm1Within(output, `${prefix}log_target/`, logScale.range, { nodes, initializers });
      return { output, weight: (stacked ? 1 : member.weight) / member.models.length };
    });
    memberOutputs.push(weightedSum(folds, `m${m}/output`));
  });
  const blended = stacked ? stackGraph(manifest, stackers, memberOutputs, { nodes, initializers, merge, weightedSum }) : weightedSum(memberOutputs.map((output) => ({ output, weight: 1 })), 'blended');

  const outputs: OnnxValueInfo[] = [];
  if (classification) {
    // as AutoModel: the blend divided by its row sum, the label the most probable class
    initializers.push({ name: 'class_axis', dataType: ONNX_INT64, dims: [1], values: [1] });
    nodes.push({ opType: 'ReduceSum', name: 'row_total', inputs: [blended, 'class_axis'], outputs: ['row_total'], attributes: { keepdims: { type: 'int', value: 1 } } });
    nodes.push({ opType: 'Div', name: 'probabilities', inputs: [blended, 'row_total'], outputs: ['probabilities'] });
    nodes.push({ opType: 'ArgMax', name: 'label_index', inputs: ['probabilities'], outputs: ['label_index'], attributes: { axis: { type: 'int', value: 1 }, keepdims: { type: 'int', value: 0 } } });
    nodes.push({
      opType: 'LabelEncoder',
      domain: ML,
      name: 'label',
      inputs: ['label_index'],
      outputs: ['label'],
      attributes: { keys_int64s: { type: 'ints', value: manifest.classes.map((_, c) => c) }, values_strings: { type: 'strings', value: manifest.classes }, default_string: { type: 'string', value: '' } },
    });
    outputs.push({ name: 'probabilities', elemType: ONNX_FLOAT, shape: ['N', manifest.classes.length] }, { name: 'label_index', elemType: ONNX_INT64, shape: ['N'] }, { name: 'label', elemType: ONNX_STRING, shape: ['N'] });
  } else {
    nodes.push({ opType: 'Identity', name: 'prediction', inputs: [blended], outputs: ['prediction'] });
    outputs.push({ name: 'prediction', elemType: ONNX_FLOAT, shape: ['N', 1] });
  }
  return {
    graph: { name: 'autolab_bundle', nodes, inputs, outputs, initializers },
    opsets: [
      { domain: '', version: 17 },
      { domain: ML, version: 3 },
    ],
    docString: `autolab ${manifest.task} model of '${manifest.target}': inputs ${JSON.stringify(inputs.map((i) => i.name))} (numbers double [N,1], categories string [N,1]), rows as silver cleaned them`,
  };
}

/** exp(x) − 1 of `input` held in `range` first, in float as the member's output is. */
function expm1Within(input: string, prefix: string, range: readonly [number, number] | undefined, g: Pick<GraphParts, 'nodes' | 'initializers'>): string {
  let x = input;
  if (range) {
    g.initializers.push({ name: `${prefix}lo`, dataType: ONNX_FLOAT, dims: [], values: [range[0]] }, { name: `${prefix}hi`, dataType: ONNX_FLOAT, dims: [], values: [range[1]] });
    g.nodes.push({ opType: 'Clip', name: `${prefix}held`, inputs: [x, `${prefix}lo`, `${prefix}hi`], outputs: [`${prefix}held`] });
    x = `${prefix}held`;
  }
  g.initializers.push({ name: `${prefix}one`, dataType: ONNX_FLOAT, dims: [], values: [1] });
  g.nodes.push({ opType: 'Exp', name: `${prefix}exp`, inputs: [x], outputs: [`${prefix}exp`] });
  g.nodes.push({ opType: 'Sub', name: `${prefix}value`, inputs: [`${prefix}exp`, `${prefix}one`], outputs: [`${prefix}value`] });
  return `${prefix}value`;
}

interface GraphParts {
  readonly nodes: OnnxNode[];
  readonly initializers: OnnxTensor[];
  merge(part: OnnxModel, prefix: string, input: string): void;
  weightedSum(parts: readonly { output: string; weight: number }[], name: string): string;
}

/**
 * The stacker as AutoModel applies it: each member's output as level-2 features (stackFeatures:
 * the log-odds of each class probability held within [ε, 1 − ε], class 1 alone for binary; the
 * values for regression), read by every fold's linear stacker, whose outputs are averaged.
 */
function stackGraph(manifest: BundleManifest, stackers: readonly Predictor[], memberOutputs: readonly string[], g: GraphParts): string {
  const k = manifest.classes.length;
  const constant = (name: string, dataType: OnnxTensor['dataType'], values: number[], dims: number[] = []): string => {
    g.initializers.push({ name, dataType, dims, values });
    return name;
  };
  const op = (opType: string, inputs: string[], output: string, attributes?: OnnxNode['attributes']): string => {
    g.nodes.push({ opType, name: output, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  };
  const low = constant('stack/eps', ONNX_DOUBLE, [STACK_EPS]);
  const high = constant('stack/one_minus_eps', ONNX_DOUBLE, [1 - STACK_EPS]);
  const one = constant('stack/one', ONNX_DOUBLE, [1]);
  const axis = constant('stack/axis', ONNX_INT64, [1], [1]);
  const columns: string[] = [];
  memberOutputs.forEach((output, m) => {
    const values = op('Cast', [output], `stack/m${m}/double`, { to: { type: 'int', value: ONNX_DOUBLE } });
    if (manifest.task === 'regression') {
      columns.push(values);
      return;
    }
    for (let c = manifest.task === 'binary' ? 1 : 0; c < k; c++) {
      const p = op('Slice', [values, constant(`stack/m${m}c${c}/start`, ONNX_INT64, [c], [1]), constant(`stack/m${m}c${c}/end`, ONNX_INT64, [c + 1], [1]), axis], `stack/m${m}c${c}/p`);
      const q = op('Clip', [p, low, high], `stack/m${m}c${c}/q`);
      columns.push(op('Log', [op('Div', [q, op('Sub', [one, q], `stack/m${m}c${c}/rest`)], `stack/m${m}c${c}/odds`)], `stack/m${m}c${c}/logit`));
    }
  });
  const features = op('Concat', columns, 'stack/features', { axis: { type: 'int', value: 1 } });
  const outputs = stackers.map((model, f) => {
    let part: OnnxModel;
    try {
      part = modelOnnx(model, 'double');
    } catch (error) {
      throw new OnnxExpressionError(`the ensemble's stacker cannot be expressed in ONNX (${error instanceof Error ? error.message.split(' — ')[0] : String(error)})`, 'serve the bundle itself', { cause: error });
    }
    g.merge(part, `stack/f${f}/`, features);
    return { output: `stack/f${f}/${manifest.task === 'regression' ? 'variable' : 'probabilities'}`, weight: 1 / stackers.length };
  });
  return g.weightedSum(outputs, 'blended');
}
