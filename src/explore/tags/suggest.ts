/**
 * Pre-filled tag suggestions from round 1: each field gets a value, a confidence and a reason,
 * so that a person only confirms or corrects (and `tags accept` can take the sure ones).
 */
import type { ColumnProfile, PiiFinding, PiiKind, Relationship, TableProfile, TargetSuggestion } from '../profile-types.js';
import type { ColumnRole, ColumnSuggestion, ColumnTag, FieldSuggestion, PiiPolicy, RelationshipTag, TagSet } from './types.js';
import { percent } from '../percent.js';
import { mergeRules, suggestRules } from './rules.js';

/**
 * Default policy per PII kind: values that can still link records (e-mail, phone, IP) are hashed,
 * a date of birth is masked (silver may keep the year), everything else is dropped.
 */
export const DEFAULT_PII_POLICY: Readonly<Record<PiiKind, PiiPolicy>> = {
  email: 'hash',
  phone: 'hash',
  ip_address: 'hash',
  date_of_birth: 'mask',
  payment_card: 'drop',
  iban: 'drop',
  national_id: 'drop',
  person_name: 'drop',
  postal_address: 'drop',
};

export function suggestTags(
  profiles: readonly TableProfile[],
  relationships: readonly Relationship[],
  target: TargetSuggestion | null,
): TagSet {
  const foreignKeys = new Map<string, Relationship>();
  for (const rel of relationships) {
    const key = refKey(rel.from.table, rel.from.column);
    const seen = foreignKeys.get(key);
    if (!seen || seen.score < rel.score) foreignKeys.set(key, rel);
  }
  const columns: ColumnTag[] = [];
  for (const profile of profiles) {
    for (const column of profile.columns) {
      columns.push({
        table: profile.name,
        column: column.name,
        suggestion: suggestColumn(profile, column, target, foreignKeys.get(refKey(profile.name, column.name))),
        confirmed: {},
      });
    }
  }
  const relTags: RelationshipTag[] = relationships.map((rel) => ({
    from: rel.from,
    to: rel.to,
    suggestedCardinality: rel.cardinality,
    confidence: round3(rel.score),
    reason: rel.reasons.join('; ') || `${(rel.inclusion * 100).toFixed(0)}% of values found`,
    status: 'suggested',
    cardinality: null,
  }));
  return { columns, relationships: relTags, rules: suggestRules(profiles, relationships) };
}

function suggestColumn(
  profile: TableProfile,
  column: ColumnProfile,
  target: TargetSuggestion | null,
  foreignKey: Relationship | undefined,
): ColumnSuggestion {
  const pii = strongestPii(profile.pii, column.name);
  return {
    role: suggestRole(profile, column, target, foreignKey),
    semanticType: {
      value: column.semanticType,
      confidence: round3(column.typeConfidence),
      reason: column.typeReasons.join('; ') || `stored as ${column.physicalType}`,
    },
    piiKind: pii
      ? { value: pii.kind, confidence: round3(pii.confidence), reason: pii.reasons.join('; ') || `${percent(pii.validatedShare, 0)} of values validate` }
      : { value: null, confidence: 0.9, reason: 'no personal-data pattern found' },
    piiPolicy: pii
      ? { value: DEFAULT_PII_POLICY[pii.kind], confidence: round3(pii.confidence), reason: `default policy for ${pii.kind}` }
      : { value: null, confidence: 0.9, reason: 'not personal data' },
  };
}

function suggestRole(
  profile: TableProfile,
  column: ColumnProfile,
  target: TargetSuggestion | null,
  foreignKey: Relationship | undefined,
): FieldSuggestion<ColumnRole> {
  if (target && target.table === profile.name && target.column === column.name) {
    return { value: 'target', confidence: round3(target.confidence), reason: target.reason };
  }
  if (column.semanticType === 'empty' || column.semanticType === 'constant') {
    return { value: 'ignore', confidence: 0.95, reason: `the column is ${column.semanticType}` };
  }
  const key = profile.candidateKeys.find((k) => k.columns.length === 1 && k.columns[0] === column.name);
  if (key && key.confidence >= 0.5) {
    return { value: 'id', confidence: round3(key.confidence), reason: `candidate key: ${key.reasons.join('; ') || 'unique'}` };
  }
  if (foreignKey) {
    return {
      value: 'id',
      confidence: round3(foreignKey.score),
      reason: `refers to ${foreignKey.to.table}.${foreignKey.to.column}`,
    };
  }
  if (column.semanticType === 'identifier') {
    return { value: 'id', confidence: round3(column.typeConfidence * 0.9), reason: 'looks like an identifier' };
  }
  if (column.semanticType === 'datetime') {
    return { value: 'time', confidence: 0.6, reason: 'a date or time column' };
  }
  return { value: 'feature', confidence: round3(Math.min(0.9, column.typeConfidence)), reason: 'an ordinary attribute' };
}

function strongestPii(findings: readonly PiiFinding[], column: string): PiiFinding | undefined {
  let best: PiiFinding | undefined;
  for (const f of findings) if (f.column === column && (!best || f.confidence > best.confidence)) best = f;
  return best;
}

/**
 * Fresh suggestions with what was already confirmed carried over, for columns and relationships
 * that still exist; a column that disappeared from the data disappears from the tags.
 */
export function mergeSuggestions(previous: TagSet | undefined, fresh: TagSet): TagSet {
  if (!previous) return fresh;
  const confirmed = new Map(previous.columns.map((c) => [refKey(c.table, c.column), c.confirmed]));
  const relStatus = new Map(previous.relationships.map((r) => [relKey(r), r]));
  const columns = fresh.columns.map((c) => ({ ...c, confirmed: confirmed.get(refKey(c.table, c.column)) ?? {} }));
  const relationships = fresh.relationships.map((r) => {
    const old = relStatus.get(relKey(r));
    return old ? { ...r, status: old.status, cardinality: old.cardinality } : r;
  });
  // a relationship a person confirmed stays, even if the finder no longer proposes it
  for (const old of previous.relationships) {
    if (old.status === 'confirmed' && !relationships.some((r) => relKey(r) === relKey(old))) relationships.push(old);
  }
  const present = new Set(columns.map((c) => refKey(c.table, c.column)));
  // a target expression stays while its table does (its columns are checked again when gold is built)
  const expression = previous.targetExpression;
  const keepExpression = expression !== undefined && columns.some((c) => c.table === expression.table) && !columns.some((c) => c.table === expression.table && c.column === expression.name);
  const knownAt = (previous.knownAt ?? []).filter((k) => columns.some((c) => c.table === k.table));
  return {
    columns,
    relationships,
    rules: mergeRules(previous.rules, fresh.rules ?? [], present),
    ...(keepExpression ? { targetExpression: expression } : {}),
    ...(knownAt.length > 0 ? { knownAt } : {}),
  };
}

export function refKey(table: string, column: string): string {
  return `${table}\u0000${column}`;
}

/** `TABLE.COLUMN` as a column of the tags (table names may hold dots: each split is tried), or undefined. */
export function columnRefIn(ref: string, tags: TagSet): { table: string; column: string } | undefined {
  for (let i = ref.indexOf('.'); i > 0; i = ref.indexOf('.', i + 1)) {
    const table = ref.slice(0, i);
    const column = ref.slice(i + 1);
    if (tags.columns.some((c) => c.table === table && c.column === column)) return { table, column };
  }
  return undefined;
}

export function relKey(rel: Pick<RelationshipTag, 'from' | 'to'>): string {
  return [rel.from.table, rel.from.column, rel.to.table, rel.to.column].join('\u0000');
}

function round3(x: number): number {
  return Math.round(Math.max(0, Math.min(1, x)) * 1000) / 1000;
}

