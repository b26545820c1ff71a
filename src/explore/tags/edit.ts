/**
 * Changes to a tag set: pure functions from one TagSet to the next, each with a readable summary
 * of what changed (it goes into the catalog beside the new version).
 */
import { createHash } from 'node:crypto';
import { InputError, UsageError } from '../../common/index.js';
import { PII_KINDS, SEMANTIC_TYPES } from '../profile-types.js';
import type { ColumnRef, RelationshipCardinality } from '../profile-types.js';
import { COLUMN_ROLES, PII_POLICIES } from './types.js';
import type { ColumnRole, ColumnTag, ColumnTagValues, KnownAt, RelationshipStatus, RelationshipTag, TagSet, TargetExpression } from './types.js';
import { relKey } from './suggest.js';

export interface TagChange {
  readonly tags: TagSet;
  /** readable summary; empty when nothing changed */
  readonly changes: readonly string[];
}

/** Find a column by `TABLE.COLUMN`, trying every dot so that names with dots still resolve. */
export function resolveColumn(tags: TagSet, ref: string): ColumnTag {
  for (let i = ref.indexOf('.'); i > 0; i = ref.indexOf('.', i + 1)) {
    const table = ref.slice(0, i);
    const column = ref.slice(i + 1);
    const hit = tags.columns.find((c) => c.table === table && c.column === column);
    if (hit) return hit;
  }
  const tables = [...new Set(tags.columns.map((c) => c.table))];
  throw new InputError(
    `no column ${ref} in the explored tables (${tables.join(', ') || 'none'})`,
    'write TABLE.COLUMN as `autolab tags show` lists it',
  );
}

/** `role=id pii=email policy=mask type=categorical description="…"` → values. */
export function parseColumnAssignments(assignments: readonly string[]): ColumnTagValues {
  const out: { -readonly [K in keyof ColumnTagValues]: ColumnTagValues[K] } = {};
  for (const assignment of assignments) {
    const eq = assignment.indexOf('=');
    if (eq <= 0) throw new UsageError(`cannot read ${JSON.stringify(assignment)}`, 'write KEY=VALUE, e.g. role=id');
    const key = assignment.slice(0, eq).trim().toLowerCase();
    const value = assignment.slice(eq + 1).trim();
    switch (key) {
      case 'role':
        out.role = oneOf(value, COLUMN_ROLES, 'role');
        break;
      case 'type':
      case 'semantic':
      case 'semantictype':
        out.semanticType = oneOf(value, SEMANTIC_TYPES, 'type');
        break;
      case 'pii':
      case 'piikind':
        out.piiKind = isNone(value) ? null : oneOf(value, PII_KINDS, 'pii');
        if (out.piiKind === null && out.piiPolicy === undefined) out.piiPolicy = null;
        break;
      case 'policy':
      case 'piipolicy':
        out.piiPolicy = isNone(value) ? null : oneOf(value, PII_POLICIES, 'policy');
        break;
      case 'description':
      case 'desc':
        out.description = value === '' ? null : value;
        break;
      default:
        throw new UsageError(`unknown tag ${JSON.stringify(key)}`, 'use role, type, pii, policy or description');
    }
  }
  return out;
}

/** `status=confirmed cardinality=one-to-many` for a relationship. */
export function parseRelationshipAssignments(assignments: readonly string[]): {
  status?: RelationshipStatus;
  cardinality?: RelationshipCardinality;
} {
  const out: { status?: RelationshipStatus; cardinality?: RelationshipCardinality } = {};
  for (const assignment of assignments) {
    const [rawKey, ...rest] = assignment.split('=');
    const key = (rawKey ?? '').trim().toLowerCase();
    const value = rest.join('=').trim();
    if (rest.length === 0 && (key === 'confirmed' || key === 'rejected')) out.status = key;
    else if (key === 'status') out.status = oneOf(value, ['confirmed', 'rejected', 'suggested'] as const, 'status');
    else if (key === 'cardinality') out.cardinality = oneOf(value, ['one-to-one', 'one-to-many'] as const, 'cardinality');
    else throw new UsageError(`unknown relationship tag ${JSON.stringify(assignment)}`, 'use status=confirmed|rejected and cardinality=one-to-one|one-to-many');
  }
  return out;
}

/** Set fields of one column. A new target demotes the previous target of the project to feature. */
export function setColumnTags(tags: TagSet, ref: string, values: ColumnTagValues): TagChange {
  const target = resolveColumn(tags, ref);
  const changes: string[] = [];
  const columns = tags.columns.map((c) => {
    if (c === target) {
      const confirmed = { ...c.confirmed };
      for (const [field, value] of Object.entries(values) as [keyof ColumnTagValues, unknown][]) {
        if (value === undefined) continue;
        if (confirmed[field] !== value) changes.push(`${c.table}.${c.column} ${field}=${value === null ? 'none' : String(value)}`);
        (confirmed as Record<string, unknown>)[field] = value;
      }
      return { ...c, confirmed };
    }
    if (values.role === 'target' && c.confirmed.role === 'target') {
      changes.push(`${c.table}.${c.column} role=feature (was the target)`);
      return { ...c, confirmed: { ...c.confirmed, role: 'feature' as ColumnRole } };
    }
    return c;
  });
  if (values.role === 'target' && tags.targetExpression) {
    const { targetExpression, ...rest } = tags;
    changes.push(`${targetExpression.table}.${targetExpression.name} (expression) is no longer the target`);
    return { tags: { ...rest, columns }, changes };
  }
  return { tags: { ...tags, columns }, changes };
}

/**
 * Confirm a target defined by an expression (already checked against the table's columns). A
 * column that was the target becomes a feature; `time`, when given, is tagged as the table's time.
 */
export function setTargetExpression(tags: TagSet, target: TargetExpression, time?: string): TagChange {
  const changes: string[] = [];
  const clash = tags.columns.find((c) => c.table === target.table && c.column === target.name);
  if (clash) throw new InputError(`${target.table}.${target.name} is already a column of ${target.table}`, 'name the expression target differently, e.g. is_late');
  if (!tags.columns.some((c) => c.table === target.table)) throw new InputError(`no table ${target.table} among the explored tables`, 'write TABLE.NAME with a table `autolab tags show` lists');
  let timeColumn: ColumnTag | undefined;
  if (time !== undefined) {
    timeColumn = tags.columns.find((c) => c.table === target.table && c.column === time);
    if (!timeColumn) throw new InputError(`no column ${time} in table ${target.table} for the cut-off time`, `name one of ${target.table}'s columns`);
  }
  const columns = tags.columns.map((c) => {
    if (c === timeColumn && c.confirmed.role !== 'time') {
      changes.push(`${c.table}.${c.column} role=time`);
      return { ...c, confirmed: { ...c.confirmed, role: 'time' as ColumnRole } };
    }
    if (c.confirmed.role === 'target') {
      changes.push(`${c.table}.${c.column} role=feature (was the target)`);
      return { ...c, confirmed: { ...c.confirmed, role: 'feature' as ColumnRole } };
    }
    return c;
  });
  const before = tags.targetExpression;
  if (!before || before.table !== target.table || before.name !== target.name || before.expression !== target.expression) {
    changes.push(`${target.table}.${target.name} role=target expr=${JSON.stringify(target.expression)}`);
  }
  return { tags: { ...tags, columns, targetExpression: { ...target, reads: [...target.reads].sort() } }, changes };
}

/** Say when the rows of `time.table` became known (an expression already checked); `time` is that table's time column, tagged so. */
export function setKnownAt(tags: TagSet, knownAt: KnownAt, time: string): TagChange {
  const timeColumn = tags.columns.find((c) => c.table === knownAt.table && c.column === time);
  if (!timeColumn) throw new InputError(`no column ${time} in table ${knownAt.table}`, 'name the table\'s time column: TABLE.COLUMN');
  const changes: string[] = [];
  const columns = tags.columns.map((c) => {
    if (c !== timeColumn || c.confirmed.role === 'time') return c;
    changes.push(`${c.table}.${c.column} role=time`);
    return { ...c, confirmed: { ...c.confirmed, role: 'time' as ColumnRole } };
  });
  const others = (tags.knownAt ?? []).filter((k) => k.table !== knownAt.table);
  const before = (tags.knownAt ?? []).find((k) => k.table === knownAt.table);
  if (before?.expression !== knownAt.expression) changes.push(`${knownAt.table} known at ${JSON.stringify(knownAt.expression)}`);
  const knownAtList = [...others, { ...knownAt, reads: [...knownAt.reads].sort() }].sort((a, b) => cmp(a.table, b.table));
  return { tags: { ...tags, columns, knownAt: knownAtList }, changes };
}

/** Whether a target is confirmed: a column, or an expression. */
export function hasConfirmedTarget(tags: TagSet): boolean {
  return tags.targetExpression !== undefined || tags.columns.some((c) => c.confirmed.role === 'target');
}

/** `orders.customer_id->customers.id` (also `=>` or a space around the arrow). */
export function parseRelationshipRef(tags: TagSet, ref: string): { from: ColumnRef; to: ColumnRef } {
  const parts = ref.split(/\s*(?:->|=>)\s*/);
  if (parts.length !== 2 || !parts[0] || !parts[1]) {
    throw new UsageError(`cannot read relationship ${JSON.stringify(ref)}`, 'write FROM_TABLE.COLUMN->TO_TABLE.COLUMN');
  }
  const from = resolveColumn(tags, parts[0]);
  const to = resolveColumn(tags, parts[1]);
  return { from: { table: from.table, column: from.column }, to: { table: to.table, column: to.column } };
}

/** Confirm, reject or re-open a relationship; one a person names that was not suggested is added. */
export function setRelationshipTag(
  tags: TagSet,
  rel: { from: ColumnRef; to: ColumnRef },
  values: { status?: RelationshipStatus; cardinality?: RelationshipCardinality },
): TagChange {
  const key = relKey(rel);
  const label = `${rel.from.table}.${rel.from.column}->${rel.to.table}.${rel.to.column}`;
  const existing = tags.relationships.find((r) => relKey(r) === key);
  const base: RelationshipTag = existing ?? {
    from: rel.from,
    to: rel.to,
    suggestedCardinality: values.cardinality ?? 'one-to-many',
    confidence: 0,
    reason: 'added by hand',
    status: 'suggested',
    cardinality: null,
  };
  const status = values.status ?? (values.cardinality ? 'confirmed' : base.status);
  const cardinality = status === 'confirmed' ? (values.cardinality ?? base.cardinality ?? base.suggestedCardinality) : null;
  const next: RelationshipTag = { ...base, status, cardinality };
  const changes = base.status !== next.status || base.cardinality !== next.cardinality || !existing
    ? [`${label} ${status}${cardinality ? ` ${cardinality}` : ''}`]
    : [];
  const relationships = existing ? tags.relationships.map((r) => (r === existing ? next : r)) : [...tags.relationships, next];
  return { tags: { ...tags, relationships }, changes };
}

/**
 * Confirm every open suggestion whose confidence reaches `minConfidence`. Fields already
 * confirmed are left alone. Only one target is ever accepted: the most confident one, and only
 * while no target is confirmed.
 */
export function acceptSuggestions(tags: TagSet, minConfidence: number): TagChange {
  const changes: string[] = [];
  const hasTarget = hasConfirmedTarget(tags);
  const targetCandidates = tags.columns
    .filter((c) => c.suggestion.role.value === 'target' && c.suggestion.role.confidence >= minConfidence)
    .sort((a, b) => b.suggestion.role.confidence - a.suggestion.role.confidence);
  const acceptedTarget = hasTarget ? undefined : targetCandidates[0];
  const columns = tags.columns.map((c) => {
    const confirmed: Record<string, unknown> = { ...c.confirmed };
    const s = c.suggestion;
    const take = (field: keyof ColumnTagValues, suggestion: { value: unknown; confidence: number }): void => {
      if (confirmed[field] !== undefined || suggestion.confidence < minConfidence) return;
      confirmed[field] = suggestion.value;
      changes.push(`${c.table}.${c.column} ${field}=${suggestion.value === null ? 'none' : String(suggestion.value)}`);
    };
    if (s.role.value !== 'target' || c === acceptedTarget) take('role', s.role);
    take('semanticType', s.semanticType);
    take('piiKind', s.piiKind);
    if (confirmed['piiKind'] !== undefined) take('piiPolicy', s.piiPolicy);
    return { ...c, confirmed: confirmed as ColumnTagValues };
  });
  const relationships = tags.relationships.map((r) => {
    if (r.status !== 'suggested' || r.confidence < minConfidence) return r;
    changes.push(`${r.from.table}.${r.from.column}->${r.to.table}.${r.to.column} confirmed ${r.suggestedCardinality}`);
    return { ...r, status: 'confirmed' as const, cardinality: r.suggestedCardinality };
  });
  return { tags: { ...tags, columns, relationships }, changes };
}

/** The confirmed target column, if any. */
export function confirmedTarget(tags: TagSet): ColumnTag | undefined {
  return tags.columns.find((c) => c.confirmed.role === 'target');
}

/** How many fields and relationships still wait on a person. */
export function openTagCount(tags: TagSet): { columns: number; relationships: number } {
  let columns = 0;
  for (const c of tags.columns) if (c.confirmed.role === undefined) columns++;
  const relationships = tags.relationships.filter((r) => r.status === 'suggested').length;
  return { columns, relationships };
}

/**
 * sha256 of the confirmed tags only, in a canonical order: a new suggestion does not change it,
 * a person's decision does — so downstream actions key on exactly what was decided.
 */
export function confirmedTagsHash(tags: TagSet): string {
  const columns = tags.columns
    .filter((c) => Object.keys(c.confirmed).length > 0)
    .map((c) => [c.table, c.column, sortedEntries(c.confirmed)] as const)
    .sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
  const relationships = tags.relationships
    .filter((r) => r.status !== 'suggested')
    .map((r) => [relKey(r), r.status, r.cardinality] as const)
    .sort((a, b) => cmp(a[0], b[0]));
  // absent when there is none, so that the hash of tags made before expression targets is unchanged
  const expression = tags.targetExpression ? { targetExpression: [tags.targetExpression.table, tags.targetExpression.name, tags.targetExpression.expression] } : {};
  const knownAt = tags.knownAt && tags.knownAt.length > 0 ? { knownAt: tags.knownAt.map((k) => [k.table, k.expression]) } : {};
  return createHash('sha256').update(JSON.stringify({ columns, relationships, ...expression, ...knownAt })).digest('hex');
}

function sortedEntries(values: ColumnTagValues): [string, unknown][] {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .sort((a, b) => cmp(a[0], b[0]));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isNone(value: string): boolean {
  return value === '' || value === 'none' || value === 'null' || value === '-';
}

function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  const v = value.toLowerCase() as T;
  if (allowed.includes(v)) return v;
  throw new UsageError(`${what} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`, `pick one of them`);
}

