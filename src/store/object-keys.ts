import { InputError } from '../common/index.js';

const HASH = /^[0-9a-f]{64}$/;
/** top-level folders the store keeps for itself; named objects may not start with them */
/** The folder of an S3 store's cache that holds partial downloads (clear it of a dead process's with `removeStaleTemps`). */
export const CACHE_TEMP_DIR = '.tmp';

export const RESERVED_PREFIXES = ['objects/', '.tmp/', '.cache/'] as const;

/** `objects/ab/cdef…`: two characters of fan-out keep folders small on disk and listings short on S3. */
export function blobKey(hash: string): string {
  if (!HASH.test(hash)) throw new InputError(`${JSON.stringify(hash)} is not a sha256 content hash`, 'pass the 64 hex digits a put returned');
  return `objects/${hash.slice(0, 2)}/${hash.slice(2)}`;
}

/** Named-object keys are relative POSIX paths: no `..`, no empty segments, nothing reserved. */
export function checkObjectKey(key: string): string {
  const segments = key.split('/');
  const bad =
    key === '' ||
    key.includes('\\') ||
    key.includes('\0') ||
    segments.some((s) => s === '' || s === '.' || s === '..') ||
    RESERVED_PREFIXES.some((p) => key.startsWith(p));
  if (bad) {
    throw new InputError(`${JSON.stringify(key)} is not a valid store key`, 'use a relative path like lake/bronze/project/source/table/1.parquet');
  }
  return key;
}

/** A list prefix may end in `/` or be empty; otherwise the same rules as a key. */
export function checkListPrefix(prefix: string): string {
  if (prefix === '') return prefix;
  checkObjectKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
  return prefix;
}
