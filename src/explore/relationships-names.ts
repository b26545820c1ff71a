/**
 * How alike two column names are as a foreign key and the key it refers to: "customer_id" in
 * orders and "id" in customers are alike (the key's table names it); "product_id" and
 * customers.id are not.
 */
import { nameTokens, singular } from './types/index.js';

const KEY_WORDS = new Set(['id', 'ids', 'key', 'code', 'no', 'nr', 'num', 'number', 'fk', 'pk', 'ref', 'uuid', 'guid', 'oid', 'uid']);

/** The meaningful words of a column name, singular, without id/key words. */
export function coreTokens(column: string): string[] {
  return nameTokens(column)
    .filter((t) => !KEY_WORDS.has(t))
    .map(singular);
}

/** Words naming what a key column identifies: its own words, or its table's when it is just "id". */
export function keyTokens(table: string, column: string): string[] {
  const own = coreTokens(column);
  return own.length > 0 ? own : nameTokens(table).map(singular);
}

export function tableMatchesColumn(table: string, column: string): boolean {
  const t = nameTokens(table).map(singular).join('');
  const c = coreTokens(column).join('');
  return c === '' || t === c || t.endsWith(c) || c.endsWith(t);
}

/** Words of a column that refers to another row of its own table: employees.manager_id, categories.parent_id. */
const SELF_ROLES = new Set(['manager', 'parent', 'boss', 'supervisor', 'reports', 'mentor', 'referrer', 'referred', 'head', 'lead', 'predecessor', 'successor', 'spouse', 'previous', 'next', 'original', 'replaced', 'merged', 'duplicate']);

/** 0..1 similarity of a foreign-key name to a key's name; `sameTable` when both live in one table. */
export function nameSimilarity(fromColumn: string, toTable: string, toColumn: string, sameTable = false): number {
  if (sameTable && coreTokens(fromColumn).some((t) => SELF_ROLES.has(t))) return 0.8;
  if (fromColumn.toLowerCase() === toColumn.toLowerCase() && coreTokens(fromColumn).length > 0) return 1;
  const from = coreTokens(fromColumn);
  if (from.length === 0) return 0;
  const to = keyTokens(toTable, toColumn);
  const tableWords = nameTokens(toTable).map(singular);
  const candidates = [to, tableWords, [...tableWords, ...coreTokens(toColumn)]];
  let best = 0;
  for (const target of candidates) {
    if (target.length === 0) continue;
    best = Math.max(best, tokenSimilarity(from, target));
  }
  return Math.round(best * 100) / 100;
}

function tokenSimilarity(a: readonly string[], b: readonly string[]): number {
  const joinedA = a.join('');
  const joinedB = b.join('');
  if (joinedA === joinedB) return 1;
  // a qualified foreign key: billing_customer → customer, parent_category → category
  if (b.length > 0 && a.length > b.length && a.slice(a.length - b.length).join('') === joinedB) return 0.85;
  const setA = new Set(a);
  const setB = new Set(b);
  const shared = [...setA].filter((t) => setB.has(t)).length;
  const jaccard = shared / new Set([...a, ...b]).size;
  return Math.max(jaccard, 0.9 * dice(joinedA, joinedB));
}

/** Sørensen–Dice similarity of character bigrams. */
export function dice(a: string, b: string): number {
  if (a.length < 2 || b.length < 2) return a === b ? 1 : 0;
  const grams = new Map<string, number>();
  for (let i = 0; i < a.length - 1; i++) {
    const g = a.slice(i, i + 2);
    grams.set(g, (grams.get(g) ?? 0) + 1);
  }
  let shared = 0;
  for (let i = 0; i < b.length - 1; i++) {
    const g = b.slice(i, i + 2);
    const n = grams.get(g) ?? 0;
    if (n > 0) {
      shared++;
      grams.set(g, n - 1);
    }
  }
  return (2 * shared) / (a.length - 1 + (b.length - 1));
}
