import type { FeatureTable, Task } from '../learn/types.js';
import { tableRows, valuesAt } from './table-rows.js';

export interface Fold {
  readonly train: Uint32Array;
  readonly valid: Uint32Array;
}

/** One fold's rows, materialised once and shared by every candidate. */
export interface FoldData {
  readonly trainIndex: Uint32Array;
  readonly validIndex: Uint32Array;
  readonly train: FeatureTable;
  readonly valid: FeatureTable;
  readonly yTrain: Float64Array;
  readonly yValid: Float64Array;
}

/** The training table, its target and its folds: what every candidate is evaluated on. */
export interface CvData {
  readonly task: Task;
  readonly numClasses: number;
  readonly table: FeatureTable;
  readonly y: Float64Array;
  readonly folds: readonly FoldData[];
}

export function buildCvData(task: Task, numClasses: number, table: FeatureTable, y: Float64Array, folds: readonly Fold[]): CvData {
  return {
    task,
    numClasses,
    table,
    y,
    folds: folds.map((fold) => ({
      trainIndex: fold.train,
      validIndex: fold.valid,
      train: tableRows(table, fold.train),
      valid: tableRows(table, fold.valid),
      yTrain: valuesAt(y, fold.train),
      yValid: valuesAt(y, fold.valid),
    })),
  };
}

/** Width of one row of predictions. */
export function outputWidth(task: Task, numClasses: number): number {
  return task === 'regression' ? 1 : numClasses;
}
