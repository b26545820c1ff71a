/**
 * What a column holds: how it is stored (physical kind), what it means (semantic type, inferred
 * from values, string formats and names), and the values people write instead of leaving it empty.
 */
export { physicalKind, isNumericKind, type PhysicalKind } from './physical-kind.js';
export { PLACEHOLDER_STRINGS, PLACEHOLDER_NUMBERS } from './placeholders.js';
export { nameTokens, hasIdName, hasCodeName, singular } from './names.js';
export { formatShare, measureStringFormats, datetimeParseExpr, numericParseExpr, type StringFormatStats } from './formats.js';
export { inferSemanticType, planColumn, type TypeInference } from './infer.js';
export { narrowWideIntegers, type NarrowedRelation } from './wide-integers.js';
