import type { ActionRecord, ProjectRecord } from '../catalog/index.js';
import { actionKeyOf, type ActionOutcome, type RuntimeContext } from './run-action.js';
import type { ActionJob, Executor } from './executor.js';
import type { Stage, Unit } from './stage.js';

/** A unit whose result is missing or out of date, and why. */
export interface StaleUnit {
  readonly stage: string;
  readonly unit: Unit;
  /** e.g. `new`, `inputs changed: snapshot`, `the last attempt failed`, `its outputs are gone` */
  readonly reason: string;
}

export type ReconcileEvent =
  | { readonly kind: 'planned'; readonly stage: string; readonly units: readonly Unit[]; readonly stale: readonly StaleUnit[] }
  | { readonly kind: 'action'; readonly stage: string; readonly unit: Unit; readonly outcome: ActionOutcome };

export interface ReconcileOptions {
  /** plan and say what would run and why, without running anything */
  readonly dryRun?: boolean;
  readonly onEvent?: (event: ReconcileEvent) => void;
}

export interface ReconcileResult {
  readonly project: string;
  /** every action run (or reused by another worker meanwhile), in order */
  readonly outcomes: readonly { readonly stage: string; readonly unit: Unit; readonly outcome: ActionOutcome }[];
  /** with dryRun: what would run; otherwise what was found stale (and then run) */
  readonly stale: readonly StaleUnit[];
  /** what a person must do before the next stage can run, or null */
  readonly waitsOn: string | null;
  /** the stage whose plan waits on a person, or null */
  readonly waitedAt: string | null;
  /** a stage that did not plan: later stages wait for what it would have made */
  readonly blockedAt: string | null;
  /** the first unit that failed (later stages were not started), or null */
  readonly failed: { readonly stage: string; readonly unit: Unit; readonly record: ActionRecord; readonly error: unknown } | null;
}

/**
 * Walks the stages in the order of the flow and brings a project up to date: each stage plans its
 * units from what the catalog holds now (so a later stage sees what an earlier one just made),
 * units whose result is missing or out of date run — independent units side by side, through the
 * executor —, and the walk stops at a human moment, at the first failure, or (dry run) at the
 * first stage with work to do, whose successors cannot be planned until it has run. Running it
 * again with nothing changed runs nothing.
 */
export async function reconcile<Context>(
  runtime: RuntimeContext,
  context: Context,
  project: ProjectRecord,
  stages: readonly Stage<Context>[],
  executor: Executor,
  options: ReconcileOptions = {},
): Promise<ReconcileResult> {
  const outcomes: { stage: string; unit: Unit; outcome: ActionOutcome }[] = [];
  const allStale: StaleUnit[] = [];
  const result = (rest: Partial<ReconcileResult>): ReconcileResult => ({
    project: project.name,
    outcomes,
    stale: allStale,
    waitsOn: null,
    waitedAt: null,
    blockedAt: null,
    failed: null,
    ...rest,
  });
  for (const stage of stages) {
    const plan = await stage.plan(context, project);
    if ('waitsOn' in plan) return result({ waitsOn: plan.waitsOn, waitedAt: stage.kind });
    const stale: StaleUnit[] = [];
    for (const unit of plan.units) {
      const reason = await whyStale(runtime, stage, context, project, unit);
      if (reason !== null) stale.push({ stage: stage.kind, unit, reason });
    }
    allStale.push(...stale);
    options.onEvent?.({ kind: 'planned', stage: stage.kind, units: plan.units, stale });
    if (stale.length === 0) continue;
    if (options.dryRun) return result({ blockedAt: stage.kind });
    const jobs: ActionJob[] = stale.map((s) => ({ kind: stage.kind, project, unit: s.unit, reason: s.reason }));
    const done = await executor.execute(jobs, (job, outcome) => {
      outcomes.push({ stage: stage.kind, unit: job.unit, outcome });
      options.onEvent?.({ kind: 'action', stage: stage.kind, unit: job.unit, outcome });
    });
    const failure = done.findIndex((o) => o.status === 'failed');
    if (failure >= 0) {
      const outcome = done[failure]! as Extract<ActionOutcome, { status: 'failed' }>;
      return result({ failed: { stage: stage.kind, unit: jobs[failure]!.unit, record: outcome.record, error: outcome.error } });
    }
  }
  return result({});
}

/** Null when the unit has a usable result for its inputs; otherwise why not, naming the inputs that changed. */
async function whyStale<Context>(runtime: RuntimeContext, stage: Stage<Context>, context: Context, project: ProjectRecord, unit: Unit): Promise<string | null> {
  const key = actionKeyOf(stage, project.name, unit);
  const found = await runtime.catalog.findResult(key);
  if (found) {
    if (stage.usable === undefined || (await stage.usable(context, found.outputs, unit))) return null;
    return 'its outputs are gone';
  }
  const [last] = await runtime.catalog.listActions({ project: project.name, kind: stage.kind, unit: unit.unit, limit: 1 });
  if (!last) return 'new';
  if (last.status === 'failed' && last.inputsHash === key.inputsHash) return `the last attempt failed: ${last.error ?? 'no message'}`;
  const changed = [...new Set([...Object.keys(unit.inputs), ...Object.keys(last.inputs)])].filter((name) => unit.inputs[name] !== last.inputs[name]);
  return changed.length > 0 ? `inputs changed: ${changed.map((name) => `${name} ${short(last.inputs[name])} → ${short(unit.inputs[name])}`).join(', ')}` : 'the stage changed';
}

function short(hash: string | undefined): string {
  return hash === undefined ? '(none)' : hash.length > 12 ? hash.slice(0, 12) : hash;
}
