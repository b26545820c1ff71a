import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';

/** sha256 of a value's canonical JSON: a stable key for "computed from these inputs". */
export function inputsHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}
