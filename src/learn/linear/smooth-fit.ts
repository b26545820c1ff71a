/**
 * L2-penalised fits by L-BFGS: squared error (ridge), binary logistic and multinomial softmax.
 * Parameters are laid out as [coef of output 0 (width), …, coef of output K-1, intercept 0, …, K-1];
 * intercepts are not penalised. The objective is (Σ wᵢ·lossᵢ + λ/2·‖β‖²) / Σ wᵢ — dividing by the
 * weight total only conditions the optimiser, it does not move the minimum.
 */
import type { EncodedDesign } from './design.js';
import { accumulateGradient, linearPredictor } from './design.js';
import { minimizeLbfgs } from './lbfgs.js';

export type SmoothLoss = 'squared' | 'logistic' | 'softmax';

export interface SmoothFitInput {
  readonly design: EncodedDesign;
  readonly loss: SmoothLoss;
  /** number of linear outputs: 1 for squared and logistic, the class count for softmax */
  readonly outputs: number;
  /** target: a value (squared), 0/1 (logistic) or the class index (softmax) */
  readonly y: Float64Array;
  readonly weights: Float64Array;
  readonly lambda: number;
  readonly start: Float64Array;
  readonly maxIter: number;
  readonly tol: number;
}

export interface SmoothFitResult {
  readonly params: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
}

/** log(1 + e^z) without overflow */
export function softplus(z: number): number {
  return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
}

export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

export function fitSmooth(input: SmoothFitInput): SmoothFitResult {
  const { design, loss, outputs, y, weights, lambda } = input;
  const n = design.rows;
  const width = design.width;
  let weightTotal = 0;
  for (let i = 0; i < n; i++) weightTotal += weights[i]!;
  const norm = 1 / weightTotal;
  const margins = Array.from({ length: outputs }, () => new Float64Array(n));
  const residuals = Array.from({ length: outputs }, () => new Float64Array(n));

  const objective = (params: Float64Array, grad: Float64Array): number => {
    grad.fill(0);
    for (let k = 0; k < outputs; k++) linearPredictor(design, params, k * width, params[outputs * width + k]!, margins[k]!);
    let total = 0;
    if (loss === 'squared') {
      const z = margins[0]!;
      const r = residuals[0]!;
      for (let i = 0; i < n; i++) {
        const d = z[i]! - y[i]!;
        total += 0.5 * weights[i]! * d * d;
        r[i] = weights[i]! * d;
      }
    } else if (loss === 'logistic') {
      const z = margins[0]!;
      const r = residuals[0]!;
      for (let i = 0; i < n; i++) {
        const zi = z[i]!;
        total += weights[i]! * (softplus(zi) - y[i]! * zi);
        r[i] = weights[i]! * (sigmoid(zi) - y[i]!);
      }
    } else {
      for (let i = 0; i < n; i++) {
        let max = -Infinity;
        for (let k = 0; k < outputs; k++) max = Math.max(max, margins[k]![i]!);
        let sum = 0;
        for (let k = 0; k < outputs; k++) {
          const e = Math.exp(margins[k]![i]! - max);
          residuals[k]![i] = e;
          sum += e;
        }
        const label = y[i]!;
        const w = weights[i]!;
        total += w * (max + Math.log(sum) - margins[label]![i]!);
        const scale = w / sum;
        for (let k = 0; k < outputs; k++) residuals[k]![i] = residuals[k]![i]! * scale;
        residuals[label]![i] = residuals[label]![i]! - w;
      }
    }
    let penalty = 0;
    for (let k = 0; k < outputs; k++) {
      const r = residuals[k]!;
      accumulateGradient(design, r, grad, k * width);
      let s = 0;
      for (let i = 0; i < n; i++) s += r[i]!;
      grad[outputs * width + k] = s;
    }
    for (let j = 0; j < outputs * width; j++) {
      const b = params[j]!;
      penalty += b * b;
      grad[j] = grad[j]! + lambda * b;
    }
    for (let j = 0; j < grad.length; j++) grad[j] = grad[j]! * norm;
    return (total + 0.5 * lambda * penalty) * norm;
  };

  const result = minimizeLbfgs(objective, input.start, { maxIter: input.maxIter, tol: input.tol });
  return { params: result.x, iterations: result.iterations, converged: result.converged };
}
