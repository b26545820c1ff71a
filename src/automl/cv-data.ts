import { selectBinnedRows, selectRows, selectValues, type BinnedDataset, type FeatureTable, type Fold, type Task } from '../learn/index.js';

/** One fold's rows, materialised once and shared by every candidate. */
export interface FoldData {
  readonly trainIndex: Uint32Array;
  readonly validIndex: Uint32Array;
  /** where each validation row's prediction goes among the scored rows */
  readonly validPosition: Uint32Array;
  readonly train: FeatureTable;
  readonly valid: FeatureTable;
  /** the training rows binned with edges learnt once on the whole table: tree learners read these */
  readonly binnedTrain: BinnedDataset;
  readonly binnedValid: BinnedDataset;
  readonly yTrain: Float64Array;
  readonly yValid: Float64Array;
}

/** The training table, its target and the folds every candidate is evaluated on. */
export interface CvData {
  readonly task: Task;
  readonly numClasses: number;
  readonly table: FeatureTable;
  readonly y: Float64Array;
  readonly folds: readonly FoldData[];
  /**
   * rows that receive an out-of-fold prediction, in the order of every candidate's `oof`: all rows
   * under k-fold validation, the holdout's under a holdout
   */
  readonly scoredRows: Uint32Array;
  /** the target at `scoredRows`: what scores, ensembles and stackers are computed against */
  readonly yScored: Float64Array;
}

/**
 * Materialises `folds` of `table`. Their validation rows must not overlap; together they are the
 * scored rows. `binned` is the whole table binned once: binning each fold again
 * would cost more than the fit on a wide table, and bin edges are not learnt from the target.
 */
export function buildCvData(task: Task, numClasses: number, table: FeatureTable, y: Float64Array, folds: readonly Fold[], binned: BinnedDataset): CvData {
  // scored rows in row order, so that under k-fold a candidate's oof[row] is that row's prediction
  const positionOf = new Int32Array(table.rows).fill(-1);
  for (const fold of folds) for (const row of fold.valid) positionOf[row] = 0;
  const scored: number[] = [];
  for (let row = 0; row < table.rows; row++) if (positionOf[row] === 0) positionOf[row] = scored.push(row) - 1;
  const scoredRows = Uint32Array.from(scored);
  const data = folds.map((fold): FoldData => ({
    trainIndex: fold.train,
    validIndex: fold.valid,
    validPosition: Uint32Array.from(fold.valid, (row) => positionOf[row]!),
    train: selectRows(table, fold.train),
    valid: selectRows(table, fold.valid),
    binnedTrain: selectBinnedRows(binned, fold.train),
    binnedValid: selectBinnedRows(binned, fold.valid),
    yTrain: selectValues(y, fold.train),
    yValid: selectValues(y, fold.valid),
  }));
  return { task, numClasses, table, y, folds: data, scoredRows, yScored: selectValues(y, scoredRows) };
}

/**
 * Folds over the scored rows, in their positions: a level-2 model (a stacker) trained on
 * out-of-fold predictions is validated on these. Under k-fold they are the candidates' own folds;
 * a holdout is cut into `holdoutFolds` afresh.
 */
export function scoredFolds(data: CvData, holdoutFolds: (y: Float64Array) => readonly Fold[]): Fold[] {
  if (data.folds.length < 2) return [...holdoutFolds(data.yScored)];
  const all = data.scoredRows.length;
  return data.folds.map((fold) => {
    const valid = Uint32Array.from(fold.validPosition).sort();
    const inValid = new Uint8Array(all);
    for (const p of valid) inValid[p] = 1;
    const train = new Uint32Array(all - valid.length);
    let t = 0;
    for (let p = 0; p < all; p++) if (inValid[p] === 0) train[t++] = p;
    return { train, valid };
  });
}

/** Width of one row of predictions. */
export function outputWidth(task: Task, numClasses: number): number {
  return task === 'regression' ? 1 : numClasses;
}
