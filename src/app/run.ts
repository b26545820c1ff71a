import type { ModelVersionRecord, ProjectRecord } from '../catalog/index.js';
import type { SearchProgress } from '../automl/index.js';
import { LocalExecutor, reconcile, type Stage, type StaleUnit } from '../runtime/index.js';
import { defaultReportPath, ExploreCollector, exploreStageProgress, type ExploreOutcome, type ExploreProgress } from './explore.js';
import { IngestCollector, type IngestOutcome, type IngestProgress } from './ingest.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { EXPLORE_STAGES, reportStage } from './stages/explore-stages.js';
import { ingestStage } from './stages/ingest-stage.js';
import { aggregatesStage } from './stages/aggregates-stage.js';
import { approvalStage, registerStage } from './stages/model-stages.js';
import { batchPredictionsStage } from './batch-predictions.js';
import { monitorDriftStage } from './monitor.js';
import { monitorAlertStage } from './monitor-alert.js';
import { monitorLogStage } from './monitor-log-stage.js';
import { rolloutStage } from './stages/rollout-stage.js';
import { silverStage } from './stages/silver-stage.js';
import { acceptTags } from './tags.js';
import { goldStage } from './stages/gold-stage.js';
import { closeStageContext, stageContext, type StageContext } from './stages/stage-context.js';
import { STAGES } from './status.js';
import { trainingColumns, trainingPlanned, trainOutcome, trainStage, type ProjectTrainOutcome } from './train.js';
import { currentTags } from './tags.js';

/**
 * `autolab run PROJECT`: the reconciler over the flow of `STAGES` — every unit of work whose inputs
 * changed runs (sources and tables side by side), up to the first human moment; nothing else does.
 * Two runs at once on one lab do each unit once (the catalog's claims). With `dryRun` it only says
 * what would run first, and why.
 */

/** The runtime stages behind each checklist stage of `STAGES` (those with machinery). */
const MACHINERY: Readonly<Record<string, readonly Stage<StageContext>[]>> = {
  ingested: [ingestStage],
  explored: EXPLORE_STAGES,
  // the report follows silver, whose quality report it shows; silver plans nothing until the tags are confirmed
  silver: [silverStage, reportStage],
  gold: [goldStage, aggregatesStage],
  trained: [trainStage],
  // monitoring compares the newest snapshot with the model trained before it, approved or not
  // (monitor.ts): it runs before the walk stops for the approval; the production version's
  // prediction log is checked when it (or the feedback) has new files (monitor-log-stage.ts)
  registered: [registerStage, monitorDriftStage, monitorLogStage, monitorAlertStage],
  approved: [approvalStage],
  // an approved newer version goes live blue-green (retraining.PROJECT.deploy: manual leaves it to a person);
  // then the version in production scores the target table's newest silver back into gold
  deployed: [rolloutStage, batchPredictionsStage],
};

export const RUN_STAGES: readonly Stage<StageContext>[] = STAGES.flatMap((s) => MACHINERY[s.stage] ?? []);

export type RunEvent =
  | { readonly stage: 'ingest'; readonly progress: IngestProgress }
  | { readonly stage: 'plan'; readonly kind: string; readonly stale: readonly StaleUnit[] }
  | { readonly stage: 'explore'; readonly progress: ExploreProgress }
  | { readonly stage: 'train'; readonly progress: SearchProgress };

export interface RunOutcome {
  readonly project: string;
  readonly ingest: IngestOutcome;
  readonly explore: ExploreOutcome | null;
  readonly report: string | null;
  readonly train: ProjectTrainOutcome | null;
  /** the newest registered model version after the run (registered now, or before), or null */
  readonly model: ModelVersionRecord | null;
  /** what waits on a person: before training (tags), or after it (the newest model's approval); null when nothing does */
  readonly waitsOn: string | null;
  /** the units found out of date, each with why (with dryRun: what would run first) */
  readonly stale: readonly StaleUnit[];
  /** how many actions ran (0: the project was up to date) */
  readonly ran: number;
  /** the monitoring check this run made (its verdict, as the action log keeps it), or null */
  readonly monitor: Readonly<Record<string, unknown>> | null;
  /** the approval policy's decision this run made (`model.policy`'s detail), or null */
  readonly policy: Readonly<Record<string, unknown>> | null;
  /** the version this run put live (`model.rollout`'s detail: version, slot, replaced), or null */
  readonly rollout: Readonly<Record<string, unknown>> | null;
  /** new data the retraining policy holds back (a model is in production; no trigger yet), or null */
  readonly retrainingHeld: string | null;
}

export interface RunOptions {
  readonly timeLimit?: number;
  readonly trials?: number;
  readonly seed?: number;
  readonly dryRun?: boolean;
  /**
   * Where the run waits on the tags, accept the suggestions at least this sure (0..1; 0: all) as a
   * person running `autolab tags accept` would, and go on. Left out: the run stops for a person.
   */
  readonly acceptSuggested?: number;
  /** units run side by side (sources, tables); default 2 */
  readonly concurrency?: number;
  readonly onEvent?: (event: RunEvent) => void;
}

export async function runProject(lab: Lab, project: ProjectRecord, options: RunOptions = {}): Promise<RunOutcome> {
  const ingest = new IngestCollector((progress) => options.onEvent?.({ stage: 'ingest', progress }));
  const explore = new ExploreCollector();
  const context = stageContext(lab, {
    ...(options.timeLimit !== undefined ? { timeLimit: options.timeLimit } : {}),
    ...(options.trials !== undefined ? { trials: options.trials } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    onIngest: (event) => ingest.progress(event),
    onExplore: (progress) => options.onEvent?.({ stage: 'explore', progress }),
    onTrain: (progress) => options.onEvent?.({ stage: 'train', progress }),
  });
  const runtime = { catalog: lab.catalog, workerId: workerId() };
  const sources = await lab.catalog.listSources(project.id);
  if (sources.length === 0) {
    return {
      project: project.name,
      ingest: { project: project.name, tables: [], firstError: undefined },
      explore: null,
      report: null,
      train: null,
      model: null,
      waitsOn: `add a source: autolab source add NAME LOCATION --project ${project.name}`,
      stale: [],
      ran: 0,
      monitor: null,
      policy: null,
      rollout: null,
      retrainingHeld: null,
    };
  }
  let trained: ProjectTrainOutcome | null = null;
  try {
    const executor = new LocalExecutor(runtime, context, RUN_STAGES, { concurrency: options.concurrency ?? 2 });
    const walk = () => reconcile(runtime, context, project, RUN_STAGES, executor, {
      ...(options.dryRun ? { dryRun: true } : {}),
      onEvent: (event) => {
        ingest.onEvent(event);
        explore.onEvent(event);
        if (event.kind === 'planned' && event.stale.length > 0) options.onEvent?.({ stage: 'plan', kind: event.stage, stale: event.stale });
        const exploring = options.dryRun ? undefined : exploreStageProgress(event);
        if (exploring) options.onEvent?.({ stage: 'explore', progress: exploring });
      },
    });
    let result = await walk();
    if (result.waitsOn && !result.failed && options.acceptSuggested !== undefined && !options.dryRun) {
      const accepted = await acceptTags(lab.catalog, project, options.acceptSuggested);
      if (accepted.changed) {
        const rest = await walk();
        result = { ...rest, outcomes: [...result.outcomes, ...rest.outcomes], stale: [...result.stale, ...rest.stale] };
      }
    }
    // an alert raised on this walk may let the retraining policy train again, a stage the walk has passed
    if (!result.failed && !result.waitsOn && !options.dryRun && result.outcomes.some((o) => o.stage === monitorAlertStage.kind)) {
      const rest = await walk();
      result = { ...rest, outcomes: [...result.outcomes, ...rest.outcomes], stale: [...result.stale, ...rest.stale] };
    }
    const ingested = await ingest.outcome(lab, project, result.failed?.stage === ingestStage.kind ? result.failed.error : undefined);
    if (result.failed) throw result.failed.error;
    const explored = (await lab.catalog.listSnapshots(project.id)).length > 0 && !options.dryRun ? await explore.outcome(lab, project) : null;
    // the approval is the only human moment after training: the training stands when the run waits on it
    const pastTraining = !result.waitsOn || result.waitedAt === approvalStage.kind;
    if (pastTraining && !options.dryRun) trained = await lastTraining(lab, project, context);
    let waitsOn = result.waitsOn;
    // the policy may have just left the newest model to a person: the plan says so now
    if (!waitsOn && !options.dryRun && !result.blockedAt) {
      const approval = await approvalStage.plan(context, project);
      if ('waitsOn' in approval) waitsOn = approval.waitsOn;
    }
    const model = (await lab.catalog.listModelVersions(project.id)).at(-1) ?? null;
    return {
      project: project.name,
      ingest: ingested,
      explore: explored,
      report: explored ? defaultReportPath(lab, project.name) : null,
      train: trained,
      model,
      waitsOn,
      stale: result.stale,
      ran: result.outcomes.length,
      monitor: options.dryRun ? null : await doneThisRun(lab, project, context, monitorDriftStage.kind),
      policy: options.dryRun ? null : await doneThisRun(lab, project, context, approvalStage.kind),
      rollout: options.dryRun ? null : await doneThisRun(lab, project, context, rolloutStage.kind),
      retrainingHeld: options.dryRun ? null : await retrainingHeld(lab, project, context),
    };
  } finally {
    await closeStageContext(context);
  }
}

/** The detail of the newest action of a kind, if this run made it. */
async function doneThisRun(lab: Lab, project: ProjectRecord, context: StageContext, kind: string): Promise<Readonly<Record<string, unknown>> | null> {
  const [record] = await lab.catalog.listActions({ project: project.name, kind, status: 'done', limit: 1 });
  return record && record.startedAt >= context.runToken ? record.detail : null;
}

const TRIGGERS: Readonly<Record<string, string>> = {
  drift: 'a drift alert',
  performance: 'a performance alert',
  alert: 'a drift or performance alert',
  manual: 'autolab train --force',
};

/** What `autolab run` says when the retraining policy holds new data back from training. */
async function retrainingHeld(lab: Lab, project: ProjectRecord, context: StageContext): Promise<string | null> {
  const planned = await trainingPlanned(context, project);
  if (!('unit' in planned) || !planned.unit || planned.due) return null;
  const on = lab.config.retraining?.[project.name]?.on ?? 'new-data';
  return `new data in ${String(planned.unit.params['table'])} is not learned from yet: retraining waits for ${TRIGGERS[on] ?? on} (retraining.${project.name}.on: ${on} in autolab.yaml)`;
}

/** The training in force after the run: its action's result (just made, or reused), as `trainProject` gives it. */
async function lastTraining(lab: Lab, project: ProjectRecord, context: StageContext): Promise<ProjectTrainOutcome | null> {
  const planned = await trainingPlanned(context, project);
  if (!('unit' in planned) || !planned.unit) return null;
  const [record] = await lab.catalog.listActions({ project: project.name, kind: trainStage.kind, unit: '', status: 'done', limit: 1 });
  const tags = await currentTags(lab.catalog, project);
  if (!record || !tags) return null;
  const ranNow = record.startedAt >= context.runToken;
  return trainOutcome(lab, project, trainingColumns(tags.tags, project.name), { status: ranNow ? 'done' : 'reused', record });
}
