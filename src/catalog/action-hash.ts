import { createHash } from 'node:crypto';
import type { ActionInput } from './types.js';
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

/** sha256(prevHash + canonical JSON of the entry), hex */
export function actionHash(prevHash: string, seq: number, action: ActionInput): string {
  return createHash('sha256')
    .update(prevHash)
    .update(canonicalJson(hashedFields(seq, action)))
    .digest('hex');
}
