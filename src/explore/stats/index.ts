/**
 * Round 1's statistics as DuckDB aggregates: the main scan per chunk of columns, histograms, top
 * values, exact distinct recounts, correlations and missing co-occurrence.
 */
export {
  runMainScan,
  numericExpr,
  DISTINCT_ROWS_EXPR,
  QUANTILE_LEVELS,
  ROW_ALIAS,
  type ColumnPlan,
  type RawColumnStats,
} from './column-stats.js';
export { addHistogramAggregates, type HistogramResult } from './histogram.js';
export { topValues, WIDE_RELATION_COLUMNS } from './top-values.js';
export { valueCounts } from './value-counts.js';
export { computeCorrelations, MAX_CATEGORIES, type CorrelationColumn } from './correlation.js';
export { addMissingAggregates } from './correlation-missing.js';
export { bitmapCheck, runBitmapChecks } from './exact-distinct-bitmap.js';
