/**
 * Candidate relationships across the tables of a project: a column (the foreign key) whose values
 * are found among the values of another table's key. Pairs are pruned on the profiles (types,
 * ranges, distinct counts), then value inclusion is measured in SQL — exactly on small columns,
 * on a hashed sketch (the same hash-selected slice of values on both sides) on large ones — and
 * scored with key uniqueness, name similarity and how specific the values are.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { ColumnProfile, Relationship, RelationshipInput, TableProfile } from './profile-types.js';
import { physicalKind, type PhysicalKind } from './types/index.js';
import { coreTokens, nameSimilarity, tableMatchesColumn } from './relationships-names.js';
import { ParamBinder, parquetRelation, queryRows, quoteIdent, tableRelation, toCount, type Relation } from './sql.js';
import { percent } from './percent.js';

export interface RelationshipOptions {
  /** columns with more distinct values than this are compared on a hashed sketch. Default 200,000 */
  readonly sketchThreshold?: number;
  /** values kept in a sketch (roughly). Default 50,000 */
  readonly sketchSize?: number;
  /** minimum score reported. Default 0.6 */
  readonly minScore?: number;
}

type Family = 'integer' | 'string';

interface Side {
  readonly table: number;
  readonly tableName: string;
  readonly column: ColumnProfile;
  readonly family: Family;
  readonly rows: number;
}

interface Candidate {
  readonly from: Side;
  readonly to: Side;
  readonly nameSimilarity: number;
  readonly sketched: boolean;
}

const HASH_BUCKETS = 4096;

/** Name likeness below this (shared letters) counts as none. */
const WEAK_NAME_LIKENESS = 0.5;

export async function findRelationships(
  conn: DuckDBConnection,
  tables: readonly RelationshipInput[],
  options: RelationshipOptions = {},
): Promise<Relationship[]> {
  const sketchThreshold = options.sketchThreshold ?? 200_000;
  const sketchSize = options.sketchSize ?? 50_000;
  const minScore = options.minScore ?? 0.6;
  const relations = tables.map((t, i) =>
    t.parquetPath !== undefined ? parquetRelation(t.parquetPath, `rel_path_${i}`) : tableRelation(t.tableName ?? t.name),
  );
  const keys = tables.flatMap((t, i) => keyColumns(t.profile).map((c) => side(i, t, c)).filter((s): s is Side => s !== null));
  const foreign = tables.flatMap((t, i) => t.profile.columns.filter(foreignKeyEligible).map((c) => side(i, t, c)).filter((s): s is Side => s !== null));
  const candidates: Candidate[] = [];
  for (const from of foreign) {
    for (const to of keys) {
      if (from.table === to.table && from.column.name === to.column.name) continue;
      if (!compatible(from, to)) continue;
      const similarity = nameSimilarity(from.column.name, to.tableName, to.column.name, from.table === to.table);
      // `score` turns down whole numbers without a name match whatever their inclusion: not
      // measured (a wide table has thousands of integer columns against every integer key)
      if (from.family === 'integer' && similarity < WEAK_NAME_LIKENESS) continue;
      const sketched = Math.max(from.column.distinct, to.column.distinct) > sketchThreshold;
      candidates.push({ from, to, nameSimilarity: similarity, sketched });
    }
  }
  const inclusions = await measureInclusions(conn, relations, candidates, sketchSize);
  const scored: Relationship[] = [];
  candidates.forEach((c, i) => {
    const r = score(c, inclusions[i] ?? 0);
    if (r && r.score >= minScore) scored.push(r);
  });
  return bestPerForeignKey(scored);
}

/** Columns that can be referred to: present, distinct, and not a measure, flag or date. */
function keyColumns(profile: TableProfile): ColumnProfile[] {
  return profile.columns.filter(
    (c) =>
      c.unique &&
      c.missing === 0 &&
      c.distinct === profile.rows &&
      c.distinct >= 2 &&
      !['boolean', 'constant', 'empty', 'datetime'].includes(c.semanticType) &&
      !(c.numeric && !c.numeric.integral),
  );
}

function foreignKeyEligible(c: ColumnProfile): boolean {
  if (['boolean', 'constant', 'empty', 'datetime', 'text'].includes(c.semanticType)) return false;
  if (c.numeric && !c.numeric.integral) return false;
  return c.distinct >= 2 && c.count - c.missing > 0;
}

function side(table: number, input: RelationshipInput, column: ColumnProfile): Side | null {
  const family = valueFamily(physicalKind(column.physicalType), column);
  if (family === null) return null;
  return { table, tableName: input.name, column, family, rows: input.profile.rows };
}

function valueFamily(kind: PhysicalKind, column: ColumnProfile): Family | null {
  if (kind === 'integer' || (kind === 'decimal' && column.numeric?.integral)) return 'integer';
  if (kind === 'string') return column.numeric?.integral && column.strings?.numericShare === 1 ? 'integer' : 'string';
  return null;
}

function compatible(from: Side, to: Side): boolean {
  if (from.family !== to.family) return false;
  // a foreign key has no more distinct values than its key (a little slack for estimates)
  if (from.column.distinct > to.column.distinct * 1.05 + 1) return false;
  const a = from.column.numeric;
  const b = to.column.numeric;
  if (a && b && a.min !== null && a.max !== null && b.min !== null && b.max !== null) {
    if (a.max < b.min || a.min > b.max) return false;
  }
  const sa = from.column.strings;
  const sb = to.column.strings;
  if (sa && sb && sa.minLength !== null && sa.maxLength !== null && sb.minLength !== null && sb.maxLength !== null) {
    if (sa.maxLength < sb.minLength || sa.minLength > sb.maxLength) return false;
  }
  // a column named just "id" is its own table's key, not a reference
  return coreTokens(from.column.name).length > 0 || from.column.semanticType !== 'identifier' || !from.column.unique;
}

/** Share of the foreign key's distinct values found among the key's values, one statement per 40 pairs. */
async function measureInclusions(
  conn: DuckDBConnection,
  relations: readonly Relation[],
  candidates: readonly Candidate[],
  sketchSize: number,
): Promise<number[]> {
  const out: number[] = new Array<number>(candidates.length).fill(0);
  const chunk = 40;
  for (let start = 0; start < candidates.length; start += chunk) {
    const part = candidates.slice(start, start + chunk);
    const params = Object.assign({}, ...relations.map((r) => r.params)) as Relation['params'];
    const binder = new ParamBinder(params);
    const branches = part.map((c, i) => {
      const fromRel = relations[c.from.table]!;
      const toRel = relations[c.to.table]!;
      const norm = (col: string) => (c.from.family === 'integer' ? `TRY_CAST(${quoteIdent(col)} AS BIGINT)` : `${quoteIdent(col)}::VARCHAR`);
      let cut = '';
      if (c.sketched) {
        const largest = Math.max(c.from.column.distinct, c.to.column.distinct, 1);
        cut = binder.bind(Math.max(1, Math.ceil((HASH_BUCKETS * sketchSize) / largest)));
      }
      // both sides keep the same hash-selected slice of values, so inclusion on the slices estimates the whole
      const values = (col: string, rel: Relation) => {
        const v = norm(col);
        const sketch = cut === '' ? '' : ` AND hash(${v}) % ${HASH_BUCKETS} < ${cut}`;
        return `SELECT DISTINCT ${v} AS v FROM ${rel.from} WHERE ${v} IS NOT NULL${sketch}`;
      };
      return `(SELECT ${binder.bind(start + i)}::INTEGER AS pair, count(*) AS n, count(k.v) AS found
  FROM (${values(c.from.column.name, fromRel)}) a
  LEFT JOIN (${values(c.to.column.name, toRel)}) k ON a.v = k.v)`;
    });
    const rows = await queryRows(conn, branches.join('\nUNION ALL\n'), binder.params);
    for (const row of rows) {
      const n = toCount(row[1]);
      out[toCount(row[0])] = n > 0 ? toCount(row[2]) / n : 0;
    }
  }
  return out;
}

function score(c: Candidate, inclusion: number): Relationship | null {
  // weak name likeness (shared letters) is noise, not evidence
  const similar = c.nameSimilarity >= WEAK_NAME_LIKENESS ? c.nameSimilarity : 0;
  if (inclusion < (similar >= 0.8 ? 0.8 : 0.95)) return null;
  // whole numbers coincide by chance (every small count fits in an id range): they need a name
  if (c.from.family === 'integer' && similar === 0) return null;
  const inclusionTerm = Math.min(1, Math.max(0, (inclusion - 0.5) / 0.5)) ** 2;
  // values that rarely coincide by chance: many distinct strings, or many distinct integers
  const d = Math.max(1, c.from.column.distinct);
  const specificity = c.from.family === 'string' ? Math.min(1, Math.log10(d + 1) / 1.5) : Math.min(1, Math.log10(d + 1) / 3);
  const home = tableMatchesColumn(c.to.tableName, c.to.column.name) ? 0.05 : 0;
  const value = inclusionTerm * (0.4 + 0.4 * similar + 0.2 * specificity + home);
  const reasons = [`${percent(inclusion)} of ${c.from.column.name}'s values found in ${c.to.tableName}.${c.to.column.name}${c.sketched ? ' (hashed sketch)' : ''}`];
  reasons.push(`${c.to.column.name} is unique in ${c.to.tableName}`);
  if (similar >= 0.5) reasons.push(`names match (${similar.toFixed(2)})`);
  const oneToOne = c.from.column.unique && c.from.column.missing === 0;
  return {
    from: { table: c.from.tableName, column: c.from.column.name },
    to: { table: c.to.tableName, column: c.to.column.name },
    score: Math.round(Math.min(1, value) * 100) / 100,
    inclusion: Math.round(inclusion * 10000) / 10000,
    inclusionEstimated: c.sketched,
    cardinality: oneToOne ? 'one-to-one' : 'one-to-many',
    nameSimilarity: similar,
    toUniqueness: c.to.rows > 0 ? c.to.column.distinct / c.to.rows : 0,
    reasons,
  };
}

/** A foreign key refers to one key: keep each column's best target, and one direction of a mutual pair. */
function bestPerForeignKey(relationships: readonly Relationship[]): Relationship[] {
  const best = new Map<string, Relationship>();
  const id = (t: string, c: string) => `${t}\u0000${c}`;
  for (const r of relationships) {
    const key = id(r.from.table, r.from.column);
    const prior = best.get(key);
    if (!prior || r.score > prior.score || (r.score === prior.score && r.nameSimilarity > prior.nameSimilarity)) best.set(key, r);
  }
  const kept = [...best.values()];
  return kept
    .filter((r) => {
      const reverse = kept.find((o) => o.from.table === r.to.table && o.from.column === r.to.column && o.to.table === r.from.table && o.to.column === r.from.column);
      return !reverse || r.score > reverse.score || (r.score === reverse.score && r.from.table > reverse.from.table);
    })
    .sort((a, b) => b.score - a.score);
}

