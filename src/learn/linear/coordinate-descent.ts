/**
 * Cyclic coordinate descent for weighted elastic-net least squares,
 *   min over b, β of  ½·Σ wᵢ (tᵢ − b − xᵢ·β)² + λ₁‖β‖₁ + λ₂/2·‖β‖²,
 * with soft-thresholding updates on a running residual (as glmnet does). Logistic models with an L1
 * part call it inside iteratively reweighted least squares.
 */
import type { EncodedDesign } from './design.js';

/** Rows of each level of each categorical block, grouped once per design. */
export interface LevelIndex {
  /** per block: start of each level in `rows` (levels + 1 entries) */
  readonly starts: readonly Int32Array[];
  readonly rows: readonly Int32Array[];
}

export function indexLevels(design: EncodedDesign): LevelIndex {
  const starts: Int32Array[] = [];
  const rows: Int32Array[] = [];
  for (const { levels, codes } of design.categorical) {
    const start = new Int32Array(levels + 1);
    for (const c of codes) if (c >= 0) start[c + 1] = start[c + 1]! + 1;
    for (let l = 0; l < levels; l++) start[l + 1] = start[l + 1]! + start[l]!;
    const fill = start.slice(0, levels);
    const order = new Int32Array(start[levels]!);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c >= 0) order[fill[c]!++] = i;
    }
    starts.push(start);
    rows.push(order);
  }
  return { starts, rows };
}

export interface ElasticNetProblem {
  readonly design: EncodedDesign;
  readonly levels: LevelIndex;
  readonly target: Float64Array;
  readonly weights: Float64Array;
  readonly lambda1: number;
  readonly lambda2: number;
  readonly maxSweeps: number;
  /** stop when no coefficient moves the fit by more than tol (in units of the target's spread) */
  readonly tol: number;
}

function softThreshold(z: number, t: number): number {
  if (z > t) return z - t;
  if (z < -t) return z + t;
  return 0;
}

/**
 * Solves in place: `beta` (design.width, read from betaOffset) and the returned intercept start
 * from the values given. Returns the fitted intercept and the number of sweeps.
 */
export function solveElasticNet(problem: ElasticNetProblem, beta: Float64Array, betaOffset: number, intercept: number): { intercept: number; sweeps: number; converged: boolean } {
  const { design, levels, target, weights, lambda1, lambda2, maxSweeps, tol } = problem;
  const n = design.rows;
  let weightTotal = 0;
  for (let i = 0; i < n; i++) weightTotal += weights[i]!;
  if (!(weightTotal > 0)) return { intercept, sweeps: 0, converged: true };

  // residual r = t − b − Xβ
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = target[i]! - intercept;
  for (const { slot, values } of design.dense) {
    const b = beta[betaOffset + slot]!;
    if (b !== 0) for (let i = 0; i < n; i++) residual[i] = residual[i]! - values[i]! * b;
  }
  for (const { offset, codes } of design.categorical) {
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c >= 0) residual[i] = residual[i]! - beta[betaOffset + offset + c]!;
    }
  }
  let spread = 0;
  let targetMean = 0;
  for (let i = 0; i < n; i++) targetMean += weights[i]! * target[i]!;
  targetMean /= weightTotal;
  for (let i = 0; i < n; i++) spread += weights[i]! * (target[i]! - targetMean) ** 2;
  spread = Math.sqrt(spread / weightTotal) || 1;

  // Σ wᵢ xᵢⱼ² per dense slot
  const curvature = design.dense.map(({ values }) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += weights[i]! * values[i]! * values[i]!;
    return s;
  });

  const weightedSum = (): number => {
    let s = 0;
    for (let i = 0; i < n; i++) s += weights[i]! * residual[i]!;
    return s / weightTotal;
  };
  for (let sweep = 1; sweep <= maxSweeps; sweep++) {
    // the intercept is the weighted mean of the residual
    let shift = weightedSum();
    intercept += shift;
    for (let i = 0; i < n; i++) residual[i] = residual[i]! - shift;
    let maxChange = Math.abs(shift);
    for (let d = 0; d < design.dense.length; d++) {
      const a = curvature[d]!;
      if (a === 0) continue;
      const { slot, values } = design.dense[d]!;
      const old = beta[betaOffset + slot]!;
      let rho = 0;
      for (let i = 0; i < n; i++) rho += weights[i]! * values[i]! * residual[i]!;
      rho += a * old;
      const next = softThreshold(rho, lambda1) / (a + lambda2);
      const delta = next - old;
      if (delta === 0) continue;
      beta[betaOffset + slot] = next;
      for (let i = 0; i < n; i++) residual[i] = residual[i]! - values[i]! * delta;
      const change = Math.abs(delta) * Math.sqrt(a / weightTotal);
      if (change > maxChange) maxChange = change;
    }
    for (let blockIndex = 0; blockIndex < design.categorical.length; blockIndex++) {
      const { offset, levels: levelCount } = design.categorical[blockIndex]!;
      const start = levels.starts[blockIndex]!;
      const rows = levels.rows[blockIndex]!;
      for (let level = 0; level < levelCount; level++) {
        let a = 0;
        let rho = 0;
        for (let p = start[level]!; p < start[level + 1]!; p++) {
          const i = rows[p]!;
          a += weights[i]!;
          rho += weights[i]! * residual[i]!;
        }
        if (a === 0) continue;
        const index = betaOffset + offset + level;
        const old = beta[index]!;
        rho += a * old;
        const next = softThreshold(rho, lambda1) / (a + lambda2);
        const delta = next - old;
        if (delta === 0) continue;
        beta[index] = next;
        for (let p = start[level]!; p < start[level + 1]!; p++) {
          const i = rows[p]!;
          residual[i] = residual[i]! - delta;
        }
        const change = Math.abs(delta) * Math.sqrt(a / weightTotal);
        if (change > maxChange) maxChange = change;
      }
      // one-hot levels sum to the intercept's column: re-centre after each block, or the two
      // trade the common part back and forth for many sweeps
      shift = weightedSum();
      intercept += shift;
      for (let i = 0; i < n; i++) residual[i] = residual[i]! - shift;
    }
    if (maxChange <= tol * spread) return { intercept, sweeps: sweep, converged: true };
  }
  return { intercept, sweeps: maxSweeps, converged: false };
}
