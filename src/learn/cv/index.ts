export { kFold, stratifiedKFold, groupKFold, timeSeriesSplit } from './folds.js';
export type { Fold, SplitOptions, TimeSplitOptions } from './folds.js';
export { outOfFold, selectRows } from './out-of-fold.js';
