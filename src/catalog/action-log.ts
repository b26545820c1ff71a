import type { Insertable, Kysely } from 'kysely';
import { redactSecrets } from '../common/index.js';
import { GENESIS_HASH, actionHash } from './action-hash.js';
import { canonicalJson, jsonRoundTrip } from './canonical-json.js';
import type { ActionsTable, CatalogDatabase } from './db-schema.js';
import type { CatalogDialect } from './migrations/index.js';
import { CatalogDamageError, toAction } from './rows.js';
import type { ActionInput, ActionRecord, ActionStatus, LogVerification } from './types.js';
import { inWriteTransaction } from './write-transaction.js';

const STATUSES: readonly ActionStatus[] = ['done', 'failed', 'skipped'];
/** rows per INSERT: 15 columns each stays far below SQLite's bound-parameter limit */
const INSERT_CHUNK = 400;
const VERIFY_PAGE = 2000;

/**
 * Appends entries to the log as one transaction under the log's write lock: each gets the next
 * sequence number and hash = sha256(prevHash + canonical JSON of the entry). The head row moves
 * in the same transaction, so a crash leaves either all entries or none.
 */
export async function appendActions(
  db: Kysely<CatalogDatabase>,
  dialect: CatalogDialect,
  actions: readonly ActionInput[],
): Promise<ActionRecord[]> {
  const entries = actions.map(normalizeAction);
  if (entries.length === 0) return [];
  return inWriteTransaction(db, dialect, 'actions', async (trx) => {
    const head = await trx.selectFrom('log_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
    let seq = head ? Number(head.seq) : 0;
    let prevHash = head ? head.hash : GENESIS_HASH;
    const records: ActionRecord[] = [];
    for (const entry of entries) {
      seq += 1;
      const hash = actionHash(prevHash, seq, entry);
      records.push({ ...entry, seq, prevHash, hash });
      prevHash = hash;
    }
    for (let i = 0; i < records.length; i += INSERT_CHUNK) {
      await trx.insertInto('actions').values(records.slice(i, i + INSERT_CHUNK).map(toRow)).execute();
    }
    if (head) await trx.updateTable('log_head').set({ seq, hash: prevHash }).where('id', '=', 1).execute();
    else await trx.insertInto('log_head').values({ id: 1, seq, hash: prevHash }).execute();
    await updateActionHeads(trx, records);
    await updateActionResults(trx, records);
    return records;
  });
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
 * entry whose prevHash or hash does not match (an edited or inserted entry), and a log that ends
 * before or after the recorded head (deleted newest entries, or entries appended by hand).
 */
export async function verifyActionLog(db: Kysely<CatalogDatabase>): Promise<LogVerification> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let entries = 0;
  const broken = (brokenAt: number, reason: string): LogVerification => ({ ok: false, entries, brokenAt, reason });
  for (;;) {
    const rows = await db
      .selectFrom('actions')
      .selectAll()
      .where('seq', '>=', expectedSeq)
      .orderBy('seq')
      .limit(VERIFY_PAGE)
      .execute();
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
        return broken(action.seq, `entry ${action.seq} does not follow entry ${action.seq - 1} (an entry was inserted, deleted or edited)`);
      }
      if (actionHash(prevHash, action.seq, action) !== action.hash) {
        return broken(action.seq, `entry ${action.seq} was edited after it was written`);
      }
      prevHash = action.hash;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < VERIFY_PAGE) break;
  }
  const head = await db.selectFrom('log_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
  const headSeq = head ? Number(head.seq) : 0;
  if (headSeq > entries) {
    return broken(entries + 1, `entries ${entries + 1}…${headSeq} are missing (deleted)`);
  }
  if (headSeq < entries) {
    return broken(headSeq + 1, `entry ${headSeq + 1} was added outside the log`);
  }
  if (head && head.hash !== prevHash) {
    return broken(headSeq, `entry ${headSeq} does not match the log head`);
  }
  return { ok: true, entries, brokenAt: null, reason: null };
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
