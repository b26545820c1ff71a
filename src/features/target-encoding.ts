import type { TargetEncodingStep } from './steps.js';
import { Rng, shareableColumn, shuffledIndex } from '../learn/index.js';

/** The encoded target the pipeline may learn from: class indices, or numbers for regression. */
export interface TargetValues {
  readonly task: 'binary' | 'multiclass' | 'regression';
  readonly values: Float64Array;
  readonly numClasses: number;
}

/** Pseudo-count of the prior mixed into every category's mean, so rare categories stay near the prior. */
const SMOOTHING = 20;

function outputsOf(target: TargetValues): number {
  return target.task === 'multiclass' ? target.numClasses : 1;
}

/** Sum of outputs per category over the rows in `rows`, and the counts. */
function accumulate(codes: Int32Array, target: TargetValues, rows: ArrayLike<number>, categories: number) {
  const outputs = outputsOf(target);
  const sums = Array.from({ length: outputs }, () => new Float64Array(categories));
  const totals = new Float64Array(outputs);
  const counts = new Float64Array(categories);
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r]!;
    const y = target.values[i]!;
    const code = codes[i]!;
    for (let k = 0; k < outputs; k++) {
      const v = target.task === 'multiclass' ? (y === k ? 1 : 0) : y;
      totals[k] = totals[k]! + v;
      if (code >= 0) sums[k]![code] = sums[k]![code]! + v;
    }
    if (code >= 0) counts[code] = counts[code]! + 1;
  }
  const prior = Array.from(totals, (t) => t / Math.max(1, rows.length));
  const encodings = sums.map((s, k) => Array.from(s, (sum, c) => (sum + SMOOTHING * prior[k]!) / (counts[c]! + SMOOTHING)));
  return { encodings, prior };
}

/**
 * Each value's index among `categories`, into `codes` (a new Int32Array by default); a missing or
 * unknown value gets `none` (−1; NaN in a Float64Array of model codes).
 */
export function codesOf(values: readonly (string | null)[], categories: readonly string[]): Int32Array;
export function codesOf<T extends Int32Array | Float64Array>(values: readonly (string | null)[], categories: readonly string[], codes: T, none: number): T;
export function codesOf(values: readonly (string | null)[], categories: readonly string[], codes: Int32Array | Float64Array = new Int32Array(values.length), none = -1): Int32Array | Float64Array {
  const lookup = new Map(categories.map((c, i) => [c, i]));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    codes[i] = v === null || v === undefined ? none : (lookup.get(v) ?? none);
  }
  return codes;
}

/**
 * Fits the encoding on all rows (for new data) and returns out-of-fold encodings for the training
 * rows themselves, so a model never sees a row's own target through its features.
 */
export function fitTargetEncoding(
  column: string,
  values: readonly (string | null)[],
  categories: readonly string[],
  target: TargetValues,
  seed: number,
  folds = 5,
): { step: TargetEncodingStep; training: Float64Array[] } {
  const n = values.length;
  const codes = codesOf(values, categories);
  const all = new Uint32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const full = accumulate(codes, target, all, categories.length);
  const outputs = outputsOf(target);
  const training = Array.from({ length: outputs }, () => new Float64Array(n));
  const order = shuffledIndex(n, Rng.unmixed(seed));
  for (let f = 0; f < folds; f++) {
    const inFold: number[] = [];
    const outFold: number[] = [];
    for (let r = 0; r < n; r++) (r % folds === f ? outFold : inFold).push(order[r]!);
    const part = accumulate(codes, target, inFold, categories.length);
    for (const i of outFold) {
      const code = codes[i]!;
      for (let k = 0; k < outputs; k++) training[k]![i] = code >= 0 ? part.encodings[k]![code]! : part.prior[k]!;
    }
  }
  return {
    step: { kind: 'target-encoding', column, categories: [...categories], encodings: full.encodings, prior: full.prior },
    training,
  };
}

export function applyTargetEncoding(step: TargetEncodingStep, values: readonly (string | null)[]): Float64Array[] {
  const codes = codesOf(values, step.categories);
  return step.encodings.map((encoding, k) => {
    // where a batch's prediction workers read it (`shareColumns` would copy it there)
    const encoded = shareableColumn(codes.length);
    for (let i = 0; i < codes.length; i++) encoded[i] = codes[i]! >= 0 ? encoding[codes[i]!]! : step.prior[k]!;
    return encoded;
  });
}
