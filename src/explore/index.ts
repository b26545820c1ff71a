/**
 * Exploration: round 1 (profiles, keys, relationships, PII, target suggestion), the tags a person
 * confirms, round 2 (target-aware analysis) and the HTML report.
 */
export type * from './profile-types.js';
export { SEMANTIC_TYPES, PII_KINDS } from './profile-types.js';
export { profileTable } from './profile.js';
export { findRelationships, type RelationshipOptions } from './relationships.js';
export { suggestTarget } from './target-suggest.js';
export { PLACEHOLDER_NUMBERS, PLACEHOLDER_STRINGS } from './types/index.js';

export * from './tags/index.js';
export * from './round2/index.js';
export * from './report/index.js';
// η: round 1's correlations, round 2's associations, and gold's ranking of features
export { correlationRatio, type GroupMoments } from './correlation-ratio.js';

// the statistics monitoring shares with exploration (one PSI, one chi-square tail, one way to bin in DuckDB)
export { chiSquareSurvival } from './alerts.js';
export { populationStabilityIndex, psiLevel } from './round2/math.js';
export { binHistogram, binnedCounts, planBins, valueSql, isOrdered, type BinPlan, type ColumnSpec, type Source } from './round2/bins.js';
export { ParamBinder, toNumber, tempName } from './sql.js';
