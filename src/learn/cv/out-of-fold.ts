/**
 * Out-of-fold predictions: each fold's model predicts the rows it did not see, so every validated
 * row gets a prediction from a model that was not fitted on it (the input of ensembling, stacking,
 * threshold choice and honest scores).
 */
import { InputError } from '../../common/index.js';
import type { FeatureTable } from '../types.js';
import type { Fold } from './folds.js';
import { selectRows, selectValues } from './select-rows.js';

/**
 * Fits and predicts once per fold. `fitPredict` returns row-major predictions for the validation
 * rows (the same number of values per row in every fold: 1 for regression, numClasses for
 * probabilities). Rows that no fold validates (the first block of a time split) stay NaN.
 */
export function outOfFold(
  fitPredict: (train: FeatureTable, yTrain: Float64Array, valid: FeatureTable, fold: number) => Float64Array,
  table: FeatureTable,
  y: Float64Array,
  folds: readonly Fold[],
): Float64Array {
  if (y.length !== table.rows) throw new InputError(`the target has ${y.length} values for ${table.rows} rows`, 'give one target value per row');
  let width = 0;
  let out = new Float64Array(0);
  folds.forEach((fold, index) => {
    const predictions = fitPredict(selectRows(table, fold.train), selectValues(y, fold.train), selectRows(table, fold.valid), index);
    const rowWidth = fold.valid.length > 0 ? predictions.length / fold.valid.length : width;
    if (index === 0 || width === 0) {
      width = rowWidth;
      if (!Number.isInteger(width) || width < 1) throw new InputError(`fold ${index + 1} returned ${predictions.length} predictions for ${fold.valid.length} rows`, 'return one value per row, or one per class');
      out = new Float64Array(table.rows * width).fill(Number.NaN);
    } else if (rowWidth !== width) {
      throw new InputError(`fold ${index + 1} returned ${predictions.length} predictions for ${fold.valid.length} rows, not ${width} per row`, 'return the same number of values per row in every fold');
    }
    for (let i = 0; i < fold.valid.length; i++) {
      const row = fold.valid[i]!;
      for (let j = 0; j < width; j++) out[row * width + j] = predictions[i * width + j]!;
    }
  });
  return out;
}
