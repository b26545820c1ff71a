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
 * Solves in place: `beta` (design.width values from betaOffset) starts from the values given and
 * ends at the minimum. Returns the fitted intercept and the number of sweeps.
 *
 * Internally every column is centred (x̃ = x − m, m its weighted mean), which decouples the
 * intercept: it is then the weighted mean of the target, and one-hot levels no longer trade their
 * common part with it sweep after sweep. The centring is kept implicit — the stored residual plus
 * one shared `offset` is the true residual — so a one-hot update still touches only its own rows.
 * Sweeps alternate between all coordinates and only the non-zero ones (an active set), as glmnet does.
 */
export function solveElasticNet(problem: ElasticNetProblem, beta: Float64Array, betaOffset: number, intercept: number): { intercept: number; sweeps: number; converged: boolean } {
  const { design, levels, target, weights, lambda1, lambda2, maxSweeps, tol } = problem;
  const n = design.rows;
  const width = design.width;
  let weightTotal = 0;
  let targetMean = 0;
  for (let i = 0; i < n; i++) {
    weightTotal += weights[i]!;
    targetMean += weights[i]! * target[i]!;
  }
  if (!(weightTotal > 0)) return { intercept, sweeps: 0, converged: true };
  targetMean /= weightTotal;
  let spread = 0;
  for (let i = 0; i < n; i++) spread += weights[i]! * (target[i]! - targetMean) ** 2;
  spread = Math.sqrt(spread / weightTotal) || 1;

  // weighted column means m and centred curvatures a = Σ w (x − m)²
  const means = new Float64Array(width);
  const curvature = new Float64Array(width);
  for (const { slot, values } of design.dense) {
    let sum = 0;
    let squares = 0;
    for (let i = 0; i < n; i++) {
      sum += weights[i]! * values[i]!;
      squares += weights[i]! * values[i]! * values[i]!;
    }
    means[slot] = sum / weightTotal;
    curvature[slot] = Math.max(0, squares - sum * means[slot]!);
  }
  design.categorical.forEach(({ offset, levels: levelCount }, block) => {
    const start = levels.starts[block]!;
    const rows = levels.rows[block]!;
    for (let level = 0; level < levelCount; level++) {
      let w = 0;
      for (let p = start[level]!; p < start[level + 1]!; p++) w += weights[rows[p]!]!;
      means[offset + level] = w / weightTotal;
      curvature[offset + level] = w * (1 - w / weightTotal);
    }
  });

  // true residual r + offset = t − t̄ − Σ β (x − m)
  const residual = new Float64Array(n);
  for (let i = 0; i < n; i++) residual[i] = target[i]! - targetMean;
  for (const { slot, values } of design.dense) {
    const b = beta[betaOffset + slot]!;
    if (b !== 0) for (let i = 0; i < n; i++) residual[i] = residual[i]! - values[i]! * b;
  }
  for (const { offset: first, codes } of design.categorical) {
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c >= 0) residual[i] = residual[i]! - beta[betaOffset + first + c]!;
    }
  }
  let offset = 0;
  for (let j = 0; j < width; j++) offset += beta[betaOffset + j]! * means[j]!;

  const denseOfSlot = new Int32Array(width).fill(-1);
  design.dense.forEach(({ slot }, d) => (denseOfSlot[slot] = d));
  const blockOfSlot = new Int32Array(width).fill(-1);
  design.categorical.forEach(({ offset: first, levels: levelCount }, block) => {
    for (let l = 0; l < levelCount; l++) blockOfSlot[first + l] = block;
  });

  /** Updates coordinate j; returns how far it moved the fit. */
  const update = (j: number): number => {
    const a = curvature[j]!;
    if (!(a > 0)) return 0;
    const index = betaOffset + j;
    const old = beta[index]!;
    let rho = 0;
    const d = denseOfSlot[j]!;
    let rowsOfLevel: Int32Array | undefined;
    let from = 0;
    let to = 0;
    let levelWeight = 0;
    if (d >= 0) {
      const values = design.dense[d]!.values;
      let weightedX = 0;
      for (let i = 0; i < n; i++) {
        const wx = weights[i]! * values[i]!;
        rho += wx * residual[i]!;
        weightedX += wx;
      }
      rho += offset * weightedX;
    } else {
      const block = blockOfSlot[j]!;
      rowsOfLevel = levels.rows[block]!;
      const level = j - design.categorical[block]!.offset;
      from = levels.starts[block]![level]!;
      to = levels.starts[block]![level + 1]!;
      for (let p = from; p < to; p++) {
        const i = rowsOfLevel[p]!;
        rho += weights[i]! * residual[i]!;
        levelWeight += weights[i]!;
      }
      rho += offset * levelWeight;
    }
    // Σ w·r̃ over all rows is zero, so the centring term of ρ vanishes
    rho += a * old;
    const next = softThreshold(rho, lambda1) / (a + lambda2);
    const delta = next - old;
    if (delta === 0) return 0;
    beta[index] = next;
    if (d >= 0) {
      const values = design.dense[d]!.values;
      for (let i = 0; i < n; i++) residual[i] = residual[i]! - values[i]! * delta;
    } else {
      for (let p = from; p < to; p++) {
        const i = rowsOfLevel![p]!;
        residual[i] = residual[i]! - delta;
      }
    }
    offset += delta * means[j]!;
    return Math.abs(delta) * Math.sqrt(a / weightTotal);
  };

  // blocks where every row has a level: their centred columns sum to zero, so a common shift of
  // the block's coefficients leaves the fit unchanged and only moves the penalty — a flat valley
  // that coordinate steps cross slowly, so it is solved exactly after each sweep
  const completeBlocks = design.categorical.map((block, b) => (levels.rows[b]!.length === n && block.levels > 1 ? b : -1)).filter((b) => b >= 0);
  const shiftBlocks = (): void => {
    for (const b of completeBlocks) {
      const { offset: first, levels: levelCount } = design.categorical[b]!;
      const present: number[] = [];
      for (let l = 0; l < levelCount; l++) if (curvature[first + l]! > 0) present.push(betaOffset + first + l);
      const t = bestCommonShift(present.map((index) => beta[index]!), lambda1, lambda2);
      if (t !== 0) for (const index of present) beta[index] = beta[index]! + t;
    }
  };

  const threshold = tol * spread;
  let sweeps = 0;
  let converged = false;
  while (sweeps < maxSweeps) {
    // a full sweep, then sweeps over the non-zero coordinates until they settle
    sweeps++;
    let change = 0;
    for (let j = 0; j < width; j++) change = Math.max(change, update(j));
    shiftBlocks();
    if (change <= threshold) {
      converged = true;
      break;
    }
    const active: number[] = [];
    for (let j = 0; j < width; j++) if (beta[betaOffset + j] !== 0) active.push(j);
    while (sweeps < maxSweeps) {
      sweeps++;
      let activeChange = 0;
      for (const j of active) activeChange = Math.max(activeChange, update(j));
      shiftBlocks();
      if (activeChange <= threshold) break;
    }
  }
  let shift = 0;
  for (let j = 0; j < width; j++) shift += means[j]! * beta[betaOffset + j]!;
  return { intercept: targetMean - shift, sweeps, converged };
}

/**
 * The shift t minimising λ₁·Σ|βₗ + t| + λ₂/2·Σ(βₗ + t)² — convex and piecewise quadratic, so its
 * subgradient is bisected, and the kinks next to the result are tried too (L1 minima sit on them).
 * Returns 0 unless the shift lowers the penalty.
 */
export function bestCommonShift(values: readonly number[], lambda1: number, lambda2: number): number {
  if (values.length === 0 || (lambda1 === 0 && lambda2 === 0)) return 0;
  const penalty = (t: number): number => {
    let sum = 0;
    for (const v of values) sum += lambda1 * Math.abs(v + t) + 0.5 * lambda2 * (v + t) ** 2;
    return sum;
  };
  const slope = (t: number): number => {
    let sum = 0;
    for (const v of values) sum += lambda1 * Math.sign(v + t) + lambda2 * (v + t);
    return sum;
  };
  let lo = -Math.max(...values) - 1;
  let hi = -Math.min(...values) + 1;
  for (let i = 0; i < 100 && hi - lo > 1e-15 * Math.max(1, Math.abs(lo), Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (slope(mid) < 0) lo = mid;
    else hi = mid;
  }
  let best = 0;
  let bestPenalty = penalty(0);
  // kinks first: a point off a kink must be clearly better to win over one on it
  const middle = (lo + hi) / 2;
  const candidates: number[] = [];
  for (const v of values) if (Math.abs(-v - middle) <= Math.max(hi - lo, 1e-12) * 4) candidates.push(-v);
  candidates.push(middle);
  for (const t of candidates) {
    const p = penalty(t);
    if (p < bestPenalty - 1e-12 * Math.abs(bestPenalty)) {
      best = t;
      bestPenalty = p;
    }
  }
  return best;
}
