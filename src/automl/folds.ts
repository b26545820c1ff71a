import { kFold, stratifiedKFold, type Fold, type Task } from '../learn/index.js';

/** The folds AutoML validates on: stratified by class for classification, seeded. */
export function makeFolds(y: Float64Array, task: Task, k: number, seed: number): Fold[] {
  return task === 'regression' ? kFold(y.length, k, { seed }) : stratifiedKFold(y, k, { seed });
}

/** Fewer folds for large data, where each fit is dear and one fold's estimate is already stable. */
export function chooseFoldCount(rows: number, timeLimit: number | undefined): number {
  if (rows < 40) return Math.max(2, Math.min(5, Math.floor(rows / 4)));
  if (rows > 20_000 || (timeLimit !== undefined && timeLimit < 15 && rows > 5_000)) return 3;
  return 5;
}
