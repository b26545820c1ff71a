/**
 * The metadata tags a person confirms after exploration round 1 (human moment 2). Plain JSON:
 * a tag set is stored whole, as one version, in the catalog; every change is a new version.
 */
import type { QualityRule } from '../../lake/index.js';
import type { ColumnRef, PiiKind, RelationshipCardinality, SemanticType } from '../profile-types.js';

export type ColumnRole = 'target' | 'id' | 'feature' | 'time' | 'group' | 'weight' | 'ignore';
export const COLUMN_ROLES: readonly ColumnRole[] = ['target', 'id', 'feature', 'time', 'group', 'weight', 'ignore'];

export type PiiPolicy = 'drop' | 'mask' | 'hash' | 'keep';
export const PII_POLICIES: readonly PiiPolicy[] = ['drop', 'mask', 'hash', 'keep'];

/** The tag fields of one column. `null` means "none" (e.g. not PII), absent means "not decided". */
export interface ColumnTagValues {
  readonly role?: ColumnRole;
  readonly semanticType?: SemanticType;
  readonly piiKind?: PiiKind | null;
  readonly piiPolicy?: PiiPolicy | null;
  readonly description?: string | null;
}

export type TagField = 'role' | 'semanticType' | 'piiKind' | 'piiPolicy' | 'description';
export const TAG_FIELDS: readonly TagField[] = ['role', 'semanticType', 'piiKind', 'piiPolicy', 'description'];

/** What exploration suggests for one field, with how sure it is and why. */
export interface FieldSuggestion<T> {
  readonly value: T;
  /** 0..1 */
  readonly confidence: number;
  readonly reason: string;
}

export interface ColumnSuggestion {
  readonly role: FieldSuggestion<ColumnRole>;
  readonly semanticType: FieldSuggestion<SemanticType>;
  /** null kind: no PII suspected */
  readonly piiKind: FieldSuggestion<PiiKind | null>;
  readonly piiPolicy: FieldSuggestion<PiiPolicy | null>;
}

export interface ColumnTag {
  readonly table: string;
  readonly column: string;
  readonly suggestion: ColumnSuggestion;
  /** what a person (or auto-accept) confirmed; fields absent are still open */
  readonly confirmed: ColumnTagValues;
}

export type RelationshipStatus = 'suggested' | 'confirmed' | 'rejected';

export interface RelationshipTag {
  readonly from: ColumnRef;
  readonly to: ColumnRef;
  readonly suggestedCardinality: RelationshipCardinality;
  /** 0..1, the relationship finder's score */
  readonly confidence: number;
  readonly reason: string;
  readonly status: RelationshipStatus;
  /** the confirmed cardinality (defaults to the suggestion when confirmed) */
  readonly cardinality: RelationshipCardinality | null;
}

/**
 * A target that is not a stored column but a DuckDB SQL expression over the target table's silver
 * columns (`delay > 15`). The columns it reads are never features: they would give the label away.
 */
export interface TargetExpression {
  readonly table: string;
  /** the label's column name in gold; not a column of the table */
  readonly name: string;
  /** the expression as the person wrote it (checked to be one expression, no subquery) */
  readonly expression: string;
  /** the target table's columns it reads, as DuckDB's parser found them */
  readonly reads: readonly string[];
}

/**
 * When a table's rows became known, when that is later than their time column says: a flight's
 * delay is known once it has left (`date + to_minutes(CAST(delay AS BIGINT))`), not at its
 * scheduled time. Gold's aggregates over the table then use only rows known strictly before a
 * target row's cut-off. A DuckDB SQL expression over the table's silver columns.
 */
export interface KnownAt {
  readonly table: string;
  readonly expression: string;
  readonly reads: readonly string[];
}

export interface TagSet {
  readonly columns: readonly ColumnTag[];
  readonly relationships: readonly RelationshipTag[];
  /** the confirmed target when it is an expression (then no column has role target) */
  readonly targetExpression?: TargetExpression;
  /** per table, when its rows became known (absent: at their time column's value) */
  readonly knownAt?: readonly KnownAt[];
  /** silver's quality rules, learned by exploration and edited by a person (absent in tags made before rules) */
  readonly rules?: readonly QualityRule[];
}

/** One stored version of a project's tags. */
export interface TagVersion {
  readonly projectId: number;
  readonly version: number;
  readonly tags: TagSet;
  /** sha256 of the confirmed tags only: what downstream stages key on */
  readonly confirmedHash: string;
  readonly author: string;
  readonly createdAt: string;
  /** a short, readable summary of the change */
  readonly change: string;
}

/** The confirmed, effective tags as later stages read them. */
export interface EffectiveColumnTags {
  readonly table: string;
  readonly column: string;
  readonly values: ColumnTagValues;
}
