/** Monitoring: drift between the rows a model learned from and newer rows, and its estimated performance. */
export type * from './drift-types.js';
export { DEFAULT_THRESHOLDS } from './drift-types.js';
export { computeDrift, type DriftInput } from './drift.js';
export { ksTwoSamplePValue, kolmogorovSurvival } from './stats/ks.js';
export { chiSquareGoodnessOfFit, jensenShannonDistance } from './stats/distances.js';
export { estimatePerformance, estimatedAuc, type EstimatedPerformance } from './cbpe.js';
export type * from './result-types.js';
export { renderMonitorHtml } from './report.js';
export { feedbackOf, feedbackOfBody, FeedbackInputError, type FeedbackEntry, type FeedbackSink } from './feedback-entry.js';
export { renderLogMonitorHtml } from './report-log.js';
export * from './humility/index.js';
