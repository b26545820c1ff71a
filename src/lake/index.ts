export { openDuckEngine, type DuckEngine, type EngineOptions } from './engine.js';
export { copyToParquet, describeParquet, type ColumnSchema, type ParquetFacts } from './bronze-writer.js';
export { bronzeKey, keySegment } from './bronze-key.js';
export { findMixedTypeColumns, type MixedColumn } from './mixed-types.js';
export { execute, firstLine, queryRows, quoteIdent, quoteLiteral, type SqlParams } from './sql.js';
export { MAX_ROW_GROUP_ROWS, MIN_MEAN_ROW_GROUP_ROWS, parquetLayoutProblem, readWholeParquet } from './parquet-layout.js';
