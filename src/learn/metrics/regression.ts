/** Regression metrics on n predicted values. */
import { checkLengths } from './check.js';

export function rmse(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths('RMSE', y, predicted);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += (y[i]! - predicted[i]!) ** 2;
  return y.length ? Math.sqrt(s / y.length) : Number.NaN;
}

export function mae(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths('MAE', y, predicted);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i]! - predicted[i]!);
  return y.length ? s / y.length : Number.NaN;
}

/** 1 − SSres/SStot; 1 for a perfect fit of a constant y, 0 for an imperfect one (scikit-learn's convention). */
export function r2(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths('R²', y, predicted);
  const n = y.length;
  if (n === 0) return Number.NaN;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += y[i]!;
  mean /= n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    residual += (y[i]! - predicted[i]!) ** 2;
    total += (y[i]! - mean) ** 2;
  }
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

/**
 * Mean absolute percentage error as a fraction (0.1 = 10 %); |y| is floored at machine epsilon as in
 * scikit-learn, so a zero target gives a huge, finite error.
 */
export function mape(y: ArrayLike<number>, predicted: ArrayLike<number>): number {
  checkLengths('MAPE', y, predicted);
  let s = 0;
  for (let i = 0; i < y.length; i++) s += Math.abs(y[i]! - predicted[i]!) / Math.max(Math.abs(y[i]!), Number.EPSILON);
  return y.length ? s / y.length : Number.NaN;
}
