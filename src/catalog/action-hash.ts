import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ActionInput, LogAnchor } from './types.js';
import { canonicalJson } from './canonical-json.js';

/** prevHash of the first entry */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields that the chain covers: everything an entry says, plus its place in the log. */
export function hashedFields(seq: number, action: ActionInput): Record<string, unknown> {
  return {
    seq,
    kind: action.kind,
    project: action.project,
    inputs: action.inputs,
    outputs: action.outputs,
    status: action.status,
    startedAt: action.startedAt,
    finishedAt: action.finishedAt,
    cpuSeconds: action.cpuSeconds,
    bytesWritten: action.bytesWritten,
    workerId: action.workerId,
    error: action.error,
    detail: action.detail,
    // entries written before units existed hash as they always did
    ...(action.unit !== undefined ? { unit: action.unit } : {}),
    ...(action.inputsHash !== undefined ? { inputsHash: action.inputsHash } : {}),
  };
}

/**
 * The entry's hash over prevHash + canonical JSON of the entry, hex: HMAC-SHA256 under the log
 * key when one is given (whoever can write the catalog but lacks the key cannot make a valid
 * entry), plain SHA-256 for entries written before logs were keyed.
 */
export function actionHash(prevHash: string, seq: number, action: ActionInput, key?: Uint8Array): string {
  const digest = key ? createHmac('sha256', key) : createHash('sha256');
  return digest.update(prevHash).update(canonicalJson(hashedFields(seq, action))).digest('hex');
}

/** What the catalog keeps to recognise the key without holding it. */
export function logKeyCheck(key: Uint8Array): string {
  return createHmac('sha256', key).update('autolab action log key check').digest('hex');
}

/** The anchor's seal: an HMAC of its seq, hash and keyedFrom. */
export function anchorMac(key: Uint8Array, anchor: Omit<LogAnchor, 'mac'>): string {
  return createHmac('sha256', key)
    .update(canonicalJson({ anchor: 'autolab action log', seq: anchor.seq, hash: anchor.hash, keyedFrom: anchor.keyedFrom }))
    .digest('hex');
}

/** Compares two hex digests in constant time. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
