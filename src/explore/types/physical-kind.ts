/** How a column is stored, reduced to the families profiling treats differently. */
export type PhysicalKind = 'boolean' | 'integer' | 'float' | 'decimal' | 'temporal' | 'time' | 'string' | 'other';

const INTEGER_TYPES = new Set([
  'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT',
  'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT', 'UHUGEINT',
]);
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE', 'REAL']);
const TEMPORAL_TYPES = new Set([
  'DATE', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'TIMESTAMP_S', 'TIMESTAMP_MS', 'TIMESTAMP_NS', 'TIMESTAMPTZ', 'DATETIME',
]);

export function physicalKind(duckdbType: string): PhysicalKind {
  const t = duckdbType.toUpperCase().trim();
  if (t === 'BOOLEAN') return 'boolean';
  if (INTEGER_TYPES.has(t)) return 'integer';
  if (FLOAT_TYPES.has(t)) return 'float';
  if (t.startsWith('DECIMAL')) return 'decimal';
  if (TEMPORAL_TYPES.has(t)) return 'temporal';
  if (t === 'TIME' || t === 'TIME WITH TIME ZONE') return 'time';
  if (t === 'VARCHAR' || t === 'UUID' || t.startsWith('ENUM') || t === 'JSON') return 'string';
  return 'other';
}

export function isNumericKind(kind: PhysicalKind): boolean {
  return kind === 'integer' || kind === 'float' || kind === 'decimal';
}
