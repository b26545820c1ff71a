import type { ActionRecord, ProjectStatus } from '../catalog/index.js';
import type { Lab } from './lab-types.js';

/**
 * `autolab status`, as data: per project, the stages of DESIGN.md as a checklist derived from the
 * action log, what waits on a person (or the next command to run), and the last actions.
 */

export interface StageDefinition {
  /** checklist name, in the order of the flow */
  readonly stage: string;
  /** the action kind whose `done` entries mark the stage as reached */
  readonly actionKind: string;
  /** false while the lab has no machinery for the stage yet */
  readonly built: boolean;
  /** what advances the stage; `{project}` is replaced */
  readonly next: string;
  /** a stage that only a person can complete (DESIGN.md's human moments) */
  readonly humanMoment: boolean;
  /** a stage some projects pass by: gold, for one table with a target column (trained on silver) */
  readonly optional?: boolean;
}

/**
 * The flow of DESIGN.md. `built` says which stages have machinery in this version; flip it when a
 * stage's command lands (a stage with a done action shows as done regardless).
 */
export const STAGES: readonly StageDefinition[] = [
  { stage: 'sources', actionKind: 'source.add', built: true, humanMoment: true, next: 'add a source: autolab source add NAME URI --project {project}' },
  { stage: 'ingested', actionKind: 'ingest.table', built: true, humanMoment: false, next: 'run autolab ingest {project}' },
  { stage: 'explored', actionKind: 'explore.table', built: true, humanMoment: false, next: 'run autolab explore {project}' },
  { stage: 'tagged', actionKind: 'tags.confirm', built: true, humanMoment: true, next: 'confirm the tags: autolab tags {project}' },
  { stage: 'silver', actionKind: 'silver.build', built: true, humanMoment: false, next: 'run autolab run {project}' },
  { stage: 'gold', actionKind: 'gold.build', built: true, humanMoment: false, optional: true, next: 'run autolab run {project}' },
  { stage: 'trained', actionKind: 'automl.train', built: true, humanMoment: false, next: 'run autolab run {project}' },
  { stage: 'registered', actionKind: 'model.register', built: true, humanMoment: false, next: 'run autolab run {project}' },
  { stage: 'approved', actionKind: 'model.approve', built: true, humanMoment: true, next: 'approve the model: autolab models list {project}, then autolab approve VERSION --project {project}' },
  { stage: 'deployed', actionKind: 'model.deploy', built: true, humanMoment: false, next: 'run autolab run {project}: it puts the approved version live (blue-green), which autolab serve {project} serves' },
  { stage: 'monitored', actionKind: 'monitor.drift', built: true, humanMoment: false, next: 'run autolab run {project}' },
];

export type StageState = 'done' | 'todo' | 'not built yet' | 'not needed';

export interface StageView {
  readonly stage: string;
  readonly actionKind: string;
  readonly state: StageState;
  /** when the stage was last reached (finish time of its newest done action) */
  readonly lastDoneAt: string | null;
}

export interface NextStep {
  /** 'person': one of the human moments; 'lab': a command would do it; 'not built yet': the stage has no machinery */
  readonly waitsOn: 'person' | 'lab' | 'not built yet';
  readonly stage: string;
  readonly message: string;
}

export interface ProjectStatusView {
  readonly project: string;
  readonly sources: number;
  readonly tablesIngested: number;
  readonly snapshots: number;
  readonly stages: readonly StageView[];
  /** null when every stage is done */
  readonly next: NextStep | null;
  /** newest failure among the last actions, if the newest action of its kind failed */
  readonly lastFailure: { readonly kind: string; readonly error: string; readonly at: string } | null;
  /** newest first */
  readonly lastActions: readonly ActionRecord[];
  /** the drift alert of the newest monitoring check, while no later check has cleared it */
  readonly alert: { readonly at: string; readonly message: string } | null;
}

export interface LabStatusView {
  readonly root: string;
  readonly catalog: string;
  readonly store: string;
  readonly projects: readonly ProjectStatusView[];
}

/** One catalog call (two queries), whatever the number of projects and actions. */
export async function labStatus(lab: Lab): Promise<LabStatusView> {
  const rows = await lab.catalog.status();
  return { root: lab.root, catalog: lab.catalog.url, store: lab.store.url, projects: rows.map(projectView) };
}

export function projectView(status: ProjectStatus): ProjectStatusView {
  const name = status.project.name;
  const stages = STAGES.map((def, i): StageView => {
    const lastDoneAt = status.lastDoneByKind[def.actionKind] ?? null;
    // an optional stage nothing reached while a later one was done: this project passes it by
    const later = STAGES.slice(i + 1).some((d) => status.lastDoneByKind[d.actionKind] !== undefined);
    if (def.optional && lastDoneAt === null && later) return { stage: def.stage, actionKind: def.actionKind, state: 'not needed', lastDoneAt };
    // the count is the truth for sources and ingests (a source added by a tool that logs nothing still counts)
    const reached =
      lastDoneAt !== null ||
      (def.stage === 'sources' && status.sources > 0) ||
      (def.stage === 'ingested' && status.tablesIngested > 0);
    const state: StageState = reached ? 'done' : def.built ? 'todo' : 'not built yet';
    return { stage: def.stage, actionKind: def.actionKind, state, lastDoneAt };
  });
  return {
    project: name,
    sources: status.sources,
    tablesIngested: status.tablesIngested,
    snapshots: status.snapshots,
    stages,
    next: nextStep(status, stages),
    lastFailure: lastFailure(status.lastActions),
    lastActions: status.lastActions,
    alert: driftAlert(status),
  };
}

/**
 * An alert stands while it is newer than (or as new as) the newest check of its kind: the snapshot's
 * (`monitor.drift`) or, for unit `predictions`, the prediction log's (`monitor.predictions`).
 */
function driftAlert(status: ProjectStatus): ProjectStatusView['alert'] {
  const raised = status.lastDoneByKind['monitor.alert'];
  const action = status.lastActions.find((a) => a.kind === 'monitor.alert' && a.status === 'done');
  const fromLog = action?.unit === 'predictions';
  const checked = status.lastDoneByKind[fromLog ? 'monitor.predictions' : 'monitor.drift'];
  if (raised === undefined || (checked !== undefined && checked > raised)) return null;
  const message = typeof action?.detail['message'] === 'string' ? action.detail['message'] : 'the newest monitoring check found data drift';
  return { at: raised, message: `${message}: autolab monitor ${status.project.name}${fromLog ? ' --source predictions' : ''}` };
}

function nextStep(status: ProjectStatus, stages: readonly StageView[]): NextStep | null {
  const name = status.project.name;
  const done = status.lastDoneByKind;
  // a stage once done falls behind when the one before it has run since
  const since = (later: string, earlier: string) => done[later] !== undefined && done[earlier] !== undefined && done[later] > done[earlier];
  // sources added after the last ingest have not been read yet, whatever stage the project is at
  if (status.sources > 0 && since('source.add', 'ingest.table')) {
    return { waitsOn: 'lab', stage: 'ingested', message: `new sources are not ingested yet: run autolab ingest ${name}` };
  }
  // an ingest that found its table unchanged made no snapshot: only a newer snapshot puts exploration behind
  const explored = done['explore.table'];
  if (status.lastSnapshotAt !== null && explored !== undefined && status.lastSnapshotAt > explored) {
    return { waitsOn: 'lab', stage: 'explored', message: `new snapshots are not explored yet: run autolab explore ${name}` };
  }
  const autoAcceptTags = status.project.settings['autoAcceptTags'] === true;
  if (since('tags.suggest', 'tags.confirm')) {
    return {
      waitsOn: autoAcceptTags ? 'lab' : 'person',
      stage: 'tagged',
      message: `new tag suggestions since the last confirmation: review them with autolab tags ${name}`,
    };
  }
  // a model registered since the last approval (or with none yet) waits for a person; a policy's approval is logged as one
  if (done['model.register'] !== undefined && (done['model.approve'] === undefined || since('model.register', 'model.approve'))) {
    return { waitsOn: 'person', stage: 'approved', message: `a newly registered model waits for approval: autolab models list ${name}, then autolab approve VERSION --project ${name}` };
  }
  for (const [i, view] of stages.entries()) {
    const def = STAGES[i];
    if (!def || view.state === 'done' || view.state === 'not needed') continue;
    if (view.state === 'not built yet') {
      return { waitsOn: 'not built yet', stage: view.stage, message: `${view.stage}: not built yet in this version of autolab` };
    }
    const person = def.humanMoment && !(def.stage === 'tagged' && autoAcceptTags);
    return { waitsOn: person ? 'person' : 'lab', stage: view.stage, message: def.next.replaceAll('{project}', name) };
  }
  return null;
}

function lastFailure(actions: readonly ActionRecord[]): ProjectStatusView['lastFailure'] {
  const seen = new Set<string>();
  for (const action of actions) {
    if (seen.has(action.kind)) continue;
    seen.add(action.kind);
    if (action.status === 'failed') return { kind: action.kind, error: action.error ?? 'failed', at: action.finishedAt };
  }
  return null;
}
