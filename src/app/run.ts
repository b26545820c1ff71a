import type { ProjectRecord } from '../catalog/index.js';
import type { SearchProgress } from '../automl/index.js';
import { LocalExecutor, reconcile, type Stage, type StaleUnit } from '../runtime/index.js';
import { defaultReportPath, ExploreCollector, exploreStageProgress, type ExploreOutcome, type ExploreProgress } from './explore.js';
import { IngestCollector, type IngestOutcome, type IngestProgress } from './ingest.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { EXPLORE_STAGES, reportStage } from './stages/explore-stages.js';
import { ingestStage } from './stages/ingest-stage.js';
import { silverStage } from './stages/silver-stage.js';
import { goldAggregatesStage, goldStage } from './stages/gold-stage.js';
import { closeStageContext, stageContext, type StageContext } from './stages/stage-context.js';
import { STAGES } from './status.js';
import { trainingColumns, trainOutcome, trainStage, type ProjectTrainOutcome } from './train.js';
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
  explored: [...EXPLORE_STAGES, reportStage],
  silver: [silverStage],
  gold: [goldStage, goldAggregatesStage],
  trained: [trainStage],
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
  /** why the run stopped before training, or null when it trained */
  readonly waitsOn: string | null;
  /** the units found out of date, each with why (with dryRun: what would run first) */
  readonly stale: readonly StaleUnit[];
  /** how many actions ran (0: the project was up to date) */
  readonly ran: number;
}

export interface RunOptions {
  readonly timeLimit?: number;
  readonly trials?: number;
  readonly seed?: number;
  readonly dryRun?: boolean;
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
      waitsOn: `add a source: autolab source add NAME LOCATION --project ${project.name}`,
      stale: [],
      ran: 0,
    };
  }
  let trained: ProjectTrainOutcome | null = null;
  try {
    const executor = new LocalExecutor(runtime, context, RUN_STAGES, { concurrency: options.concurrency ?? 2 });
    const result = await reconcile(runtime, context, project, RUN_STAGES, executor, {
      ...(options.dryRun ? { dryRun: true } : {}),
      onEvent: (event) => {
        ingest.onEvent(event);
        explore.onEvent(event);
        if (event.kind === 'planned' && event.stale.length > 0) options.onEvent?.({ stage: 'plan', kind: event.stage, stale: event.stale });
        const exploring = options.dryRun ? undefined : exploreStageProgress(event);
        if (exploring) options.onEvent?.({ stage: 'explore', progress: exploring });
      },
    });
    const ingested = await ingest.outcome(lab, project, result.failed?.stage === ingestStage.kind ? result.failed.error : undefined);
    if (result.failed) throw result.failed.error;
    const explored = (await lab.catalog.listSnapshots(project.id)).length > 0 && !options.dryRun ? await explore.outcome(lab, project) : null;
    if (!result.waitsOn && !options.dryRun) trained = await lastTraining(lab, project, context);
    return {
      project: project.name,
      ingest: ingested,
      explore: explored,
      report: explored ? defaultReportPath(lab, project.name) : null,
      train: trained,
      waitsOn: result.waitsOn,
      stale: result.stale,
      ran: result.outcomes.length,
    };
  } finally {
    await closeStageContext(context);
  }
}

/** The training in force after the run: its action's result (just made, or reused), as `trainProject` gives it. */
async function lastTraining(lab: Lab, project: ProjectRecord, context: StageContext): Promise<ProjectTrainOutcome | null> {
  const plan = await trainStage.plan(context, project);
  const unit = 'units' in plan ? plan.units[0] : undefined;
  if (!unit) return null;
  const [record] = await lab.catalog.listActions({ project: project.name, kind: trainStage.kind, unit: '', status: 'done', limit: 1 });
  const tags = await currentTags(lab.catalog, project);
  if (!record || !tags) return null;
  const ranNow = record.startedAt >= context.runToken;
  return trainOutcome(lab, project, trainingColumns(tags.tags, project.name), { status: ranNow ? 'done' : 'reused', record });
}
