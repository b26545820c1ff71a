import { InputError } from '../../common/errors.js';

export type GbdtObjective = 'binary' | 'multiclass' | 'regression' | 'l1' | 'huber' | 'poisson';

/** LightGBM's safety margin on the Poisson hessian, which keeps early leaf values from exploding. */
export const POISSON_MAX_DELTA = 0.7;

export function outputsPerRound(objective: GbdtObjective, numClasses: number): number {
  return objective === 'multiclass' ? numClasses : 1;
}

/** The starting margin(s): the best constant for the loss. */
export function initialScores(objective: GbdtObjective, y: Float64Array, w: Float64Array | undefined, numClasses: number): number[] {
  const n = y.length;
  let sw = 0;
  let swy = 0;
  for (let i = 0; i < n; i++) {
    const wi = w === undefined ? 1 : w[i]!;
    sw += wi;
    swy += wi * y[i]!;
  }
  switch (objective) {
    case 'binary': {
      const p = Math.min(1 - 1e-15, Math.max(1e-15, swy / sw));
      return [Math.log(p / (1 - p))];
    }
    case 'multiclass': {
      const counts = new Float64Array(numClasses);
      for (let i = 0; i < n; i++) counts[y[i]!]! += w === undefined ? 1 : w[i]!;
      return Array.from(counts, (c) => Math.log(Math.max(c / sw, 1e-15)));
    }
    case 'regression':
      return [swy / sw];
    case 'l1':
    case 'huber':
      return [weightedMedian(y, w, null, 0, n)];
    case 'poisson':
      return [Math.log(Math.max(swy / sw, 1e-15))];
  }
}

/** Weighted median of values[idx[i]] (or values[i] when idx is null) for i in begin..end. */
export function weightedMedian(values: Float64Array, w: Float64Array | undefined, idx: Uint32Array | null, begin: number, end: number, shift?: Float64Array): number {
  const count = end - begin;
  if (count <= 0) return 0;
  const pairs = new Float64Array(count);
  const order = new Uint32Array(count);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const r = idx === null ? begin + i : idx[begin + i]!;
    pairs[i] = values[r]! - (shift === undefined ? 0 : shift[r]!);
    order[i] = r;
    total += w === undefined ? 1 : w[r]!;
  }
  const perm = Array.from({ length: count }, (_, i) => i).sort((a, b) => pairs[a]! - pairs[b]!);
  let acc = 0;
  for (const i of perm) {
    acc += w === undefined ? 1 : w[order[i]!]!;
    if (acc >= total / 2) return pairs[i]!;
  }
  return pairs[perm[count - 1]!]!;
}

/**
 * Gradients and hessians of output k for every row, interleaved: gh[2i] = gradient, gh[2i+1] = hessian. `scores` is class-major (k * n + row);
 * `logSumExp` (multiclass) holds each row's log Σ exp(score).
 */
export function computeGradients(
  objective: GbdtObjective,
  y: Float64Array,
  w: Float64Array | undefined,
  scores: Float64Array,
  k: number,
  numClasses: number,
  logSumExp: Float64Array | null,
  huberDelta: number,
  gh: Float64Array,
): void {
  gradientKernel(objective, y, w ?? null, scores, k, numClasses, logSumExp, huberDelta, POISSON_MAX_DELTA, gh, 0, y.length);
}

/**
 * `computeGradients` for rows begin..end. Self-contained: training worker threads run its source
 * text.
 */
export function gradientKernel(
  objective: GbdtObjective,
  y: Float64Array,
  w: Float64Array | null,
  scores: Float64Array,
  k: number,
  numClasses: number,
  logSumExp: Float64Array | null,
  huberDelta: number,
  poissonMaxDelta: number,
  gh: Float64Array,
  begin: number,
  end: number,
): void {
  const n = y.length;
  const off = k * n;
  switch (objective) {
    case 'binary':
      for (let i = begin; i < end; i++) {
        const p = 1 / (1 + Math.exp(-scores[i]!));
        gh[2 * i] = p - y[i]!;
        gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16);
      }
      break;
    case 'multiclass': {
      const factor = numClasses / (numClasses - 1);
      for (let i = begin; i < end; i++) {
        const p = Math.exp(scores[off + i]! - logSumExp![i]!);
        gh[2 * i] = p - (y[i] === k ? 1 : 0);
        gh[2 * i + 1] = Math.max(factor * p * (1 - p), 1e-16);
      }
      break;
    }
    case 'regression':
      for (let i = begin; i < end; i++) {
        gh[2 * i] = scores[i]! - y[i]!;
        gh[2 * i + 1] = 1;
      }
      break;
    case 'l1':
      for (let i = begin; i < end; i++) {
        const r = scores[i]! - y[i]!;
        gh[2 * i] = r > 0 ? 1 : r < 0 ? -1 : 0;
        gh[2 * i + 1] = 1;
      }
      break;
    case 'huber':
      for (let i = begin; i < end; i++) {
        const r = scores[i]! - y[i]!;
        gh[2 * i] = Math.abs(r) <= huberDelta ? r : r > 0 ? huberDelta : -huberDelta;
        gh[2 * i + 1] = 1;
      }
      break;
    case 'poisson':
      for (let i = begin; i < end; i++) {
        const s = scores[i]!;
        gh[2 * i] = Math.exp(s) - y[i]!;
        gh[2 * i + 1] = Math.exp(s + poissonMaxDelta);
      }
      break;
  }
  if (w !== null) {
    for (let i = begin; i < end; i++) {
      gh[2 * i]! *= w[i]!;
      gh[2 * i + 1]! *= w[i]!;
    }
  }
}

/** Objectives whose boosting can carry scores in node order (`leafGradientKernel`): one output, no leaf renewal. */
export function carriesScores(objective: GbdtObjective): boolean {
  return objective === 'binary' || objective === 'regression' || objective === 'huber' || objective === 'poisson';
}

/**
 * Boosting with each row's score and label carried in node order (`RowLayout.carried`: score at
 * 2i, label at 2i + 1): for positions begin..end, adds the value of the leaf holding the position
 * (leaf l holds leafBegin[l]..leafEnd[l]) to its score, then writes the next tree's gradient and
 * hessian at the same position of `gh` — one streaming pass instead of scattered score updates,
 * gradients by row and a gather. The same arithmetic as `gradientKernel`, so the same model.
 * Unweighted, `carriesScores` objectives only. Self-contained: worker threads run its source text.
 */
export function leafGradientKernel(
  objective: GbdtObjective,
  huberDelta: number,
  poissonMaxDelta: number,
  carried: Float64Array,
  gh: Float64Array,
  leafBegin: Int32Array,
  leafEnd: Int32Array,
  leafValue: Float64Array,
  numLeaves: number,
  begin: number,
  end: number,
): void {
  for (let l = 0; l < numLeaves; l++) {
    const from = Math.max(begin, leafBegin[l]!);
    const to = Math.min(end, leafEnd[l]!);
    const v = leafValue[l]!;
    switch (objective) {
      case 'binary':
        for (let i = from; i < to; i++) {
          const s = (carried[2 * i] = carried[2 * i]! + v);
          const p = 1 / (1 + Math.exp(-s));
          gh[2 * i] = p - carried[2 * i + 1]!;
          gh[2 * i + 1] = Math.max(p * (1 - p), 1e-16);
        }
        break;
      case 'regression':
        for (let i = from; i < to; i++) {
          const s = (carried[2 * i] = carried[2 * i]! + v);
          gh[2 * i] = s - carried[2 * i + 1]!;
          gh[2 * i + 1] = 1;
        }
        break;
      case 'huber':
        for (let i = from; i < to; i++) {
          const s = (carried[2 * i] = carried[2 * i]! + v);
          const d = s - carried[2 * i + 1]!;
          gh[2 * i] = Math.abs(d) <= huberDelta ? d : d > 0 ? huberDelta : -huberDelta;
          gh[2 * i + 1] = 1;
        }
        break;
      case 'poisson':
        for (let i = from; i < to; i++) {
          const s = (carried[2 * i] = carried[2 * i]! + v);
          gh[2 * i] = Math.exp(s) - carried[2 * i + 1]!;
          gh[2 * i + 1] = Math.exp(s + poissonMaxDelta);
        }
        break;
      default:
        throw new Error(`scores are not carried for the ${objective} objective`);
    }
  }
}

/** Row-wise log Σ_k exp(score_k) over class-major scores. */
export function logSumExpRows(scores: Float64Array, n: number, numClasses: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < numClasses; k++) max = Math.max(max, scores[k * n + i]!);
    let s = 0;
    for (let k = 0; k < numClasses; k++) s += Math.exp(scores[k * n + i]! - max);
    out[i] = max + Math.log(s);
  }
}

/** Validation loss (lower is better) for early stopping, on class-major scores. */
export function validationLoss(objective: GbdtObjective, y: Float64Array, scores: Float64Array, numClasses: number, huberDelta: number): number {
  const n = y.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const yi = y[i]!;
    switch (objective) {
      case 'binary': {
        const s = scores[i]!;
        // log(1 + e^-s) for y=1, log(1 + e^s) for y=0, computed stably
        const z = yi === 1 ? -s : s;
        loss += z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
        break;
      }
      case 'multiclass': {
        let max = -Infinity;
        for (let k = 0; k < numClasses; k++) max = Math.max(max, scores[k * n + i]!);
        let s = 0;
        for (let k = 0; k < numClasses; k++) s += Math.exp(scores[k * n + i]! - max);
        loss += max + Math.log(s) - scores[yi * n + i]!;
        break;
      }
      case 'regression':
        loss += (scores[i]! - yi) ** 2;
        break;
      case 'l1':
        loss += Math.abs(scores[i]! - yi);
        break;
      case 'huber': {
        const r = Math.abs(scores[i]! - yi);
        loss += r <= huberDelta ? 0.5 * r * r : huberDelta * (r - 0.5 * huberDelta);
        break;
      }
      case 'poisson':
        loss += Math.exp(scores[i]!) - yi * scores[i]!;
        break;
    }
  }
  return loss / n;
}

/** Checks labels against the objective; returns the number of classes (1 for regression). */
export function checkLabels(objective: GbdtObjective, y: Float64Array, rows: number, numClasses: number | undefined): number {
  if (y.length !== rows) throw new InputError(`the labels have ${y.length} values for ${rows} rows`, 'pass one label per row');
  if (objective === 'binary' || objective === 'multiclass') {
    const k = objective === 'binary' ? 2 : (numClasses ?? maxLabel(y) + 1);
    if (!Number.isInteger(k) || k < 2) throw new InputError(`numClasses is ${k}`, 'a classifier needs at least two classes');
    const seen = new Uint8Array(k);
    let distinct = 0;
    for (let i = 0; i < y.length; i++) {
      const v = y[i]!;
      if (!Number.isInteger(v) || v < 0 || v >= k) {
        throw new InputError(`label ${v} at row ${i} is not a class index 0..${k - 1}`, 'encode classes as integers 0..numClasses-1');
      }
      if (seen[v] === 0) {
        seen[v] = 1;
        distinct++;
      }
    }
    if (distinct < 2) throw new InputError('the labels hold only one class', 'a classifier needs rows of at least two classes');
    return k;
  }
  for (let i = 0; i < y.length; i++) {
    const v = y[i]!;
    if (!Number.isFinite(v)) throw new InputError(`label ${v} at row ${i} is not a finite number`, 'drop or fill rows with missing labels');
    if (objective === 'poisson' && v < 0) throw new InputError(`label ${v} at row ${i} is negative`, 'the poisson objective needs counts >= 0');
  }
  return 1;
}

function maxLabel(y: Float64Array): number {
  let m = -1;
  for (const v of y) if (v > m) m = v;
  return m;
}
