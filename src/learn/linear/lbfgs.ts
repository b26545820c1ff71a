/**
 * Limited-memory BFGS for smooth unconstrained minimisation: the two-loop recursion for the search
 * direction and a backtracking line search (Armijo condition, safeguarded quadratic/cubic
 * interpolation). Used by the logistic and ridge fits; kept generic so other learners can reuse it.
 */

/** Writes the gradient at `x` into `grad` and returns the objective value. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  /** maximum number of iterations (default 500) */
  readonly maxIter?: number;
  /** stop when the largest gradient component is at most tol · max(1, |f|) (default 1e-6) */
  readonly tol?: number;
  /** number of correction pairs kept (default 10) */
  readonly memory?: number;
  /** stop when the relative decrease of f in one iteration is below this (default tol · 1e-4) */
  readonly ftol?: number;
  /** epoch ms: stop (not converged) once it has passed */
  readonly deadline?: number;
}

export interface LbfgsResult {
  readonly x: Float64Array;
  readonly value: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const ARMIJO = 1e-4;
const MAX_LINE_STEPS = 40;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]!);
    if (v > m) m = v;
  }
  return m;
}

/** Minimises `objective` from `x0` (not modified). */
export function minimizeLbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const maxIter = options.maxIter ?? 500;
  const tol = options.tol ?? 1e-6;
  const memory = Math.max(1, options.memory ?? 10);
  const ftol = options.ftol ?? tol * 1e-4;
  const dim = x0.length;

  let x = Float64Array.from(x0);
  let grad = new Float64Array(dim);
  let f = objective(x, grad);
  if (!Number.isFinite(f)) throw new Error('L-BFGS: the objective is not finite at the starting point');

  const sList: Float64Array[] = [];
  const yList: Float64Array[] = [];
  const rhoList: number[] = [];
  const alpha = new Float64Array(memory);
  const direction = new Float64Array(dim);
  let xNext = new Float64Array(dim);
  let gradNext = new Float64Array(dim);

  if (maxAbs(grad) <= tol * Math.max(1, Math.abs(f))) return { x, value: f, iterations: 0, converged: true };

  for (let iter = 1; iter <= maxIter; iter++) {
    if (options.deadline !== undefined && Date.now() >= options.deadline) return { x, value: f, iterations: iter - 1, converged: false };
    // two-loop recursion: direction = -H·grad
    for (let i = 0; i < dim; i++) direction[i] = -grad[i]!;
    const m = sList.length;
    for (let k = m - 1; k >= 0; k--) {
      const a = rhoList[k]! * dot(sList[k]!, direction);
      alpha[k] = a;
      const yk = yList[k]!;
      for (let i = 0; i < dim; i++) direction[i] = direction[i]! - a * yk[i]!;
    }
    if (m > 0) {
      const yLast = yList[m - 1]!;
      const gamma = dot(sList[m - 1]!, yLast) / dot(yLast, yLast);
      for (let i = 0; i < dim; i++) direction[i] = direction[i]! * gamma;
    }
    for (let k = 0; k < m; k++) {
      const b = rhoList[k]! * dot(yList[k]!, direction);
      const sk = sList[k]!;
      const coef = alpha[k]! - b;
      for (let i = 0; i < dim; i++) direction[i] = direction[i]! + coef * sk[i]!;
    }

    let slope = dot(grad, direction);
    if (!(slope < 0)) {
      // not a descent direction (numerical trouble): restart from steepest descent
      sList.length = 0;
      yList.length = 0;
      rhoList.length = 0;
      for (let i = 0; i < dim; i++) direction[i] = -grad[i]!;
      slope = dot(grad, direction);
    }

    // first step of a fresh memory is scaled so that it moves by about one unit
    let step = sList.length === 0 ? Math.min(1, 1 / Math.max(1e-12, maxAbs(direction))) : 1;
    let fNext = Number.NaN;
    let accepted = false;
    for (let ls = 0; ls < MAX_LINE_STEPS; ls++) {
      for (let i = 0; i < dim; i++) xNext[i] = x[i]! + step * direction[i]!;
      fNext = objective(xNext, gradNext);
      if (Number.isFinite(fNext) && fNext <= f + ARMIJO * step * slope) {
        accepted = true;
        break;
      }
      // minimiser of the quadratic through f, slope and fNext, kept within [0.1, 0.5] of the step
      let next = Number.isFinite(fNext) ? (-slope * step * step) / (2 * (fNext - f - slope * step)) : step * 0.1;
      if (!Number.isFinite(next)) next = step * 0.5;
      step = Math.min(Math.max(next, step * 0.1), step * 0.5);
    }
    if (!accepted) return { x, value: f, iterations: iter, converged: false };

    const s = new Float64Array(dim);
    const y = new Float64Array(dim);
    for (let i = 0; i < dim; i++) {
      s[i] = xNext[i]! - x[i]!;
      y[i] = gradNext[i]! - grad[i]!;
    }
    const sy = dot(s, y);
    // keep the pair only when curvature is positive, so the implicit Hessian stays positive definite
    if (sy > 1e-12 * Math.sqrt(dot(s, s) * dot(y, y))) {
      if (sList.length === memory) {
        sList.shift();
        yList.shift();
        rhoList.shift();
      }
      sList.push(s);
      yList.push(y);
      rhoList.push(1 / sy);
    }

    const fPrev = f;
    [x, xNext] = [xNext, x];
    [grad, gradNext] = [gradNext, grad];
    f = fNext;
    if (maxAbs(grad) <= tol * Math.max(1, Math.abs(f))) return { x, value: f, iterations: iter, converged: true };
    if (fPrev - f <= ftol * Math.max(Math.abs(fPrev), Math.abs(f), 1)) return { x, value: f, iterations: iter, converged: true };
  }
  return { x, value: f, iterations: maxIter, converged: false };
}
