import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { cpuUsage } from 'node:process';
import { inputsHash, type ActionKey, type ActionRecord, type Catalog, type ProjectRecord } from '../catalog/index.js';
import { describeError, redactSecrets } from '../common/index.js';
import type { Stage, Unit } from './stage.js';

/** What the runtime needs of a lab: the catalog that records actions, and who this worker is. */
export interface RuntimeContext {
  readonly catalog: Catalog;
  /** `host:pid` */
  readonly workerId: string;
}

export type ActionOutcome =
  /** a done result with these inputs was there and usable */
  | { readonly status: 'reused'; readonly record: ActionRecord }
  | { readonly status: 'done'; readonly record: ActionRecord }
  /** recorded as failed; `error` is what was thrown (a one-line user error, or a bug) */
  | { readonly status: 'failed'; readonly record: ActionRecord; readonly error: unknown };

export interface RunActionOptions {
  /** how long a claim stands without being renewed; a crashed holder on another host is waited out this long */
  readonly leaseMs?: number;
  /** called while another worker holds the unit */
  readonly onWait?: (holder: string) => void;
  /** why the unit runs, kept in its action's detail as `why` (what `autolab log` shows) */
  readonly reason?: string;
}

/** The identity of a unit's inputs: its stage's version and the named hashes, as canonical JSON. */
export function inputsHashOf(version: number, inputs: Readonly<Record<string, string>>): string {
  return inputsHash({ version, inputs });
}

export function actionKeyOf(stage: { kind: string; version: number }, project: string, unit: Unit): ActionKey {
  return { project, kind: stage.kind, unit: unit.unit, inputsHash: inputsHashOf(stage.version, unit.inputs) };
}

const DEFAULT_LEASE_MS = 10 * 60_000;
const POLL_MS = 200;
/** a claim is renewed this often while its work runs (when the event loop is free to) */
const RENEW_EVERY = 1 / 3;

/**
 * Does one unit of a stage once: reuses the newest done result with the same inputs (when its
 * outputs are still usable), else claims the unit — waiting while another live worker holds it,
 * and looking for a result once more when it holds it —, runs it, and records the outcome. The
 * stage writes its outputs durably before it returns, so a `done` entry is never without its
 * artifacts; a crash before the entry leaves artifacts that the next run finds by content and reuses. A failure is recorded with its one-line error.
 */
export async function runAction<Context>(
  runtime: RuntimeContext,
  stage: Stage<Context>,
  context: Context,
  project: ProjectRecord,
  unit: Unit,
  options: RunActionOptions = {},
): Promise<ActionOutcome> {
  const key = actionKeyOf(stage, project.name, unit);
  const where = { project: key.project, kind: key.kind, unit: key.unit };
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  // one holder per call: two calls of one process never share a claim
  const holder = `${runtime.workerId}#${randomBytes(4).toString('hex')}`;
  const reusable = async (): Promise<ActionRecord | undefined> => {
    const found = await runtime.catalog.findResult(key);
    return found && (stage.usable === undefined || (await stage.usable(context, found.outputs, unit))) ? found : undefined;
  };
  let replacing: string | undefined;
  for (;;) {
    const found = await reusable();
    if (found) return { status: 'reused', record: found };
    const claim = await runtime.catalog.claimUnit(where, holder, leaseMs, replacing);
    if (claim.claimed) {
      // another worker may have finished and let go between our look and our claim: look again, holding it
      const meanwhile = await reusable().catch(async (error: unknown) => {
        await runtime.catalog.releaseUnit(where, holder).catch(() => undefined);
        throw error;
      });
      if (!meanwhile) break;
      await runtime.catalog.releaseUnit(where, holder);
      return { status: 'reused', record: meanwhile };
    }
    // a holder on this host whose process is gone will never finish: take its claim over now
    if (isDeadLocalWorker(claim.holder.workerId)) {
      replacing = claim.holder.workerId;
      continue;
    }
    options.onWait?.(claim.holder.workerId);
    await sleep(POLL_MS);
  }
  const renew = setInterval(() => {
    runtime.catalog.claimUnit(where, holder, leaseMs).catch(() => undefined);
  }, leaseMs * RENEW_EVERY);
  renew.unref();
  const startedAt = new Date().toISOString();
  const cpuStart = cpuUsage();
  const why = options.reason !== undefined ? { why: redactSecrets(options.reason) } : {};
  const base = {
    kind: stage.kind,
    project: project.name,
    unit: key.unit,
    inputsHash: key.inputsHash,
    inputs: { ...unit.inputs },
    startedAt,
    workerId: runtime.workerId,
  };
  const cpuSeconds = (): number => {
    const used = cpuUsage(cpuStart);
    return Math.round((used.user + used.system) / 1e3) / 1e3;
  };
  try {
    let output;
    try {
      output = await stage.run(context, project, unit);
    } catch (error) {
      const record = await runtime.catalog.appendAction({
        ...base,
        outputs: {},
        status: 'failed',
        finishedAt: new Date().toISOString(),
        cpuSeconds: cpuSeconds(),
        bytesWritten: 0,
        error: redactSecrets(describeError(error).split('\n')[0] ?? 'failed'),
        detail: { ...unit.params, ...why },
      });
      return { status: 'failed', record, error };
    }
    const record = await runtime.catalog.appendAction({
      ...base,
      outputs: { ...output.outputs },
      status: 'done',
      finishedAt: new Date().toISOString(),
      cpuSeconds: cpuSeconds(),
      bytesWritten: output.bytesWritten,
      error: null,
      detail: { ...unit.params, ...output.detail, ...why },
    });
    return { status: 'done', record };
  } finally {
    clearInterval(renew);
    await runtime.catalog.releaseUnit(where, holder).catch(() => undefined);
  }
}

/** A claim holder (`host:pid#token`) of this host whose process no longer exists. */
function isDeadLocalWorker(holder: string): boolean {
  const workerId = holder.split('#')[0]!;
  const at = workerId.lastIndexOf(':');
  if (at < 0 || workerId.slice(0, at) !== hostname()) return false;
  const pid = Number(workerId.slice(at + 1));
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
