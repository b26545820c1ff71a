import { RequestError } from './request-error.js';

/** Contributions per record when a request asks for explanations without saying how many. */
export const DEFAULT_EXPLAIN_TOP = 5;
/** At most this many contributions per record are returned. */
export const MAX_EXPLAIN_TOP = 100;

/** How many contributions each record of the answer carries, when explanations are asked for. */
export interface ExplainRequest {
  readonly top: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flagOf(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new RequestError(400, `'${field}' should be true or false`, field);
}

function topOf(value: unknown, field: string): number | undefined {
  if (value === undefined) return undefined;
  const top = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof top !== 'number' || !Number.isInteger(top) || top < 1 || top > MAX_EXPLAIN_TOP) {
    throw new RequestError(400, `'${field}' should be a whole number from 1 to ${MAX_EXPLAIN_TOP}`, field);
  }
  return top;
}

/**
 * Whether `/predict` should explain its records: `"explain": true` (and `"top": N`) beside
 * `"records"` in a JSON body, or in a one-record body when the model has no input column of that
 * name (the record check ignores fields it does not read), or `?explain=true` (`&top=N`) on any
 * body, a CSV one included. Undefined when not asked: the plain path computes nothing more.
 */
export function explainRequestOf(body: unknown, query: unknown, inputColumns: ReadonlySet<string>): ExplainRequest | undefined {
  const q = isObject(query) ? query : {};
  const flagsOf = (b: Record<string, unknown>): Record<string, unknown> =>
    Object.hasOwn(b, 'records') ? b : { explain: inputColumns.has('explain') ? undefined : b['explain'], top: inputColumns.has('top') ? undefined : b['top'] };
  const wrapped = isObject(body) ? flagsOf(body) : {};
  const fromBody = flagOf(wrapped['explain'], 'explain');
  const fromQuery = flagOf(q['explain'], 'explain');
  const top = topOf(wrapped['top'], 'top') ?? topOf(q['top'], 'top');
  if (!(fromBody ?? fromQuery ?? false)) return undefined;
  return { top: top ?? DEFAULT_EXPLAIN_TOP };
}
