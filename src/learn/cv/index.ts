export { kFold, stratifiedKFold, groupKFold, timeSeriesSplit } from './folds.js';
export type { Fold, SplitOptions, TimeSplitOptions } from './folds.js';
export { outOfFold } from './out-of-fold.js';
export { selectRows, selectValues } from './select-rows.js';
