export { openDuckEngine, type DuckEngine, type EngineOptions } from './engine.js';
export { copyToParquet, describeParquet, type ColumnSchema, type ParquetFacts } from './bronze-writer.js';
export { bronzeKey, keySegment } from './bronze-key.js';
export { findMixedTypeColumns, type MixedColumn } from './mixed-types.js';
export { execute, firstLine, queryRows, quoteIdent, quoteLiteral, type SqlParams } from './sql.js';
export { MAX_ROW_GROUP_ROWS, MIN_MEAN_ROW_GROUP_ROWS, parquetLayoutProblem, readWholeParquet } from './parquet-layout.js';
export { buildSilver, cleanedRows, cleaningSelect, type RowSink, type SilverBuildInput } from './silver.js';
export { RULE_ACTIONS, type QualityRule, type RuleAction, type RuleCheck, type RuleResult, type SilverColumn, type SilverPlan, type SilverReport, type SilverType } from './silver-types.js';
export { checkTargetExpression, wrapTargetExpression } from './target-expression.js';
