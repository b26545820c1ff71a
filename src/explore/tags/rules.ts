/**
 * Quality rules learned by exploration, for silver to check on every snapshot: what the data looked
 * like when it was explored (a key that is never empty, numbers in a range, a closed set of
 * categories, e-mail addresses, values found in a related table). Every rule starts as `warn` but a
 * key's `not_null`, which quarantines the row; a person changes actions in `autolab tags edit`.
 */
import type { QualityRule, RuleCheck } from '../../lake/index.js';
import type { ColumnProfile, Relationship, TableProfile } from '../profile-types.js';

/** a closed set of categories is proposed up to this many values */
const MAX_CATEGORIES = 30;

function rule(table: string, column: string, check: RuleCheck, action: QualityRule['action'], reason: string): QualityRule {
  return { id: `${table}.${column}:${check.kind}`, table, column, check, action, reason };
}

function isKey(profile: TableProfile, column: ColumnProfile): boolean {
  return profile.candidateKeys.some((k) => k.columns.length === 1 && k.columns[0] === column.name && k.unique && k.confidence >= 0.5);
}

function columnRules(profile: TableProfile, column: ColumnProfile): QualityRule[] {
  const out: QualityRule[] = [];
  const table = profile.name;
  if (isKey(profile, column)) {
    out.push(rule(table, column.name, { kind: 'not_null' }, 'quarantine', 'a key: a row without one cannot be joined or deduplicated'));
    out.push(rule(table, column.name, { kind: 'unique' }, 'warn', 'a key: every value was unique when explored'));
    return out;
  }
  const numeric = column.numeric;
  if (column.semanticType === 'numeric' && numeric && numeric.min !== null && numeric.max !== null) {
    out.push(rule(table, column.name, { kind: 'range', min: numeric.min, max: numeric.max }, 'warn', `values were between ${numeric.min} and ${numeric.max} when explored`));
  }
  const present = column.count - column.missing;
  const listed = column.topValues.reduce((sum, v) => sum + (v.value === null ? 0 : v.count), 0);
  // (a boolean column is cast by silver: its type check covers it)
  if (column.semanticType === 'categorical' && column.distinct <= MAX_CATEGORIES && !column.topValuesFromSample && listed === present) {
    // as silver compares them: trimmed, placeholders being no value
    const values = new Set(column.topValues.filter((v) => v.value !== null && !column.placeholders.some((p) => p.value === v.value)).map((v) => v.value!.trim()));
    if (values.size > 0) out.push(rule(table, column.name, { kind: 'one_of', values: [...values].sort() }, 'warn', `${values.size} categories when explored`));
  }
  if (profile.pii.some((p) => p.column === column.name && p.kind === 'email')) {
    out.push(rule(table, column.name, { kind: 'format', format: 'email' }, 'warn', 'e-mail addresses'));
  }
  return out;
}

export function suggestRules(profiles: readonly TableProfile[], relationships: readonly Relationship[]): QualityRule[] {
  const rules = profiles.flatMap((p) => p.columns.flatMap((c) => columnRules(p, c)));
  for (const rel of relationships) {
    rules.push(
      rule(rel.from.table, rel.from.column, { kind: 'references', table: rel.to.table, column: rel.to.column }, 'warn', `refers to ${rel.to.table}.${rel.to.column}`),
    );
  }
  return rules;
}

/**
 * Fresh rules with a person's edits kept: a rule already there (same id) stays as it was — range
 * and categories as first learned, so that a new snapshot is checked against them —, new ones are
 * added, and rules on columns that are gone disappear.
 */
export function mergeRules(previous: readonly QualityRule[] | undefined, fresh: readonly QualityRule[], columns: ReadonlySet<string>): QualityRule[] {
  const kept = new Map((previous ?? []).map((r) => [r.id, r]));
  const out = fresh.map((r) => kept.get(r.id) ?? r);
  const ids = new Set(out.map((r) => r.id));
  // rules written by hand are not proposed again but stay while their column exists
  for (const r of previous ?? []) if (!ids.has(r.id) && columns.has(`${r.table}\u0000${r.column}`)) out.push(r);
  return out;
}
