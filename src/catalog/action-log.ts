import type { Insertable, Kysely } from 'kysely';
import { LabError, redactSecrets } from '../common/index.js';
import { GENESIS_HASH, actionHash, anchorMac, logKeyCheck, sameDigest } from './action-hash.js';
import { canonicalJson, jsonRoundTrip } from './canonical-json.js';
import type { ActionsTable, CatalogDatabase } from './db-schema.js';
import type { CatalogDialect } from './migrations/index.js';
import { CatalogDamageError, toAction } from './rows.js';
import type { ActionInput, ActionRecord, ActionStatus, LogAnchor, LogVerification, VerifyLogOptions } from './types.js';
import { inWriteTransaction } from './write-transaction.js';

const STATUSES: readonly ActionStatus[] = ['done', 'failed', 'skipped'];
/** rows per INSERT: 15 columns each stays far below SQLite's bound-parameter limit */
const INSERT_CHUNK = 400;
const VERIFY_PAGE = 2000;

/**
 * Appends entries to the log as one transaction under the log's write lock: each gets the next
 * sequence number and its hash over prevHash + canonical JSON of the entry — HMAC-SHA256 under
 * `key`, or plain SHA-256 for a log not yet keyed and a caller without a key. The first keyed
 * append marks where the keyed part starts (`keyed_from`); the entries before keep their hashes
 * and are sealed by it, since it covers the last of them. The head row moves in the same
 * transaction, so a crash leaves either all entries or none.
 */
export async function appendActions(
  db: Kysely<CatalogDatabase>,
  dialect: CatalogDialect,
  actions: readonly ActionInput[],
  key: Uint8Array | undefined,
): Promise<ActionRecord[]> {
  const entries = actions.map(normalizeAction);
  if (entries.length === 0) return [];
  return inWriteTransaction(db, dialect, 'actions', async (trx) => {
    const head = await readHead(trx);
    checkKey(head, key);
    let seq = head ? head.seq : 0;
    let prevHash = head ? head.hash : GENESIS_HASH;
    const keyedFrom = head?.keyedFrom ?? (key ? seq + 1 : null);
    const records: ActionRecord[] = [];
    for (const entry of entries) {
      seq += 1;
      const hash = actionHash(prevHash, seq, entry, keyedFrom !== null ? key : undefined);
      records.push({ ...entry, seq, prevHash, hash });
      prevHash = hash;
    }
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      await trx.insertInto('actions').values(records.slice(i, i + INSERT_CHUNK).map(toRow)).execute();
    }
    const moved = { seq, hash: prevHash, keyed_from: keyedFrom, key_check: key && keyedFrom !== null ? logKeyCheck(key) : null };
    if (head) await trx.updateTable('log_head').set(moved).where('id', '=', 1).execute();
    else await trx.insertInto('log_head').values({ id: 1, ...moved }).execute();
    await updateActionHeads(trx, records);
    await updateActionResults(trx, records);
    return records;
  });
}

interface LogHead {
  readonly seq: number;
  readonly hash: string;
  readonly keyedFrom: number | null;
  readonly keyCheck: string | null;
}

async function readHead(db: Kysely<CatalogDatabase>): Promise<LogHead | undefined> {
  const row = await db.selectFrom('log_head').select(['seq', 'hash', 'keyed_from', 'key_check']).where('id', '=', 1).executeTakeFirst();
  if (!row) return undefined;
  return { seq: Number(row.seq), hash: row.hash, keyedFrom: row.keyed_from === null ? null : Number(row.keyed_from), keyCheck: row.key_check };
}

/** A keyed log takes entries only from a holder of its key: anyone else's would break the chain for everybody. */
function checkKey(head: LogHead | undefined, key: Uint8Array | undefined): void {
  if (!head || head.keyedFrom === null) return;
  if (!key) {
    throw new LabError("the action log is sealed with the lab's secret key, and this catalog was opened without it", 'open the catalog through the lab (`openLab`)');
  }
  if (head.keyCheck === null || !sameDigest(head.keyCheck, logKeyCheck(key))) {
    throw new LabError(
      "this machine's secret key is not the one the lab's action log is sealed with",
      'set AUTOLAB_SECRET_KEY to the key the lab\'s other machines use (or restore .autolab/secret.key); if nobody changed it, the catalog was changed outside autolab',
    );
  }
}

/** The current head sealed with the key, for keeping outside the catalog. */
export async function logAnchor(db: Kysely<CatalogDatabase>, key: Uint8Array | undefined): Promise<LogAnchor | null> {
  if (!key) return null;
  const head = await readHead(db);
  if (!head) return null;
  const fields = { seq: head.seq, hash: head.hash, keyedFrom: head.keyedFrom };
  return { ...fields, mac: anchorMac(key, fields) };
}

/** Done entries that name their unit and inputs become that key's result (the newest wins). */
async function updateActionResults(trx: Kysely<CatalogDatabase>, records: readonly ActionRecord[]): Promise<void> {
  for (const r of records) {
    if (r.status !== 'done' || r.project === null || r.unit === undefined || r.inputsHash === undefined) continue;
    await trx
      .insertInto('action_results')
      .values({ project: r.project, kind: r.kind, unit: r.unit, inputs_hash: r.inputsHash, seq: r.seq })
      .onConflict((oc) => oc.columns(['project', 'kind', 'unit', 'inputs_hash']).doUpdateSet({ seq: r.seq }))
      .execute();
  }
}

/** Folds the batch's done entries into action_heads: latest finish time and count per (project, kind). */
async function updateActionHeads(trx: Kysely<CatalogDatabase>, records: readonly ActionRecord[]): Promise<void> {
  const heads = new Map<string, { project: string; kind: string; last_done_at: string; done_count: number }>();
  for (const r of records) {
    if (r.status !== 'done' || r.project === null) continue;
    const key = JSON.stringify([r.project, r.kind]);
    const head = heads.get(key);
    if (!head) heads.set(key, { project: r.project, kind: r.kind, last_done_at: r.finishedAt, done_count: 1 });
    else {
      head.done_count += 1;
      if (r.finishedAt > head.last_done_at) head.last_done_at = r.finishedAt;
    }
  }
  const rows = [...heads.values()];
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
    await trx
      .insertInto('action_heads')
      .values(rows.slice(i, i + INSERT_CHUNK))
      .onConflict((oc) =>
        oc.columns(['project', 'kind']).doUpdateSet((eb) => ({
          last_done_at: eb
            .case()
            .when('excluded.last_done_at', '>', eb.ref('action_heads.last_done_at'))
            .then(eb.ref('excluded.last_done_at'))
            .else(eb.ref('action_heads.last_done_at'))
            .end(),
          done_count: eb(eb.ref('action_heads.done_count'), '+', eb.ref('excluded.done_count')),
        })),
      )
      .execute();
  }
}

/**
 * Walks the whole chain in sequence order. Finds: a missing sequence number (a deleted entry), an
 * entry whose prevHash or hash does not match (an edited, inserted or reordered entry, or one
 * re-hashed without the key), a damaged row, and a log that ends before or after the recorded
 * head. With an anchor kept outside the catalog it also finds the newest entries cut and the head
 * row moved to match, and a log rewritten whole (as plain SHA-256, or from some entry on).
 */
export async function verifyActionLog(db: Kysely<CatalogDatabase>, key: Uint8Array | undefined, options: VerifyLogOptions = {}): Promise<LogVerification> {
  const head = await readHead(db);
  const keyedFrom = head?.keyedFrom ?? null;
  if (keyedFrom !== null) checkKey(head, key);
  const anchor = options.anchor;
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let entries = 0;
  let hashAtAnchor: string | undefined;
  const result = (rest: Partial<LogVerification>): LogVerification => ({ ok: false, entries, brokenAt: null, cutAfter: null, reason: null, keyedFrom, ...rest });
  const broken = (brokenAt: number, reason: string) => result({ brokenAt, reason });
  for (;;) {
    const rows = await db.selectFrom('actions').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(VERIFY_PAGE).execute();
    for (const row of rows) {
      let action: ActionRecord;
      try {
        action = toAction(row);
      } catch (error) {
        if (error instanceof CatalogDamageError) return broken(Number(row.seq), `entry ${Number(row.seq)} is damaged: its ${error.column} is not valid JSON`);
        throw error;
      }
      if (action.seq !== expectedSeq) {
        return broken(expectedSeq, `entry ${expectedSeq} is missing (deleted)`);
      }
      if (action.prevHash !== prevHash) {
        return broken(action.seq, `entry ${action.seq} does not follow entry ${action.seq - 1} (an entry was inserted, deleted, moved or edited)`);
      }
      const keyed = keyedFrom !== null && action.seq >= keyedFrom;
      if (!sameDigest(actionHash(prevHash, action.seq, action, keyed ? key : undefined), action.hash)) {
        return broken(action.seq, `entry ${action.seq} was edited after it was written${keyed ? ' (its seal does not match the lab\'s key)' : ''}`);
      }
      prevHash = action.hash;
      if (anchor && anchor.seq === action.seq) hashAtAnchor = action.hash;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < VERIFY_PAGE) break;
  }
  const headSeq = head ? head.seq : 0;
  if (headSeq > entries) {
    return result({ cutAfter: entries, reason: `entries ${entries + 1}…${headSeq} are missing (deleted)` });
  }
  if (headSeq < entries) {
    return broken(headSeq + 1, `entry ${headSeq + 1} was added outside the log`);
  }
  if (head && head.hash !== prevHash) {
    return broken(headSeq, `entry ${headSeq} does not match the log head`);
  }
  if (anchor === null && keyedFrom !== null) {
    return result({ reason: "the log's anchor kept outside the catalog is missing (deleted, or the store is not the lab's)" });
  }
  if (anchor) {
    if (!key || !sameDigest(anchor.mac, anchorMac(key, anchor))) {
      return result({ reason: "the log's anchor kept outside the catalog does not carry the lab's seal (changed, or sealed with another key)" });
    }
    if (anchor.keyedFrom !== keyedFrom) {
      const from = anchor.keyedFrom ?? keyedFrom ?? 1;
      return broken(from, `the log was rewritten: entries from ${from} on were sealed with the lab's key${keyedFrom === null ? ' and are now plain SHA-256' : ''}`);
    }
    if (anchor.seq > entries) {
      return result({ cutAfter: entries, reason: `entries ${entries + 1}…${anchor.seq} are missing (the anchor kept outside the catalog saw entry ${anchor.seq})` });
    }
    if (hashAtAnchor !== anchor.hash) {
      return broken(anchor.seq, `entry ${anchor.seq} is not the one the anchor kept outside the catalog saw (the log was rewritten up to it)`);
    }
  }
  return { ok: true, entries, brokenAt: null, cutAfter: null, reason: null, keyedFrom };
}

function normalizeAction(action: ActionInput): ActionInput {
  if (typeof action.kind !== 'string' || action.kind === '') throw new TypeError('action kind must be a non-empty string');
  if (!STATUSES.includes(action.status)) throw new TypeError(`action status must be one of ${STATUSES.join(', ')}`);
  const finite = (n: number) => (Number.isFinite(n) ? n : 0);
  return {
    kind: action.kind,
    project: action.project ?? null,
    inputs: jsonRoundTrip(action.inputs ?? {}),
    outputs: jsonRoundTrip(action.outputs ?? {}),
    status: action.status,
    startedAt: String(action.startedAt),
    finishedAt: String(action.finishedAt),
    cpuSeconds: finite(action.cpuSeconds),
    bytesWritten: Math.round(finite(action.bytesWritten)),
    workerId: String(action.workerId),
    // defence in depth: callers pass errors free of credentials already
    error: action.error == null ? null : redactSecrets(String(action.error)),
    detail: jsonRoundTrip(action.detail ?? {}),
    ...(action.unit !== undefined ? { unit: String(action.unit) } : {}),
    ...(action.inputsHash !== undefined ? { inputsHash: String(action.inputsHash) } : {}),
  };
}

function toRow(record: ActionRecord): Insertable<ActionsTable> {
  return {
    seq: record.seq,
    kind: record.kind,
    project: record.project,
    inputs: canonicalJson(record.inputs),
    outputs: canonicalJson(record.outputs),
    status: record.status,
    started_at: record.startedAt,
    finished_at: record.finishedAt,
    cpu_seconds: record.cpuSeconds,
    bytes_written: record.bytesWritten,
    worker_id: record.workerId,
    error: record.error,
    detail: canonicalJson(record.detail),
    prev_hash: record.prevHash,
    hash: record.hash,
    unit: record.unit ?? null,
    inputs_hash: record.inputsHash ?? null,
  };
}
