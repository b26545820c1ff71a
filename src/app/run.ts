import type { ProjectRecord } from '../catalog/index.js';
import type { SearchProgress } from '../automl/index.js';
import { exploreProject, writeProjectReport, type ExploreOutcome } from './explore.js';
import { ingestProject, type IngestOutcome } from './ingest.js';
import type { Lab } from './lab-types.js';
import { currentTags } from './tags.js';
import { trainProject, type ProjectTrainOutcome } from './train.js';

/**
 * `autolab run PROJECT`: advances a project through every stage that needs no person — ingest
 * the sources, explore what changed (and write the report), train once a target is confirmed —
 * and stops at the first human moment. Each stage skips work whose inputs did not change
 * (unchanged sources give no snapshot, profiles are keyed by snapshot, training by snapshot and tags).
 */

export type RunEvent =
  | { readonly stage: 'ingest'; readonly outcome: IngestOutcome }
  | { readonly stage: 'explore'; readonly outcome: ExploreOutcome; readonly report: string }
  | { readonly stage: 'train'; readonly progress: SearchProgress };

export interface RunOutcome {
  readonly project: string;
  readonly ingest: IngestOutcome;
  readonly explore: ExploreOutcome | null;
  readonly report: string | null;
  readonly train: ProjectTrainOutcome | null;
  /** why the run stopped before training, or null when it trained */
  readonly waitsOn: string | null;
}

export interface RunOptions {
  readonly timeLimit?: number;
  readonly trials?: number;
  readonly seed?: number;
  readonly onEvent?: (event: RunEvent) => void;
}

export async function runProject(lab: Lab, project: ProjectRecord, options: RunOptions = {}): Promise<RunOutcome> {
  const ingest = await ingestProject(lab, project.name);
  options.onEvent?.({ stage: 'ingest', outcome: ingest });
  if (ingest.firstError !== undefined) throw ingest.firstError;
  const none = { project: project.name, ingest, explore: null, report: null, train: null };
  if (ingest.tables.length === 0) return { ...none, waitsOn: `add a source: autolab source add NAME LOCATION --project ${project.name}` };

  const explore = await exploreProject(lab, project);
  const report = await writeProjectReport(lab, project);
  options.onEvent?.({ stage: 'explore', outcome: explore, report: report.path });
  const explored = { ...none, explore, report: report.path };

  const tags = await currentTags(lab.catalog, project);
  const hasTarget = tags?.tags.columns.some((c) => c.confirmed.role === 'target') === true;
  if (!hasTarget) {
    const hint = explore.target ? ` (suggested: ${explore.target.table}.${explore.target.column})` : '';
    return { ...explored, waitsOn: `confirm the target column${hint}: autolab tags set TABLE.COLUMN role=target, or autolab tags accept` };
  }
  const train = await trainProject(lab, project, {
    ...(options.timeLimit !== undefined ? { timeLimit: options.timeLimit } : {}),
    ...(options.trials !== undefined ? { trials: options.trials } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    onProgress: (progress) => options.onEvent?.({ stage: 'train', progress }),
  });
  return { ...explored, train, waitsOn: null };
}
