import type { ColumnTag, ColumnTagValues, RelationshipTag, TagVersion, TargetExpression } from './types.js';

/**
 * The tags as a person reviews them (`autolab tags show` and its `--json`): every column with the
 * value in force for each field (confirmed, else suggested), which fields are still open, and the
 * lowest confidence among the open suggestions — the figure `tags accept` compares.
 */
export interface TagsColumnView {
  readonly table: string;
  readonly column: string;
  readonly role: string;
  readonly type: string;
  readonly pii: string | null;
  readonly policy: string | null;
  readonly description: string | null;
  /** fields a person has not confirmed yet */
  readonly open: readonly ('role' | 'type' | 'pii' | 'policy')[];
  /** lowest confidence among the open fields' suggestions; null when nothing is open */
  readonly confidence: number | null;
  readonly state: 'confirmed' | 'suggested' | 'partly confirmed';
  /** why the role was suggested */
  readonly reason: string;
}

export interface TagsRelationshipView {
  readonly from: string;
  readonly to: string;
  readonly cardinality: string;
  readonly confidence: number;
  readonly state: RelationshipTag['status'];
  readonly reason: string;
}

export interface TagsView {
  readonly project: string;
  readonly version: number;
  readonly author: string;
  readonly changedAt: string;
  readonly totalColumns: number;
  readonly openColumns: number;
  readonly openRelationships: number;
  readonly openOnly: boolean;
  readonly columns: readonly TagsColumnView[];
  readonly relationships: readonly TagsRelationshipView[];
  /** whether round 2 matches these tags */
  readonly round2: 'no target' | 'current' | 'stale';
  /** the confirmed target when it is an expression */
  readonly targetExpression: TargetExpression | null;
}

export function tagsView(
  project: string,
  current: TagVersion,
  round2: TagsView['round2'],
  filter: { openOnly: boolean; table?: string },
): TagsView {
  const all = current.tags.columns.map(columnView);
  const rels = current.tags.relationships.map(relationshipView);
  const columns = all.filter((c) => (!filter.openOnly || c.open.length > 0) && (filter.table === undefined || c.table === filter.table));
  const relationships = rels.filter(
    (r) => (!filter.openOnly || r.state === 'suggested') && (filter.table === undefined || r.from.startsWith(`${filter.table}.`) || r.to.startsWith(`${filter.table}.`)),
  );
  return {
    project,
    version: current.version,
    author: current.author,
    changedAt: current.createdAt,
    totalColumns: all.length,
    openColumns: all.filter((c) => c.open.length > 0).length,
    openRelationships: rels.filter((r) => r.state === 'suggested').length,
    openOnly: filter.openOnly,
    columns,
    relationships,
    round2,
    targetExpression: current.tags.targetExpression ?? null,
  };
}

export function columnView(c: ColumnTag): TagsColumnView {
  const v: ColumnTagValues = c.confirmed;
  const s = c.suggestion;
  const pii = v.piiKind !== undefined ? v.piiKind : s.piiKind.value;
  const open: TagsColumnView['open'][number][] = [];
  const confidences: number[] = [];
  const check = (field: TagsColumnView['open'][number], decided: boolean, confidence: number) => {
    if (decided) return;
    open.push(field);
    confidences.push(confidence);
  };
  check('role', v.role !== undefined, s.role.confidence);
  check('type', v.semanticType !== undefined, s.semanticType.confidence);
  check('pii', v.piiKind !== undefined, s.piiKind.confidence);
  // a policy matters only for personal data
  check('policy', pii === null || v.piiPolicy !== undefined, s.piiPolicy.confidence);
  const decided = Object.values(v).some((x) => x !== undefined);
  return {
    table: c.table,
    column: c.column,
    role: v.role ?? s.role.value,
    type: v.semanticType ?? s.semanticType.value,
    pii,
    policy: pii === null ? null : v.piiPolicy !== undefined ? v.piiPolicy : s.piiPolicy.value,
    description: v.description ?? null,
    open,
    confidence: confidences.length ? Math.min(...confidences) : null,
    state: open.length === 0 ? 'confirmed' : decided ? 'partly confirmed' : 'suggested',
    reason: s.role.reason,
  };
}

function relationshipView(r: RelationshipTag): TagsRelationshipView {
  return {
    from: `${r.from.table}.${r.from.column}`,
    to: `${r.to.table}.${r.to.column}`,
    cardinality: r.cardinality ?? r.suggestedCardinality,
    confidence: r.confidence,
    state: r.status,
    reason: r.reason,
  };
}
