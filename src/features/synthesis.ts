/**
 * Feature synthesis: the plan of a gold table, made outward from the target table over the
 * confirmed relationships (deep feature synthesis, as Featuretools names it). Pure: tables and
 * relationships in, a `GoldPlan` out; `lake/gold.ts` turns it into SQL.
 *
 * - the target table's own columns (not ids, personal data, the label or what its expression reads);
 * - its children (tables whose foreign key refers to it): count, mean, sum, min, max, std, last
 *   value and trend by time, days since the last row, distinct count and most frequent value of
 *   categories, a count per frequent value, and under a cut-off, when asked, the count and means
 *   of the rows known in the last days (`recentDays`); the target table as a child, under a
 *   cut-off, also the mean of its label's expression over its earlier rows;
 * - its parents: their columns, and, within `depth`, their own parents and children — the flights
 *   of this flight's origin airport, before this flight;
 * - entities that exist only as a repeated value: under a cut-off, a category of the target table
 *   (2 ≤ distinct ≤ rows / 2, not an id, free text or personal data, not a foreign key whose parent
 *   already gives its history) is a parent of the target's rows sharing its value — each flight's
 *   origin's earlier flights without an airports table;
 * - date parts of time columns, length and word count of free text.
 * Under a cut-off time a child without a time column is left out (nothing says when its rows were
 * known), and said so in `notes`.
 */
import { DATE_PARTS, type GoldAggregate, type GoldFeature, type GoldLabel, type GoldPlan, type GoldTable, type GoldValueKind, type ParentHop } from '../lake/index.js';

export interface SynthesisColumn {
  readonly name: string;
  readonly kind: GoldValueKind;
  /** the column's confirmed (else suggested) role */
  readonly role: string | null;
  /** exploration's semantic type: `text` is free text, `identifier` is never a feature */
  readonly semantic: string;
  readonly distinct: number;
  /** most frequent values first */
  readonly topValues: readonly string[];
  /** dropped, masked or hashed personal data: never a feature */
  readonly personal: boolean;
}

export interface SynthesisTable {
  readonly name: string;
  readonly columns: readonly SynthesisColumn[];
  readonly time: string | null;
  /** rows in the table (exploration's count): a category repeated enough is an entity */
  readonly rows: number;
  /** when a row became known (an expression over the table's columns), when later than `time` */
  readonly knownAt?: string;
}

/** A confirmed relationship: `child.fk` refers to `parent.key`. */
export interface SynthesisRelationship {
  readonly child: string;
  readonly fk: string;
  readonly parent: string;
  readonly key: string;
}

export interface SynthesisInput {
  readonly tables: readonly SynthesisTable[];
  readonly relationships: readonly SynthesisRelationship[];
  readonly target: { readonly table: string; readonly label: GoldLabel; readonly time: string | null; readonly reads: readonly string[] };
  /** hops outward from the target table; default 2 */
  readonly depth?: number;
  /** per categorical child column, how many of its most frequent values get a count; default 3 */
  readonly topValues?: number;
  /**
   * under a cut-off, windows of days before it whose rows of each child are counted and averaged
   * (`[7, 30]`: the last week and month); default none — on the flights of docs/benchmarks.md
   * they lowered the held-out AUC, stale or fresh
   */
  readonly recentDays?: readonly number[];
}

const NOT_FEATURE_ROLES = new Set(['id', 'ignore', 'weight', 'group', 'target']);
/** a child's category with more distinct values than this gets no distinct count or mode */
const MAX_CATEGORY_DISTINCT = 1000;
/** a child's category gets counts of its top values only when it has at most this many */
const MAX_COUNTED_DISTINCT = 50;
/** an entity of repeated values has its history from parent and child: two hops */
const ENTITY_DEPTH = 2;

function usable(c: SynthesisColumn): boolean {
  return !c.personal && !NOT_FEATURE_ROLES.has(c.role ?? '') && c.semantic !== 'identifier';
}

export function synthesizeFeatures(input: SynthesisInput): GoldPlan {
  const depth = input.depth ?? 2;
  const topCount = input.topValues ?? 3;
  const recentDays = input.recentDays ?? [];
  // the target table, as a child of its parents, is dated by its cut-off column
  const byName = new Map(input.tables.map((t) => [t.name, t.name === input.target.table && input.target.time !== null ? { ...t, time: input.target.time } : t]));
  const target = byName.get(input.target.table);
  if (!target) throw new Error(`no table ${input.target.table} to synthesize features for`);
  const features: GoldFeature[] = [];
  const notes: string[] = [];
  const read = new Set<string>([input.target.table]);
  const names = new Set<string>();
  const labelName = input.target.label.kind === 'column' ? input.target.label.column : input.target.label.name;
  names.add(labelName);
  const unique = (name: string): string => {
    let candidate = name;
    for (let i = 2; names.has(candidate); i++) candidate = `${name}#${i}`;
    names.add(candidate);
    return candidate;
  };
  const cutoff = input.target.time;
  const labelColumns = new Set([...input.target.reads, ...(input.target.label.kind === 'column' ? [input.target.label.column] : [])]);

  const prefixOf = (path: readonly ParentHop[]) => path.map((h) => `${h.via}.${h.parent}.`).join('');

  /** Columns of `table` reached by `path`: as they are, date parts, text measures. */
  const columnFeatures = (table: SynthesisTable, path: readonly ParentHop[], skip: ReadonlySet<string>): void => {
    const prefix = prefixOf(path);
    for (const c of table.columns) {
      if (skip.has(c.name) || !usable(c)) continue;
      if (c.kind === 'time') {
        // a raw instant extrapolates badly to later rows: its parts carry the seasonality
        for (const part of DATE_PARTS) features.push({ kind: 'date_part', name: unique(`${prefix}${c.name}.${part}`), path, column: c.name, part });
        continue;
      }
      if (c.semantic === 'text') {
        if (path.length === 0) features.push({ kind: 'column', name: unique(`${prefix}${c.name}`), path, column: c.name });
        features.push({ kind: 'text_length', name: unique(`${prefix}${c.name}.length`), path, column: c.name });
        features.push({ kind: 'word_count', name: unique(`${prefix}${c.name}.words`), path, column: c.name });
        continue;
      }
      features.push({ kind: 'column', name: unique(`${prefix}${c.name}`), path, column: c.name });
    }
  };

  /** Aggregates of `child`'s rows whose `fk` equals the key at the end of `path`. */
  const childFeatures = (rel: SynthesisRelationship, path: readonly ParentHop[]): void => {
    const child = byName.get(rel.child);
    if (!child) return;
    if (cutoff !== null && child.time === null) {
      notes.push(`${rel.child} (by ${rel.fk}) left out: it has no time column, and features may use only rows from before each ${input.target.table} row's ${cutoff}`);
      return;
    }
    read.add(child.name);
    const prefix = prefixOf(path);
    const by = `${child.name} by ${rel.fk}`;
    const add = (aggregate: GoldAggregate, label: string) => features.push({ kind: 'aggregate', name: unique(`${prefix}${label}`), path, child: child.name, fk: rel.fk, key: rel.key, aggregate });
    add({ fn: 'count' }, `count(${by})`);
    const dated = child.time !== null && cutoff !== null;
    if (dated) {
      add({ fn: 'days_since_last' }, `days_since_last(${by})`);
      for (const days of recentDays) add({ fn: 'recent_count', days }, `count(${by}, ${days} days)`);
      // the label of the target's earlier rows, known by then (a label column is aggregated as a column)
      if (child.name === input.target.table && input.target.label.kind === 'expression') add({ fn: 'label_mean' }, `mean(${child.name}.${labelName} by ${rel.fk})`);
    }
    // without a cut-off, a row's own label would be among its siblings' aggregates
    const leaks = (c: SynthesisColumn) => child.name === input.target.table && cutoff === null && labelColumns.has(c.name);
    for (const c of child.columns) {
      if (c.name === rel.fk || c.name === child.time || !usable(c) || leaks(c)) continue;
      const of = `${child.name}.${c.name} by ${rel.fk}`;
      if (c.kind === 'number' || c.kind === 'boolean') {
        for (const fn of ['mean', 'sum', 'min', 'max', 'std'] as const) add({ fn, column: c.name }, `${fn}(${of})`);
        if (dated) for (const days of recentDays) add({ fn: 'recent_mean', column: c.name, days }, `mean(${of}, ${days} days)`);
        if (child.time !== null) {
          add({ fn: 'last', column: c.name }, `last(${of})`);
          add({ fn: 'trend', column: c.name }, `trend(${of})`);
        }
      } else if (c.kind === 'text' && c.semantic !== 'text' && c.distinct <= MAX_CATEGORY_DISTINCT) {
        add({ fn: 'distinct', column: c.name }, `distinct(${of})`);
        add({ fn: 'mode', column: c.name }, `mode(${of})`);
        if (c.distinct <= MAX_COUNTED_DISTINCT) {
          for (const value of c.topValues.slice(0, topCount)) add({ fn: 'count_value', column: c.name, value }, `count(${child.name}.${c.name} = ${value} by ${rel.fk})`);
        }
      }
    }
  };

  /** Everything reachable from the table at the end of `path` within `left` more hops. */
  const expand = (table: SynthesisTable, path: readonly ParentHop[], left: number): void => {
    if (left <= 0) return;
    for (const rel of input.relationships.filter((r) => r.parent === table.name)) childFeatures(rel, path);
    for (const rel of input.relationships.filter((r) => r.child === table.name)) {
      const parent = byName.get(rel.parent);
      if (!parent || path.some((h) => h.parent === parent.name && h.via === rel.fk)) continue;
      read.add(parent.name);
      const next = [...path, { via: rel.fk, parent: parent.name, key: rel.key }];
      columnFeatures(parent, next, new Set([rel.key]));
      expand(parent, next, left - 1);
    }
  };

  /**
   * The target table's categories that are entities of their own: their rows before each row's
   * cut-off are its history. Without a cut-off there is no "before": the aggregates would count the
   * row itself (and a row scored later would not be among them), and the label only out of fold —
   * which the learner's own encoding of the category already does (native codes, or target
   * encoding out of fold) — so none is made, and `notes` says so.
   */
  const entities = (): void => {
    // a foreign key whose parent is in the plan already has this history through it (origin → airports → flights by origin)
    const covered = new Set(input.relationships.filter((r) => r.child === target.name && byName.has(r.parent)).map((r) => r.fk));
    const candidates = target.columns.filter(
      (c) => usable(c) && c.kind === 'text' && c.semantic !== 'text' && !labelColumns.has(c.name) && !covered.has(c.name) && c.distinct >= 2 && c.distinct <= target.rows / 2,
    );
    if (candidates.length === 0 || depth < ENTITY_DEPTH) return;
    if (cutoff === null) {
      notes.push(`${candidates.map((c) => c.name).join(', ')} of ${target.name}: no history per value without a time column (tag one with role=time to have it)`);
      return;
    }
    for (const c of candidates) childFeatures({ child: target.name, fk: c.name, parent: target.name, key: c.name }, []);
  };

  const ownSkip = new Set([...labelColumns]);
  columnFeatures(target, [], ownSkip);
  expand(target, [], depth);
  entities();
  const tables: GoldTable[] = [...read].sort().map((name) => {
    const t = byName.get(name)!;
    return { name, columns: t.columns.map((c) => ({ name: c.name, kind: c.kind })), time: name === input.target.table ? cutoff : t.time, ...(t.knownAt !== undefined ? { knownAt: t.knownAt } : {}) };
  });
  return { version: 1, target: { table: input.target.table, label: input.target.label, time: cutoff }, tables, features, notes };
}
