import type { FeatureColumn, FeatureTable } from './types.js';
import { Rng } from './random.js';

/** Seeded generated problems for tests and benchmarks (no files needed). */
export interface SyntheticData {
  readonly table: FeatureTable;
  readonly y: Float64Array;
}

function normal(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function numericTable(columns: Float64Array[]): FeatureTable {
  return { rows: columns[0]!.length, columns: columns.map((values, i): FeatureColumn => ({ name: `x${i}`, type: 'numeric', values })) };
}

/**
 * Higgs-like binary data: 28 features, 21 "low-level" Gaussians and 7 nonlinear combinations
 * (products, norms, ratios), with a label from a noisy nonlinear score (Bayes AUC around 0.85).
 */
export function makeHiggsLike(rows: number, seed: number, features = 28): SyntheticData {
  const rng = new Rng(seed);
  const cols = Array.from({ length: features }, () => new Float64Array(rows));
  const y = new Float64Array(rows);
  if (features < 6) throw new Error('makeHiggsLike needs at least 6 features');
  const low = Math.min(21, features);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < low; f++) cols[f]![i] = normal(rng);
    const a = cols[0]![i]!;
    const b = cols[1]![i]!;
    const c = cols[2]![i]!;
    const d = cols[3]![i]!;
    const e = cols[4]![i]!;
    const derived = [Math.hypot(a, b), a * c, Math.exp(Math.min(d, 3)), Math.abs(e - a), Math.atan2(b, c), d * d - e, Math.sin(2 * a) + b];
    for (let f = low; f < features; f++) cols[f]![i] = derived[f - low]!;
    const score = Math.sin(2 * a) * 1.2 + b * c - 0.6 * Math.abs(d) + 0.5 * (e > 0.5 ? 1 : -0.3) + 0.3 * (cols[5 % features]![i]! ** 2) - 0.3 + 0.8 * normal(rng);
    y[i] = score > 0 ? 1 : 0;
  }
  return { table: numericTable(cols), y };
}

/**
 * Letter-like multiclass data: `classes` Gaussian blobs in 16 features, some rounded, some warped.
 * The class centres are fixed (they do not depend on `seed`), so train and test sets share them.
 */
export function makeLetterLike(rows: number, seed: number, classes = 26, features = 16): SyntheticData {
  const centerRng = new Rng(1234);
  const centers = Array.from({ length: classes }, () => Array.from({ length: features }, () => normal(centerRng) * 1.6));
  const rng = new Rng(seed);
  const cols = Array.from({ length: features }, () => new Float64Array(rows));
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const k = rng.int(classes);
    y[i] = k;
    const c = centers[k]!;
    for (let f = 0; f < features; f++) {
      const v = c[f]! + normal(rng) * 1.0;
      cols[f]![i] = f % 3 === 0 ? Math.round(v * 2) / 2 : f % 3 === 1 ? v * v * Math.sign(v) : v;
    }
  }
  return { table: numericTable(cols), y };
}

/** Smooth nonlinear regression target with Gaussian noise. */
export function makeFriedman(rows: number, seed: number, noise = 0.5): SyntheticData {
  const rng = new Rng(seed);
  const cols = Array.from({ length: 6 }, () => new Float64Array(rows));
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    for (let f = 0; f < 6; f++) cols[f]![i] = rng.next();
    const x = (f: number): number => cols[f]![i]!;
    y[i] = 10 * Math.sin(Math.PI * x(0) * x(1)) + 20 * (x(2) - 0.5) ** 2 + 10 * x(3) + 5 * x(4) + noise * normal(rng);
  }
  return { table: numericTable(cols), y };
}
