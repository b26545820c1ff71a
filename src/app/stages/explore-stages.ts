import type { ProjectRecord } from '../../catalog/index.js';
import { confirmedTarget, mergeSuggestions, suggestTags, suggestTarget } from '../../explore/index.js';
import type { Stage, StagePlan } from '../../runtime/index.js';
import {
  autoAcceptsTags,
  defaultReportPath,
  latestSnapshots,
  loadExploration,
  projectReport,
  renderReportFile,
  reportFileHolds,
  reportUnit,
  profileSnapshot,
  relationshipsOf,
  round2Of,
  type ExploredTable,
} from '../explore.js';
import { acceptTags, commitTags, currentTags } from '../tags.js';
import type { StageContext } from './stage-context.js';

/**
 * Exploration as stages: round 1 per table (keyed by its snapshot), relationships across the
 * tables (keyed by their profiles), tag suggestions (keyed by profiles and relationships), and
 * round 2 once a target is confirmed (keyed by the confirmed tags, profiles and snapshots). Each
 * writes its result into the store and exploration's index before the runtime records it.
 */

/** Round 1 of each latest snapshot. */
export const exploreTableStage: Stage<StageContext> = {
  kind: 'explore.table',
  version: 1,
  async plan(context, project) {
    const latest = await latestSnapshots(context.lab, project);
    return { units: latest.map(({ name, snapshot }) => ({ unit: name, inputs: { snapshot: snapshot.contentHash }, params: { table: name, version: snapshot.version } })) };
  },
  async run(context, project, unit) {
    const entry = (await latestSnapshots(context.lab, project)).find((t) => t.name === unit.unit && t.snapshot.contentHash === unit.inputs['snapshot']);
    if (!entry) throw new Error(`the snapshot of ${unit.unit} planned for exploration is no longer the latest`);
    const report = context.options.onExplore;
    report?.({ table: unit.unit, phase: 'profiling' });
    const started = performance.now();
    const onPhase = report && ((step: string, ms: number) => report({ table: unit.unit, phase: 'step', step, ms }));
    const made = await profileSnapshot(context.lab, project, entry.name, entry.snapshot, onPhase);
    report?.({ table: unit.unit, phase: 'profiled', ms: performance.now() - started });
    return {
      outputs: { profile: made.hash },
      bytesWritten: made.bytes,
      detail: { rows: made.profile.rows, columns: made.profile.columnCount, ms: Math.round(performance.now() - started) },
    };
  },
  usable: (context, outputs) => context.lab.store.has(outputs['profile'] ?? ''),
};

/** The explored tables, and their profiles' hashes by table name. */
async function explored(context: StageContext, project: ProjectRecord): Promise<{ tables: readonly ExploredTable[]; profiles: Record<string, string> }> {
  const { tables } = await loadExploration(context.lab, project);
  return { tables, profiles: Object.fromEntries(tables.map((t) => [t.name, t.profileHash])) };
}

/** Relationships across the project's tables (two or more). */
export const relationshipsStage: Stage<StageContext> = {
  kind: 'explore.relationships',
  version: 1,
  async plan(context, project) {
    const { tables, profiles } = await explored(context, project);
    return { units: tables.length < 2 ? [] : [{ unit: '', inputs: profiles, params: { tables: tables.length } }] };
  },
  async run(context, project) {
    const { tables } = await explored(context, project);
    const made = await relationshipsOf(context.lab, project, tables);
    return { outputs: { relationships: made.hash }, bytesWritten: made.bytes, detail: { relationships: made.relationships.length } };
  },
  usable: (context, outputs) => context.lab.store.has(outputs['relationships'] ?? ''),
};

/**
 * Pre-filled tag suggestions merged into the project's tags (a person's confirmations kept), and
 * accepted at once when the project says so. A new tag version is made only when they changed.
 */
export const suggestStage: Stage<StageContext> = {
  kind: 'explore.suggest',
  version: 1,
  async plan(context, project) {
    const state = await loadExploration(context.lab, project);
    if (state.tables.length === 0) return { units: [] };
    const inputs: Record<string, string> = Object.fromEntries(state.tables.map((t) => [t.name, t.profileHash]));
    const relationships = state.tables.length >= 2 ? await relationshipsHash(context, project) : 'none';
    return { units: [{ unit: '', inputs: { ...inputs, '(relationships)': relationships, '(auto-accept)': String(autoAcceptsTags(context.lab, project)) }, params: {} }] };
  },
  async run(context, project) {
    const { lab } = context;
    const state = await loadExploration(lab, project);
    const [target] = suggestTarget(state.tables.map((t) => t.profile));
    const fresh = suggestTags(
      state.tables.map((t) => t.profile),
      state.relationships,
      target ?? null,
    );
    let update = await commitTags(lab.catalog, project, (previous) => ({ tags: mergeSuggestions(previous, fresh), changes: [] }), { author: 'autolab', kind: 'tags.suggest' });
    const autoAccepted = autoAcceptsTags(lab, project);
    if (autoAccepted) {
      const min = typeof project.settings['autoAcceptMinConfidence'] === 'number' ? project.settings['autoAcceptMinConfidence'] : 0;
      update = await acceptTags(lab.catalog, project, min);
    }
    return { outputs: { tags: update.confirmedHash }, bytesWritten: 0, detail: { version: update.version, changed: update.changed, autoAccepted } };
  },
};

async function relationshipsHash(context: StageContext, project: ProjectRecord): Promise<string> {
  const [last] = await context.lab.catalog.listActions({ project: project.name, kind: 'explore.relationships', status: 'done', limit: 1 });
  return last?.outputs['relationships'] ?? 'none';
}

/** Round 2, once a target is confirmed: association with the target, leakage, balance, drift, joins. */
export const round2Stage: Stage<StageContext> = {
  kind: 'explore.target',
  version: 1,
  async plan(context, project): Promise<StagePlan> {
    const state = await loadExploration(context.lab, project);
    const tags = await currentTags(context.lab.catalog, project);
    if (!tags || !confirmedTarget(tags.tags) || state.tables.length === 0) return { units: [] };
    const inputs: Record<string, string> = { tags: tags.confirmedHash };
    for (const t of state.tables) {
      inputs[`${t.name}.profile`] = t.profileHash;
      inputs[`${t.name}.snapshot`] = t.snapshot.contentHash;
      if (t.previous) inputs[`${t.name}.previous`] = t.previous.contentHash;
    }
    return { units: [{ unit: '', inputs, params: {} }] };
  },
  async run(context, project) {
    const state = await loadExploration(context.lab, project);
    const tags = await currentTags(context.lab.catalog, project);
    if (!tags) throw new Error(`project ${project.name} lost its tags while round 2 was planned`);
    const made = await round2Of(context.lab, project, state.tables, tags);
    const target = made.result.target;
    return {
      outputs: { round2: made.hash },
      bytesWritten: made.bytes,
      detail: { target: target ? `${target.target.table}.${target.target.column}` : null, leakage: target?.leakage.length ?? 0, ms: made.result.timings.totalMs },
    };
  },
  usable: (context, outputs) => context.lab.store.has(outputs['round2'] ?? ''),
};

/** The project's HTML report (or JSON) at a path, made from its snapshots and tags. */
export const reportStage: Stage<StageContext> = {
  kind: 'explore.report',
  version: 1,
  async plan(context, project) {
    const state = await loadExploration(context.lab, project);
    if (state.tables.length === 0) return { units: [] };
    const data = await projectReport(context.lab, project);
    return { units: [reportUnit(data, defaultReportPath(context.lab, project.name), 'html')] };
  },
  async run(context, project, unit) {
    const path = String(unit.params['path']);
    const format = unit.params['format'] === 'json' ? 'json' : 'html';
    const data = await projectReport(context.lab, project, { generatedAt: context.options.reportGeneratedAt });
    const written = await renderReportFile(data, path, format);
    return { outputs: { report: written.hash }, bytesWritten: written.bytes, detail: { path, format, bytes: written.bytes, tables: data.tables.length } };
  },
  usable: (_context, outputs, unit) => reportFileHolds(String(unit.params['path']), outputs['report'] ?? ''),
};

/** What `autolab explore` brings up to date, in order. */
export const EXPLORE_STAGES: readonly Stage<StageContext>[] = [exploreTableStage, relationshipsStage, suggestStage, round2Stage];
