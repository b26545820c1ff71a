/**
 * The YAML a person edits in `autolab tags edit`: one block per table and column with the value
 * to confirm and, as a comment, the suggestion with its confidence. Parsing validates with zod and
 * reports every problem with the line it is on.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify } from 'yaml';
import type { Document, Node } from 'yaml';
import { z } from 'zod';
import { PII_KINDS, SEMANTIC_TYPES } from '../profile-types.js';
import type { SemanticType } from '../profile-types.js';
import { COLUMN_ROLES, PII_POLICIES } from './types.js';
import type { ColumnRole, ColumnTagValues, RelationshipTag, TagSet } from './types.js';
import { columnRefIn, relKey } from './suggest.js';
import { rulesFromYaml, rulesToYaml, ruleYamlSchema, RULES_HELP } from './rules-yaml.js';

export interface YamlProblem {
  /** 1-based line in the edited file */
  readonly line: number;
  readonly message: string;
}

export type TagsYamlResult =
  | { readonly ok: true; readonly tags: TagSet; readonly changes: readonly string[] }
  | { readonly ok: false; readonly problems: readonly YamlProblem[] };

const noneable = <T extends string>(values: readonly T[]) =>
  z.union([z.enum(values as [T, ...T[]]), z.literal('none'), z.null()]);

const columnSchema = z
  .object({
    role: z.enum(COLUMN_ROLES as [ColumnRole, ...ColumnRole[]]).optional(),
    type: z.enum(SEMANTIC_TYPES as [SemanticType, ...SemanticType[]]).optional(),
    pii: noneable(PII_KINDS).optional(),
    policy: noneable(PII_POLICIES).optional(),
    description: z.string().nullable().optional(),
  })
  .strict();

const relationshipSchema = z
  .object({
    from: z.string().regex(/\./, 'write TABLE.COLUMN'),
    to: z.string().regex(/\./, 'write TABLE.COLUMN'),
    status: z.enum(['suggested', 'confirmed', 'rejected']),
    cardinality: z.enum(['one-to-one', 'one-to-many']).nullable().optional(),
  })
  .strict();

const documentSchema = z
  .object({
    tables: z.record(z.string(), z.record(z.string(), columnSchema.nullable())),
    relationships: z.array(relationshipSchema).nullable().optional(),
    rules: z.array(ruleYamlSchema).nullable().optional(),
    target: z.object({ table: z.string().min(1), name: z.string().min(1), expr: z.string().min(1) }).strict().nullable().optional(),
    known_at: z.record(z.string(), z.string().min(1)).nullable().optional(),
  })
  .strict();

const HEADER = [
  ' autolab tags — saving confirms every value written below.',
  ' Delete a line to leave that tag open; a column or relationship left out keeps its tags.',
  ` role: ${COLUMN_ROLES.join(' | ')}`,
  ` type: ${SEMANTIC_TYPES.join(' | ')}`,
  ` pii: ${PII_KINDS.join(' | ')} | none      policy: ${PII_POLICIES.join(' | ')} | none`,
  ' relationship status: suggested | confirmed | rejected      cardinality: one-to-one | one-to-many',
  RULES_HELP,
  ' target: {table, name, expr} — a target defined by a DuckDB SQL expression over the table\'s columns',
  ' (e.g. expr: delay > 15); it replaces any column with role target. Tag the table\'s time column role: time.',
  ' known_at: {TABLE: SQL} — when a table\'s rows became known, if later than its time column (a flight\'s delay:',
  ' date + to_minutes(CAST(delay AS BIGINT))); the tables listed replace the ones before.',
  ' Save an unchanged file, or an empty one, to abort.',
].join('\n');

/** The tag set as YAML: confirmed values where decided, the suggestion elsewhere. */
export function tagsToYaml(tags: TagSet): string {
  const tables: Record<string, Record<string, Record<string, unknown>>> = {};
  const comments = new Map<string, string>();
  for (const c of tags.columns) {
    const s = c.suggestion;
    const v = c.confirmed;
    // with an expression target, a column suggested as the target is offered as a feature: saving confirms what is written
    const suggestedRole = tags.targetExpression && s.role.value === 'target' ? 'feature' : s.role.value;
    const entry: Record<string, unknown> = {
      role: v.role ?? suggestedRole,
      type: v.semanticType ?? s.semanticType.value,
      pii: orNone(v.piiKind !== undefined ? v.piiKind : s.piiKind.value),
      policy: orNone(v.piiPolicy !== undefined ? v.piiPolicy : s.piiPolicy.value),
    };
    if (v.description) entry['description'] = v.description;
    (tables[c.table] ??= {})[c.column] = entry;
    const open = (['role', 'semanticType', 'piiKind'] as const).filter((f) => v[f] === undefined);
    comments.set(
      `${c.table}\u0000${c.column}`,
      ` suggested ${fmt('role', s.role)}, ${fmt('type', s.semanticType)}, ${fmt('pii', s.piiKind)}` +
        (open.length > 0 ? ` — open: ${open.join(', ')}` : ' — confirmed'),
    );
  }
  const relationships = tags.relationships.map((r) => ({
    from: `${r.from.table}.${r.from.column}`,
    to: `${r.to.table}.${r.to.column}`,
    status: r.status,
    cardinality: r.cardinality ?? r.suggestedCardinality,
  }));
  const rules = rulesToYaml(tags.rules ?? []);
  const expression = tags.targetExpression;
  const target = expression ? { target: { table: expression.table, name: expression.name, expr: expression.expression } } : {};
  const known = tags.knownAt && tags.knownAt.length > 0 ? { known_at: Object.fromEntries(tags.knownAt.map((k) => [k.table, k.expression])) } : {};
  const doc = parseDocument(stringify({ tables, relationships, ...(rules.length > 0 ? { rules } : {}), ...target, ...known }, { lineWidth: 0 }));
  doc.commentBefore = HEADER;
  const tablesNode = doc.get('tables', true);
  if (isMap(tablesNode)) {
    for (const tablePair of tablesNode.items) {
      const table = String(isScalar(tablePair.key) ? tablePair.key.value : tablePair.key);
      if (!isMap(tablePair.value)) continue;
      for (const colPair of tablePair.value.items) {
        const column = String(isScalar(colPair.key) ? colPair.key.value : colPair.key);
        const comment = comments.get(`${table}\u0000${column}`);
        if (comment && isScalar(colPair.key)) colPair.key.commentBefore = comment;
      }
    }
  }
  const relNode = doc.get('relationships', true);
  if (isSeq(relNode)) {
    relNode.items.forEach((item, i) => {
      const r = tags.relationships[i];
      if (r && isMap(item)) {
        item.commentBefore = ` suggested ${r.suggestedCardinality} (${r.confidence.toFixed(2)}): ${r.reason}`;
      }
    });
  }
  const rulesNode = doc.get('rules', true);
  if (isSeq(rulesNode)) {
    rulesNode.items.forEach((item, i) => {
      const r = tags.rules?.[i];
      if (r && isMap(item)) item.commentBefore = ` ${r.reason}`;
    });
  }
  return doc.toString({ lineWidth: 0 });
}

/** Parse an edited file against the current tags; every problem names its line. */
export function parseTagsYaml(text: string, current: TagSet): TagsYamlResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const lineOf = (offset: number | undefined): number => (offset === undefined ? 1 : lineCounter.linePos(offset).line);
  const problems: YamlProblem[] = doc.errors.map((e) => ({
    line: e.linePos?.[0]?.line ?? lineOf(e.pos[0]),
    message: e.message.split('\n')[0] ?? e.message,
  }));
  if (problems.length > 0) return { ok: false, problems };

  const raw: unknown = doc.toJS();
  // names are checked even when the values are invalid, so that one save shows every problem
  problems.push(...unknownNames(doc, raw, current, lineOf));
  const parsed = documentSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const offset = locate(doc, path, keys[0]);
      const where = path.length > 0 ? path.join('.') : 'the file';
      problems.push({ line: lineOf(offset), message: `${where}: ${issue.message}` });
    }
    return { ok: false, problems: sortProblems(problems) };
  }

  const byRef = new Map(current.columns.map((c) => [`${c.table}\u0000${c.column}`, c]));
  const edited = new Map<string, ColumnTagValues>();
  for (const [table, columns] of Object.entries(parsed.data.tables)) {
    for (const [column, values] of Object.entries(columns)) {
      const ref = `${table}\u0000${column}`;
      if (!byRef.has(ref)) continue;
      const out: { -readonly [K in keyof ColumnTagValues]: ColumnTagValues[K] } = {};
      if (values?.role !== undefined) out.role = values.role;
      if (values?.type !== undefined) out.semanticType = values.type;
      if (values?.pii !== undefined) out.piiKind = values.pii === 'none' ? null : values.pii;
      if (values?.policy !== undefined) out.piiPolicy = values.policy === 'none' ? null : values.policy;
      if (values?.description !== undefined) out.description = values.description === '' ? null : values.description;
      if (out.piiKind && !out.piiPolicy) {
        problems.push({
          line: lineOf(locate(doc, ['tables', table, column], 'pii')),
          message: `${table}.${column}: personal data (${out.piiKind}) needs a policy: ${PII_POLICIES.join(', ')}`,
        });
      }
      edited.set(ref, out);
    }
  }
  const targets = [...edited.entries()].filter(([, v]) => v.role === 'target');
  const asked = parsed.data.target ?? undefined;
  let targetExpression = current.targetExpression;
  if (asked) {
    const same = targetExpression && targetExpression.table === asked.table && targetExpression.name === asked.name && targetExpression.expression === asked.expr;
    // reads are left for the lab to fill: only DuckDB can tell which columns an expression reads
    if (!same) targetExpression = { table: asked.table, name: asked.name, expression: asked.expr, reads: [] };
    if (!current.columns.some((c) => c.table === asked.table)) problems.push({ line: lineOf(locate(doc, ['target'], 'table')), message: `no table ${asked.table} among the explored tables` });
    else if (current.columns.some((c) => c.table === asked.table && c.column === asked.name)) problems.push({ line: lineOf(locate(doc, ['target'], 'name')), message: `${asked.table}.${asked.name} is already a column; name the expression target differently` });
    if (targets.length > 0) {
      const [table, column] = (targets[0]?.[0] ?? '').split('\u0000');
      problems.push({ line: lineOf(locate(doc, ['tables', table ?? '', column ?? ''], 'role')), message: `${table}.${column} has role target and so does the target expression; keep one` });
    }
  } else if (targets.length > 0) {
    targetExpression = undefined;
  }
  let knownAt = current.knownAt;
  const askedKnown = parsed.data.known_at ?? undefined;
  if (askedKnown) {
    // reads are left for the lab to fill, as for the target expression
    knownAt = Object.entries(askedKnown)
      .map(([table, expression]) => current.knownAt?.find((k) => k.table === table && k.expression === expression) ?? { table, expression, reads: [] })
      .sort((a, b) => (a.table < b.table ? -1 : a.table > b.table ? 1 : 0));
    for (const table of Object.keys(askedKnown)) {
      if (!current.columns.some((c) => c.table === table)) problems.push({ line: lineOf(locate(doc, ['known_at'], table)), message: `no table ${table} among the explored tables` });
    }
  }
  if (targets.length > 1) {
    const [, second] = targets;
    const [table, column] = (second?.[0] ?? '').split('\u0000');
    problems.push({
      line: lineOf(locate(doc, ['tables', table ?? '', column ?? ''], 'role')),
      message: `more than one column has role target (${targets.map(([k]) => k.replace('\u0000', '.')).join(', ')}); keep one`,
    });
  }

  const relationships = [...current.relationships];
  (parsed.data.relationships ?? []).forEach((r, i) => {
    const from = columnRefIn(r.from, current);
    const to = columnRefIn(r.to, current);
    if (!from || !to) {
      const bad = from ? 'to' : 'from';
      problems.push({ line: lineOf(locate(doc, ['relationships', i], bad)), message: `no column ${r[bad]} among the explored tables` });
      return;
    }
    const key = relKey({ from, to });
    const idx = relationships.findIndex((x) => relKey(x) === key);
    const base: RelationshipTag = relationships[idx] ?? {
      from,
      to,
      suggestedCardinality: r.cardinality ?? 'one-to-many',
      confidence: 0,
      reason: 'added by hand',
      status: 'suggested',
      cardinality: null,
    };
    const next: RelationshipTag = {
      ...base,
      status: r.status,
      cardinality: r.status === 'confirmed' ? (r.cardinality ?? base.suggestedCardinality) : null,
    };
    if (idx >= 0) relationships[idx] = next;
    else relationships.push(next);
  });
  const ruleEdit = rulesFromYaml(parsed.data.rules ?? [], current, (i, key) => lineOf(locate(doc, ['rules', i], key)));
  problems.push(...ruleEdit.problems);
  if (problems.length > 0) return { ok: false, problems: sortProblems(problems) };

  const changes: string[] = [...ruleEdit.changes];
  if (targetExpression !== current.targetExpression) changes.push(targetExpression ? `${targetExpression.table}.${targetExpression.name} role=target expr=${JSON.stringify(targetExpression.expression)}` : 'the target expression is no longer the target');
  const columns = current.columns.map((c) => {
    const next = edited.get(`${c.table}\u0000${c.column}`);
    if (!next) return c;
    if (JSON.stringify(sorted(next)) !== JSON.stringify(sorted(c.confirmed))) changes.push(`${c.table}.${c.column}`);
    return { ...c, confirmed: next };
  });
  relationships.forEach((r, i) => {
    const before = current.relationships[i];
    if (!before || before.status !== r.status || before.cardinality !== r.cardinality) {
      changes.push(`${r.from.table}.${r.from.column}->${r.to.table}.${r.to.column} ${r.status}`);
    }
  });
  if (JSON.stringify(knownAt ?? []) !== JSON.stringify(current.knownAt ?? [])) changes.push(`known at: ${(knownAt ?? []).map((k) => `${k.table} ${JSON.stringify(k.expression)}`).join(', ') || 'none'}`);
  const { targetExpression: _previous, knownAt: _known, ...rest } = current;
  return {
    ok: true,
    tags: { ...rest, columns, relationships, ...(ruleEdit.rules ? { rules: ruleEdit.rules } : {}), ...(targetExpression ? { targetExpression } : {}), ...(knownAt && knownAt.length > 0 ? { knownAt } : {}) },
    changes,
  };
}

function unknownNames(doc: Document, raw: unknown, current: TagSet, lineOf: (offset: number | undefined) => number): YamlProblem[] {
  const problems: YamlProblem[] = [];
  const tables = isRecord(raw) ? raw['tables'] : undefined;
  if (!isRecord(tables)) return problems;
  for (const [table, columns] of Object.entries(tables)) {
    if (!current.columns.some((c) => c.table === table)) {
      problems.push({ line: lineOf(locate(doc, ['tables'], table)), message: `no table ${table} among the explored tables` });
      continue;
    }
    if (!isRecord(columns)) continue;
    for (const column of Object.keys(columns)) {
      if (!current.columns.some((c) => c.table === table && c.column === column)) {
        problems.push({ line: lineOf(locate(doc, ['tables', table], column)), message: `no column ${column} in table ${table}` });
      }
    }
  }
  return problems;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Offset of the node at `path` (or of `key` inside it); the nearest existing ancestor otherwise. */
function locate(doc: Document, path: readonly (string | number)[], key?: string | number): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as Node | undefined;
    if (!node) continue;
    if (depth === path.length && key !== undefined && isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      if (pair && isScalar(pair.key)) return pair.key.range?.[0];
    }
    if (depth === path.length && key === undefined && depth > 0) {
      // point at the key line of a map entry rather than its value
      const parent = doc.getIn(path.slice(0, depth - 1), true) as Node | undefined;
      const last = path[depth - 1];
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(last));
        if (pair && isScalar(pair.value)) return pair.value.range?.[0];
        if (pair && isScalar(pair.key)) return pair.key.range?.[0];
      }
    }
    return node.range?.[0];
  }
  return undefined;
}

function sortProblems(problems: YamlProblem[]): YamlProblem[] {
  return problems.sort((a, b) => a.line - b.line);
}

function sorted(values: ColumnTagValues): [string, unknown][] {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function orNone(value: string | null): string {
  return value ?? 'none';
}

function fmt(label: string, s: { value: string | null; confidence: number }): string {
  return `${label}=${s.value ?? 'none'} (${s.confidence.toFixed(2)})`;
}

