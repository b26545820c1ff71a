/**
 * Candidate keys: single columns whose values are all present and distinct, and pairs of columns
 * that are unique together. Pairs are tried on the sample first (one statement), and only the
 * survivors are counted exactly over the full data in the second scan.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CandidateKey, SemanticType } from './profile-types.js';
import { hasIdName, type PhysicalKind } from './types/index.js';
import { SelectList } from './sql-select-list.js';
import { queryRows, quoteIdent, toCount, type Relation } from './sql.js';

export interface KeyColumnInfo {
  readonly name: string;
  readonly index: number;
  readonly semanticType: SemanticType;
  readonly kind: PhysicalKind;
  readonly missing: number;
  readonly distinct: number;
  /** exact distinct count of the non-missing values is known */
  readonly exact: boolean;
  readonly integral: boolean;
}

const NEVER_KEYS = new Set<SemanticType>(['boolean', 'constant', 'empty']);

/** Could this column be (part of) a key at all? */
export function keyEligible(column: KeyColumnInfo): boolean {
  if (column.missing > 0 || NEVER_KEYS.has(column.semanticType)) return false;
  if (column.kind === 'float' && !column.integral) return false;
  return column.kind !== 'other';
}

export function singleKey(column: KeyColumnInfo, rows: number): CandidateKey {
  const reasons = ['every value present and distinct'];
  let confidence = 0.55;
  if (hasIdName(column.name)) {
    confidence += 0.35;
    reasons.push('id name');
  }
  if (column.semanticType === 'identifier') {
    confidence += 0.05;
    reasons.push('identifier values');
  }
  if (column.semanticType === 'text' || column.semanticType === 'datetime' || column.semanticType === 'numeric') {
    confidence -= 0.25;
    reasons.push(`${column.semanticType} values are rarely keys`);
  }
  if (column.index === 0) {
    confidence += 0.05;
    reasons.push('first column');
  }
  return { columns: [column.name], unique: true, distinctShare: rows > 0 ? column.distinct / rows : 0, missing: 0, confidence: clamp(confidence), reasons };
}

export function pairKey(a: KeyColumnInfo, b: KeyColumnInfo): CandidateKey {
  const reasons = ['every pair of values present and distinct'];
  let confidence = 0.5;
  for (const c of [a, b]) {
    if (hasIdName(c.name)) {
      confidence += 0.15;
      reasons.push(`${c.name} has an id name`);
    }
    if (c.semanticType === 'numeric' || c.semanticType === 'text') confidence -= 0.15;
  }
  return { columns: [a.name, b.name], unique: true, distinctShare: 1, missing: 0, confidence: clamp(confidence), reasons };
}

/**
 * Pairs worth testing: both eligible, neither unique alone, and enough combinations to cover every
 * row. Columns with id names and many values come first; at most `maxColumns` enter.
 */
export function pairCandidates(columns: readonly KeyColumnInfo[], rows: number, uniqueNames: ReadonlySet<string>, maxColumns: number): [KeyColumnInfo, KeyColumnInfo][] {
  const pool = columns
    .filter((c) => keyEligible(c) && !uniqueNames.has(c.name) && c.distinct >= 2 && c.semanticType !== 'text')
    .sort((x, y) => Number(hasIdName(y.name)) - Number(hasIdName(x.name)) || y.distinct - x.distinct || x.index - y.index)
    .slice(0, maxColumns);
  const pairs: [KeyColumnInfo, KeyColumnInfo][] = [];
  for (let i = 0; i < pool.length; i++) {
    for (let j = i + 1; j < pool.length; j++) {
      const a = pool[i]!;
      const b = pool[j]!;
      if (a.distinct * b.distinct >= rows) pairs.push(a.index < b.index ? [a, b] : [b, a]);
    }
  }
  return pairs;
}

/** Which pairs are unique on the sample (one statement). */
export async function pairsUniqueOnSample(
  conn: DuckDBConnection,
  sample: Relation,
  sampleRows: number,
  pairs: readonly [KeyColumnInfo, KeyColumnInfo][],
): Promise<[KeyColumnInfo, KeyColumnInfo][]> {
  if (pairs.length === 0) return [];
  const list = new SelectList();
  for (const [a, b] of pairs) list.add(pairDistinctExpr(a.name, b.name));
  const row = (await queryRows(conn, `SELECT ${list.toSql()} FROM ${sample.from}`, sample.params))[0] ?? [];
  return pairs.filter((_, i) => toCount(row[i]) === sampleRows);
}

/** Exact count of distinct (a, b) combinations. */
export function pairDistinctExpr(a: string, b: string): string {
  return `count(DISTINCT row(${quoteIdent(a)}, ${quoteIdent(b)}))`;
}

/** Highest confidence first; at most `limit` keys. */
export function rankKeys(keys: readonly CandidateKey[], limit = 8): CandidateKey[] {
  return [...keys].sort((a, b) => b.confidence - a.confidence || a.columns.length - b.columns.length).slice(0, limit);
}

function clamp(x: number): number {
  return Math.round(Math.max(0, Math.min(1, x)) * 100) / 100;
}
