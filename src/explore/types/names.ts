/**
 * Column names as words: "CustomerID", "customer_id" and "customer-id" all become
 * ["customer", "id"]. Type inference, keys, relationships, PII and target hints read names
 * through these helpers so they agree on what a name says.
 */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

const ID_TOKENS = new Set(['id', 'ids', 'uuid', 'guid', 'key', 'pk', 'fk', 'oid', 'uid', 'sku', 'ean', 'upc', 'isbn']);
const NUMBER_TOKENS = new Set(['no', 'nr', 'num', 'number', 'ref', 'reference']);

/** The name says "identifier": customer_id, CustomerID, uuid, order_key, account_no. */
export function hasIdName(name: string): boolean {
  const tokens = nameTokens(name);
  const last = tokens[tokens.length - 1];
  if (last === undefined) return false;
  if (ID_TOKENS.has(last)) return true;
  return tokens.length > 1 && NUMBER_TOKENS.has(last);
}

/** The name ends in "code" (zip_code, country_code): short codes, not numbers or cards. */
export function hasCodeName(name: string): boolean {
  const tokens = nameTokens(name);
  return tokens[tokens.length - 1] === 'code' || tokens.includes('zip') || tokens.includes('postcode');
}

const CATEGORY_TOKENS = new Set([
  'code', 'type', 'category', 'class', 'level', 'grade', 'status', 'group', 'kind', 'flag', 'segment', 'tier', 'region', 'gender', 'sex',
]);

/** The name says "a category": status, product_type, grade. */
export function hasCategoryName(name: string): boolean {
  return nameTokens(name).some((t) => CATEGORY_TOKENS.has(t));
}

/** Singular form of an English table name, good enough for orders, categories, addresses. */
export function singular(word: string): string {
  const w = word.toLowerCase();
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (/(ss|sh|ch|x|z)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('s') && !w.endsWith('ss') && w.length > 3) return w.slice(0, -1);
  return w;
}

const TIME_TOKENS = new Set(['at', 'time', 'timestamp', 'ts', 'date', 'datetime', 'epoch', 'created', 'updated', 'modified', 'when']);

/** The name says "a point in time": created_at, event_ts, updated_time. */
export function hasTimeName(name: string): boolean {
  return nameTokens(name).some((t) => TIME_TOKENS.has(t));
}
