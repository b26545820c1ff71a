/**
 * JSON with object keys sorted at every level, so that the same value always gives the same text
 * (and hash) whatever order its keys were built in. Values that JSON cannot hold (undefined,
 * functions) are dropped from objects and become null in arrays, as JSON.stringify does.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

/** The value as it comes back after a trip through JSON, so that hashing before and after storing agrees. */
export function jsonRoundTrip<T>(value: T): T {
  return JSON.parse(canonicalJson(value)) as T;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const input = (typeof (value as { toJSON?: unknown }).toJSON === 'function'
      ? (value as { toJSON: () => unknown }).toJSON()
      : value) as Record<string, unknown>;
    if (input === null || typeof input !== 'object') return input;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(input).sort()) out[key] = sortKeys(input[key]);
    return out;
  }
  return value;
}
