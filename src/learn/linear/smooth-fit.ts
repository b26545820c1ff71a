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
  /** epoch ms: stop (not converged) once it has passed */
  readonly deadline?: number;
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

  const transform = preconditioner(design, weights, weightTotal, loss === 'squared' ? 1 : 0.25, lambda);
  const params = new Float64Array(input.start.length);
  const grad = new Float64Array(input.start.length);
  const inner = (z: Float64Array, gradZ: Float64Array): number => {
    transform.toParams(z, params, outputs);
    const value = objective(params, grad);
    transform.toGradient(grad, gradZ, outputs);
    return value;
  };
  const result = minimizeLbfgs(inner, transform.fromParams(input.start, outputs), { maxIter: input.maxIter, tol: input.tol, ...(input.deadline !== undefined ? { deadline: input.deadline } : {}) });
  const fitted = new Float64Array(input.start.length);
  transform.toParams(result.x, fitted, outputs);
  return { params: fitted, iterations: result.iterations, converged: result.converged };
}

/**
 * A linear change of variables that leaves the minimum where it is but makes the problem far better
 * conditioned for L-BFGS: every slot is centred (its weighted mean moves into the intercept — one-hot
 * columns otherwise share a direction with the intercept) and scaled by the inverse square root of
 * its curvature (one-hot columns of rare levels are otherwise tiny next to standardised ones).
 * With z the optimiser's variables: β_j = s_j·z_j and b = s_b·z_b − Σ_j m_j·β_j.
 */
function preconditioner(design: EncodedDesign, weights: Float64Array, weightTotal: number, curvatureFactor: number, lambda: number) {
  const width = design.width;
  const n = design.rows;
  const means = new Float64Array(width);
  const variances = new Float64Array(width);
  for (const { slot, values } of design.dense) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      const v = values[i]!;
      sum += weights[i]! * v;
      squares += weights[i]! * v * v;
    }
    means[slot] = sum / weightTotal;
    variances[slot] = Math.max(0, squares / weightTotal - means[slot]! ** 2);
  }
  for (const { offset, levels, codes } of design.categorical) {
    const counts = new Float64Array(levels);
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c >= 0) counts[c] = counts[c]! + weights[i]!;
    }
    for (let l = 0; l < levels; l++) {
      const share = counts[l]! / weightTotal;
      means[offset + l] = share;
      variances[offset + l] = share * (1 - share);
    }
  }
  const scales = Float64Array.from(variances, (v) => {
    const curvature = curvatureFactor * v + lambda / weightTotal;
    return curvature > 0 ? 1 / Math.sqrt(curvature) : 1;
  });
  const interceptScale = 1 / Math.sqrt(curvatureFactor);
  return {
    toParams(z: Float64Array, out: Float64Array, outputs: number): void {
      for (let k = 0; k < outputs; k++) {
        let shift = 0;
        for (let j = 0; j < width; j++) {
          const b = scales[j]! * z[k * width + j]!;
          out[k * width + j] = b;
          shift += means[j]! * b;
        }
        out[outputs * width + k] = interceptScale * z[outputs * width + k]! - shift;
      }
    },
    toGradient(grad: Float64Array, out: Float64Array, outputs: number): void {
      for (let k = 0; k < outputs; k++) {
        const gb = grad[outputs * width + k]!;
        for (let j = 0; j < width; j++) out[k * width + j] = scales[j]! * (grad[k * width + j]! - means[j]! * gb);
        out[outputs * width + k] = interceptScale * gb;
      }
    },
    fromParams(params: Float64Array, outputs: number): Float64Array {
      const z = new Float64Array(params.length);
      for (let k = 0; k < outputs; k++) {
        let shift = 0;
        for (let j = 0; j < width; j++) {
          const b = params[k * width + j]!;
          z[k * width + j] = b / scales[j]!;
          shift += means[j]! * b;
        }
        z[outputs * width + k] = (params[outputs * width + k]! + shift) / interceptScale;
      }
      return z;
    },
  };
}
