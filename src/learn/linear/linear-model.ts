/**
 * Linear models: logistic regression (binary, multinomial softmax) and ridge / elastic-net
 * regression over the standardised, one-hot design of `design.ts`.
 *
 * Penalty scale, for every task: minimise Σ wᵢ·lossᵢ + λ·(ρ‖β‖₁ + (1−ρ)/2·‖β‖²) with ρ = l1Ratio,
 * lossᵢ = ½(yᵢ − ŷᵢ)² for regression and the negative log-likelihood for classification; the
 * intercepts are not penalised and the weights are rescaled to mean 1. So λ is scikit-learn's Ridge
 * `alpha` and 1/C of its LogisticRegression, and λ/n its ElasticNet `alpha` (all on the standardised
 * columns). Pure L2 (ρ = 0) is fitted by L-BFGS, any L1 part by coordinate descent (inside
 * iteratively reweighted least squares for the logistic models).
 */
import { DataError, InputError, UsageError } from '../../common/index.js';
import type { FeatureTable, Predictor, Task } from '../types.js';
import { indexLevels, solveElasticNet } from './coordinate-descent.js';
import type { EncodedDesign, LinearDesignSpec } from './design.js';
import { encodeDesign, fitDesign, linearPredictor, predictDesign } from './design.js';
import { fitSmooth, sigmoid, softplus } from './smooth-fit.js';

export interface LinearParams {
  readonly task: Task;
  /** class count for multiclass (default: largest label + 1); binary is always 2 */
  readonly numClasses?: number;
  /** penalty strength λ ≥ 0 (see the scale above) */
  readonly lambda: number;
  /** share of L1 in the penalty, 0 (ridge, default) … 1 (lasso) */
  readonly l1Ratio?: number;
  /** iterations of L-BFGS, or sweeps of coordinate descent (default 500) */
  readonly maxIter?: number;
  /** convergence tolerance (default 1e-6) */
  readonly tol?: number;
}

export interface LinearTrainOptions {
  /** per-row weights ≥ 0 */
  readonly weights?: Float64Array;
  /** epoch ms: the solver stops there with what it has (`fit.converged` false) */
  readonly deadline?: number;
}

export type LinearModelJSON = {
  readonly kind: 'linear';
  readonly task: Task;
  readonly numClasses: number;
  readonly featureNames: readonly string[];
  readonly design: LinearDesignSpec;
  /** linear outputs: 1 for regression and binary, numClasses for multiclass */
  readonly outputs: number;
  /** outputs × design.width coefficients on the standardised design, row-major */
  readonly coef: readonly number[];
  readonly intercept: readonly number[];
  readonly params: { readonly lambda: number; readonly l1Ratio: number };
  readonly fit: { readonly iterations: number; readonly converged: boolean };
};

/** A named coefficient of one output. */
export interface LinearCoefficient {
  /** column name; `name=label` for a one-hot level, `name (missing)` for a missing indicator */
  readonly term: string;
  readonly values: readonly number[];
}

export class LinearModel implements Predictor {
  readonly kind = 'linear' as const;

  private constructor(
    readonly task: Task,
    readonly numClasses: number,
    readonly featureNames: readonly string[],
    private readonly design: LinearDesignSpec,
    private readonly outputs: number,
    private readonly coef: Float64Array,
    private readonly intercept: Float64Array,
    private readonly params: { readonly lambda: number; readonly l1Ratio: number },
    /** L-BFGS iterations or coordinate-descent sweeps used, and whether the tolerance was met */
    readonly fit: { readonly iterations: number; readonly converged: boolean },
  ) {}

  /** @internal used by trainLinear */
  static create(
    task: Task,
    numClasses: number,
    design: LinearDesignSpec,
    outputs: number,
    coef: Float64Array,
    intercept: Float64Array,
    params: { lambda: number; l1Ratio: number },
    fit: { iterations: number; converged: boolean },
  ): LinearModel {
    // JSON cannot carry NaN or ±Infinity, and a model holding one would not predict anything useful
    const finite = (values: ArrayLike<number>): boolean => Array.prototype.every.call(values, Number.isFinite) as boolean;
    const columnsFinite = design.columns.every((c) => c.kind === 'categorical' || (Number.isFinite(c.mean) && Number.isFinite(c.scale)));
    if (!finite(coef) || !finite(intercept) || !columnsFinite) {
      throw new DataError('the linear model fit produced a non-finite coefficient', 'check the features for extreme values (e.g. above 1e150) or raise lambda');
    }
    return new LinearModel(task, numClasses, design.columns.map((c) => c.name), design, outputs, coef, intercept, params, fit);
  }

  static fromJSON(json: LinearModelJSON): LinearModel {
    if (json.kind !== 'linear') throw new InputError(`a model of kind '${String(json.kind)}' is not a linear model`, 'load it with the loader of its kind');
    if (json.coef.length !== json.outputs * json.design.width || json.intercept.length !== json.outputs) {
      throw new InputError('the linear model JSON has coefficient arrays of the wrong length', 'the model file is damaged; train and save the model again');
    }
    return new LinearModel(
      json.task,
      json.numClasses,
      [...json.featureNames],
      json.design,
      json.outputs,
      Float64Array.from(json.coef),
      Float64Array.from(json.intercept),
      { ...json.params },
      { ...json.fit },
    );
  }

  toJSON(): LinearModelJSON {
    return {
      kind: 'linear',
      task: this.task,
      numClasses: this.numClasses,
      featureNames: [...this.featureNames],
      design: this.design,
      outputs: this.outputs,
      coef: Array.from(this.coef),
      intercept: Array.from(this.intercept),
      params: this.params,
      fit: this.fit,
    };
  }

  /** The fitted design: standardisation and one-hot layout (for export and inspection). */
  get designSpec(): LinearDesignSpec {
    return this.design;
  }

  /** Coefficients (outputs × width, on the standardised design) and intercepts. */
  get weights(): { readonly outputs: number; readonly coef: Float64Array; readonly intercept: Float64Array } {
    return { outputs: this.outputs, coef: this.coef.slice(), intercept: this.intercept.slice() };
  }

  /** Coefficients by term, one value per output, on the standardised design. */
  coefficients(): LinearCoefficient[] {
    const terms: LinearCoefficient[] = [];
    const valuesAt = (slot: number): number[] => Array.from({ length: this.outputs }, (_, k) => this.coef[k * this.design.width + slot]!);
    for (const column of this.design.columns) {
      if (column.kind === 'numeric') {
        terms.push({ term: column.name, values: valuesAt(column.slot) });
        if (column.missingSlot >= 0) terms.push({ term: `${column.name} (missing)`, values: valuesAt(column.missingSlot) });
      } else {
        for (let level = 0; level < column.levels; level++) {
          terms.push({ term: `${column.name}=${column.labels?.[level] ?? level}`, values: valuesAt(column.offset + level) });
        }
      }
    }
    return terms;
  }

  /** Raw linear outputs (margins), row-major n × outputs. */
  decisionFunction(table: FeatureTable): Float64Array {
    return predictDesign(this.design, table, this.coef, this.intercept);
  }

  predict(table: FeatureTable): Float64Array {
    const n = table.rows;
    const margins = this.decisionFunction(table);
    if (this.task === 'regression') return margins;
    if (this.task === 'binary') {
      const out = new Float64Array(n * 2);
      for (let i = 0; i < n; i++) {
        const p = sigmoid(margins[i]!);
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
      return out;
    }
    const k = this.outputs;
    const out = new Float64Array(n * k);
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (let c = 0; c < k; c++) max = Math.max(max, margins[i * k + c]!);
      let sum = 0;
      for (let c = 0; c < k; c++) {
        const e = Math.exp(margins[i * k + c]! - max);
        out[i * k + c] = e;
        sum += e;
      }
      for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! / sum;
    }
    return out;
  }
}

function checkInputs(train: FeatureTable, y: Float64Array, params: LinearParams, weights: Float64Array | undefined): void {
  if (train.rows === 0) throw new DataError('the training table has no rows', 'train on a table with at least one row');
  if (y.length !== train.rows) throw new InputError(`the target has ${y.length} values for ${train.rows} rows`, 'give one target value per row');
  for (const column of train.columns) {
    if (column.values.length < train.rows) throw new InputError(`column '${column.name}' has ${column.values.length} values for ${train.rows} rows`, 'give every column one value per row');
  }
  if (!(params.lambda >= 0) || !Number.isFinite(params.lambda)) throw new UsageError(`lambda must be a finite number ≥ 0, got ${params.lambda}`, 'choose e.g. lambda: 1');
  const l1Ratio = params.l1Ratio ?? 0;
  if (!(l1Ratio >= 0 && l1Ratio <= 1)) throw new UsageError(`l1Ratio must lie in [0, 1], got ${l1Ratio}`, 'use 0 for ridge, 1 for lasso');
  if (weights) {
    if (weights.length !== train.rows) throw new InputError(`the weights have ${weights.length} values for ${train.rows} rows`, 'give one weight per row');
    let total = 0;
    for (const w of weights) {
      if (!(w >= 0) || !Number.isFinite(w)) throw new InputError(`a row weight is ${w}`, 'use finite weights ≥ 0');
      total += w;
    }
    if (!(total > 0)) throw new DataError('all row weights are zero', 'give some rows a positive weight');
  }
}

function classCount(task: Task, y: Float64Array, numClasses: number | undefined): number {
  let max = 0;
  for (const v of y) {
    if (!Number.isInteger(v) || v < 0) throw new InputError(`the ${task} target holds ${v}, not a class index`, 'encode classes as 0 … numClasses−1');
    if (v > max) max = v;
  }
  const k = task === 'binary' ? 2 : (numClasses ?? max + 1);
  if (max >= k) throw new InputError(`the target holds class ${max} but there are ${k} classes`, 'encode classes as 0 … numClasses−1');
  const seen = new Set<number>();
  for (const v of y) {
    seen.add(v);
    if (seen.size > 1) return k;
  }
  throw new DataError(`the target has one class only (${y[0]})`, 'a classifier needs rows of at least two classes');
}

/** Fits a linear model; see the module comment for the objective. */
export function trainLinear(train: FeatureTable, y: Float64Array, params: LinearParams, options: LinearTrainOptions = {}): LinearModel {
  checkInputs(train, y, params, options.weights);
  const n = train.rows;
  const task = params.task;
  const lambda = params.lambda;
  const l1Ratio = params.l1Ratio ?? 0;
  const maxIter = params.maxIter ?? 500;
  const tol = params.tol ?? 1e-6;

  // rescale weights to mean 1 so λ keeps its meaning whatever their unit
  const weights = new Float64Array(n);
  if (options.weights) {
    let total = 0;
    for (const w of options.weights) total += w;
    for (let i = 0; i < n; i++) weights[i] = (options.weights[i]! * n) / total;
  } else weights.fill(1);

  const spec = fitDesign(train);
  for (const column of spec.columns) {
    if (column.kind === 'numeric' && !(Number.isFinite(column.mean) && Number.isFinite(column.scale))) {
      throw new DataError(`column '${column.name}' holds values too large to standardise`, 'rescale it (e.g. take its logarithm) before training a linear model');
    }
  }
  const design = encodeDesign(spec, train);
  const width = spec.width;
  const penalty = { lambda, l1Ratio };

  if (task === 'regression') {
    let mean = 0;
    for (let i = 0; i < n; i++) {
      const v = y[i]!;
      if (!Number.isFinite(v)) throw new InputError(`the regression target holds ${v} at row ${i}`, 'drop or fill rows with a missing target');
      mean += weights[i]! * v;
    }
    mean /= n;
    let variance = 0;
    for (let i = 0; i < n; i++) variance += weights[i]! * (y[i]! - mean) ** 2;
    const scale = Math.sqrt(variance / n) || 1;
    // fitted on the standardised target; the L1 part scales by 1/scale (module comment of design)
    const yStd = Float64Array.from(y, (v) => (v - mean) / scale);
    const coef = new Float64Array(width);
    let intercept0: number;
    let fit: { iterations: number; converged: boolean };
    if (l1Ratio > 0) {
      const result = solveElasticNet(
        { design, levels: indexLevels(design), target: yStd, weights, lambda1: (lambda * l1Ratio) / scale, lambda2: lambda * (1 - l1Ratio), maxSweeps: maxIter, tol },
        coef,
        0,
        0,
      );
      intercept0 = result.intercept;
      fit = { iterations: result.sweeps, converged: result.converged };
    } else {
      const deadline = options.deadline !== undefined ? { deadline: options.deadline } : {};
      const result = fitSmooth({ design, loss: 'squared', outputs: 1, y: yStd, weights, lambda, start: new Float64Array(width + 1), maxIter, tol, ...deadline });
      coef.set(result.params.subarray(0, width));
      intercept0 = result.params[width]!;
      fit = { iterations: result.iterations, converged: result.converged };
    }
    for (let j = 0; j < width; j++) coef[j] = coef[j]! * scale;
    return LinearModel.create(task, 1, spec, 1, coef, Float64Array.of(mean + scale * intercept0), penalty, fit);
  }

  const numClasses = classCount(task, y, params.numClasses);
  const outputs = task === 'binary' ? 1 : numClasses;
  // start at the (smoothed) class frequencies
  const counts = new Float64Array(numClasses).fill(0.5);
  for (let i = 0; i < n; i++) counts[y[i]!] = counts[y[i]!]! + weights[i]!;
  const start = new Float64Array(outputs * (width + 1));
  if (task === 'binary') start[width] = Math.log(counts[1]! / counts[0]!);
  else for (let k = 0; k < numClasses; k++) start[outputs * width + k] = Math.log(counts[k]! / (n + 0.5 * numClasses));

  if (l1Ratio === 0) {
    const deadline = options.deadline !== undefined ? { deadline: options.deadline } : {};
    const result = fitSmooth({ design, loss: task === 'binary' ? 'logistic' : 'softmax', outputs, y, weights, lambda, start, maxIter, tol, ...deadline });
    const coef = result.params.slice(0, outputs * width);
    const intercept = result.params.slice(outputs * width);
    return LinearModel.create(task, numClasses, spec, outputs, coef, intercept, penalty, { iterations: result.iterations, converged: result.converged });
  }
  const fitted = fitLogisticElasticNet(design, y, weights, outputs, lambda, l1Ratio, start, maxIter, tol);
  return LinearModel.create(task, numClasses, spec, outputs, fitted.coef, fitted.intercept, penalty, fitted.fit);
}

/** Penalised negative log-likelihood of the logistic models, on the sum scale. */
function logisticObjective(margins: Float64Array[], y: Float64Array, weights: Float64Array, coef: Float64Array, lambda1: number, lambda2: number): number {
  const n = y.length;
  let total = 0;
  if (margins.length === 1) {
    const z = margins[0]!;
    for (let i = 0; i < n; i++) total += weights[i]! * (softplus(z[i]!) - y[i]! * z[i]!);
  } else {
    for (let i = 0; i < n; i++) {
      let max = -Infinity;
      for (const z of margins) max = Math.max(max, z[i]!);
      let sum = 0;
      for (const z of margins) sum += Math.exp(z[i]! - max);
      total += weights[i]! * (max + Math.log(sum) - margins[y[i]!]![i]!);
    }
  }
  let l1 = 0;
  let l2 = 0;
  for (const b of coef) {
    l1 += Math.abs(b);
    l2 += b * b;
  }
  return total + lambda1 * l1 + 0.5 * lambda2 * l2;
}

/**
 * Logistic elastic net by iteratively reweighted least squares: each outer step solves the
 * quadratic approximation of one output's loss (the others fixed, as glmnet does for the
 * multinomial) by coordinate descent, and halves the step while the objective would rise.
 */
function fitLogisticElasticNet(
  design: EncodedDesign,
  y: Float64Array,
  weights: Float64Array,
  outputs: number,
  lambda: number,
  l1Ratio: number,
  start: Float64Array,
  maxIter: number,
  tol: number,
): { coef: Float64Array; intercept: Float64Array; fit: { iterations: number; converged: boolean } } {
  const n = design.rows;
  const width = design.width;
  const lambda1 = lambda * l1Ratio;
  const lambda2 = lambda * (1 - l1Ratio);
  const levels = indexLevels(design);
  const coef = start.slice(0, outputs * width);
  const intercept = start.slice(outputs * width);
  const margins = Array.from({ length: outputs }, () => new Float64Array(n));
  const refresh = (): void => {
    for (let k = 0; k < outputs; k++) linearPredictor(design, coef, k * width, intercept[k]!, margins[k]!);
  };
  refresh();
  let objective = logisticObjective(margins, y, weights, coef, lambda1, lambda2);
  const target = new Float64Array(n);
  const working = new Float64Array(n);
  const maxOuter = Math.min(maxIter, 100);
  for (let outer = 1; outer <= maxOuter; outer++) {
    const before = objective;
    for (let k = 0; k < outputs; k++) {
      const z = margins[k]!;
      for (let i = 0; i < n; i++) {
        let p: number;
        if (outputs === 1) p = sigmoid(z[i]!);
        else {
          let max = -Infinity;
          for (const m of margins) max = Math.max(max, m[i]!);
          let sum = 0;
          for (const m of margins) sum += Math.exp(m[i]! - max);
          p = Math.exp(z[i]! - max) / sum;
        }
        const observed = outputs === 1 ? y[i]! : y[i] === k ? 1 : 0;
        const curvature = Math.max(p * (1 - p), 1e-5);
        working[i] = weights[i]! * curvature;
        target[i] = z[i]! + (observed - p) / curvature;
      }
      const oldCoef = coef.slice(k * width, (k + 1) * width);
      const oldIntercept = intercept[k]!;
      const solved = solveElasticNet({ design, levels, target, weights: working, lambda1, lambda2, maxSweeps: maxIter, tol }, coef, k * width, oldIntercept);
      intercept[k] = solved.intercept;
      refresh();
      let next = logisticObjective(margins, y, weights, coef, lambda1, lambda2);
      for (let halving = 0; halving < 20 && next > objective + 1e-12 * Math.abs(objective); halving++) {
        for (let j = 0; j < width; j++) coef[k * width + j] = 0.5 * (coef[k * width + j]! + oldCoef[j]!);
        intercept[k] = 0.5 * (intercept[k]! + oldIntercept);
        refresh();
        next = logisticObjective(margins, y, weights, coef, lambda1, lambda2);
      }
      objective = next;
    }
    if (before - objective <= tol * Math.max(1, Math.abs(objective)) * 1e-3) return { coef, intercept, fit: { iterations: outer, converged: true } };
  }
  return { coef, intercept, fit: { iterations: maxOuter, converged: false } };
}
