import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectRecord } from '../../catalog/index.js';
import { inputsHash } from '../../catalog/index.js';
import { tempPrefix } from '../../common/index.js';
import type { ColumnTag, TagSet } from '../../explore/index.js';
import { hasConfirmedTarget } from '../../explore/index.js';
import { pruneFeatures, synthesizeFeatures, type PruneResult, type SynthesisColumn, type SynthesisInput, type SynthesisTable } from '../../features/index.js';
import {
  buildGold,
  execute,
  goldLabelName,
  keySegment,
  openDuckEngine,
  quoteIdent,
  quoteLiteral,
  type GoldPlan,
  type GoldValueKind,
} from '../../lake/index.js';
import { actionKeyOf, type Stage, type StagePlan, type Unit } from '../../runtime/index.js';
import { hashFile } from '../../store/index.js';
import { loadExploration, type ExplorationState } from '../explore.js';
import type { Lab, LabConfig } from '../lab-types.js';
import { silverColumnTypes } from '../target-expression.js';
import { isPersonalData } from './personal-data.js';
import { currentSilver, type SilverTable } from './silver-stage.js';
import type { StageContext } from './stage-context.js';
import { getJson, putJson } from '../stored-json.js';

/**
 * `gold.build`: the project's modelling table, one row per row of the target table, with features
 * synthesized over the confirmed relationships (features/synthesis.ts) and built by DuckDB over the
 * silver tables (lake/gold.ts), then pruned (features/pruning.ts). A project gets one when its
 * target is an expression or related tables are confirmed; a single table is learned from its
 * silver as it is. Keyed by the silver of every table the plan reads, the confirmed tags (the
 * target expression among them) and the feature plan.
 */

/** What a gold build wrote beside its table: the pruned plan and the counts `autolab gold` shows. */
export interface GoldManifest {
  /** the plan with only the features kept, in the table's order */
  readonly plan: GoldPlan;
  readonly rows: number;
  readonly planned: number;
  readonly dropped: PruneResult['dropped'];
  readonly notes: readonly string[];
}

export interface GoldTableRef {
  readonly goldHash: string;
  readonly lakeKey: string;
  readonly manifest: GoldManifest;
  readonly label: string;
}

export function goldKey(project: string, name: string): string {
  return `lake/gold/${keySegment(project)}/features/${name}.parquet`;
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/i;

function kindOf(type: string): GoldValueKind {
  if (NUMERIC.test(type)) return 'number';
  if (/^BOOLEAN/i.test(type)) return 'boolean';
  if (/^(DATE|TIMESTAMP)/i.test(type)) return 'time';
  return 'text';
}

/** Whether a project learns from gold: a target expression, or a confirmed relationship of the target's table. */
export function usesGold(tags: TagSet): boolean {
  if (tags.targetExpression) return true;
  const target = tags.columns.find((c) => c.confirmed.role === 'target');
  return target !== undefined && tags.relationships.some((r) => r.status === 'confirmed' && (r.from.table === target.table || r.to.table === target.table));
}

/** The feature plan of a project as its silver stands, or null when it learns from silver alone (or silver is not built). */
export function goldPlanFor(state: ExplorationState, silver: readonly SilverTable[], settings: LabConfig['gold'] = {}): { plan: GoldPlan; silver: Map<string, SilverTable> } | null {
  const tags = state.tags?.tags;
  if (!tags || !hasConfirmedTarget(tags) || !usesGold(tags)) return null;
  const expression = tags.targetExpression;
  const targetColumn = tags.columns.find((c) => c.confirmed.role === 'target');
  const targetTable = expression?.table ?? targetColumn?.table;
  if (targetTable === undefined) return null;
  const built = new Map(silver.map((s) => [s.table, s]));
  if (!built.has(targetTable)) return null;
  const tables = synthesisTables(state, tags, built, targetTable);
  const relationships = tags.relationships
    .filter((r) => r.status === 'confirmed' && built.has(r.from.table) && built.has(r.to.table))
    .map((r) => ({ child: r.from.table, fk: r.from.column, parent: r.to.table, key: r.to.column }));
  const target = tables.find((t) => t.name === targetTable)!;
  const input: SynthesisInput = {
    tables,
    relationships,
    target: {
      table: targetTable,
      label: expression ? { kind: 'expression', name: expression.name, expression: expression.expression } : { kind: 'column', column: targetColumn!.column },
      time: target.time,
      reads: expression ? expression.reads : [],
    },
    ...(settings.depth !== undefined ? { depth: settings.depth } : {}),
    ...(settings.recentDays !== undefined ? { recentDays: settings.recentDays } : {}),
  };
  return { plan: synthesizeFeatures(input), silver: built };
}

/** Each explored table with a silver table, as synthesis sees it: kinds, roles, counts, its time column. */
function synthesisTables(state: ExplorationState, tags: TagSet, built: ReadonlyMap<string, SilverTable>, targetTable: string | null): SynthesisTable[] {
  const tables: SynthesisTable[] = [];
  for (const explored of state.tables) {
    if (!built.has(explored.name)) continue;
    const tagOf = new Map(tags.columns.filter((c) => c.table === explored.name).map((c) => [c.column, c]));
    const profileOf = new Map(explored.profile.columns.map((c) => [c.name, c]));
    const columns: SynthesisColumn[] = silverColumnTypes(explored.profile, tags).map(({ name, type }) => {
      const tag = tagOf.get(name);
      const profile = profileOf.get(name)!;
      return {
        name,
        kind: kindOf(type),
        role: roleOf(tag),
        semantic: tag?.confirmed.semanticType ?? tag?.suggestion.semanticType.value ?? profile.semanticType,
        distinct: profile.distinct,
        topValues: profile.topValues.map((v) => v.value).filter((v): v is string => v !== null).map(String),
        personal: tag !== undefined && isPersonalData(tag),
      };
    });
    const timeColumn = (confirmedOnly: boolean) =>
      columns.find((c) => c.kind === 'time' && (confirmedOnly ? tagOf.get(c.name)?.confirmed.role === 'time' : c.role === 'time'))?.name ?? null;
    // the target's cut-off is what a person tagged; another table's rows are dated by its (suggested) time column
    const knownAt = tags.knownAt?.find((k) => k.table === explored.name)?.expression;
    tables.push({ name: explored.name, columns, rows: explored.profile.rows, time: timeColumn(explored.name === targetTable), ...(knownAt !== undefined ? { knownAt } : {}) });
  }
  return tables;
}

function roleOf(tag: ColumnTag | undefined): string | null {
  return tag?.confirmed.role ?? tag?.suggestion.role.value ?? null;
}

function unitOf(plan: GoldPlan, silver: Map<string, SilverTable>, tagsHash: string): Unit {
  const inputs: Record<string, string> = { tags: tagsHash, plan: inputsHash(plan) };
  for (const t of plan.tables) inputs[`silver:${t.name}`] = silver.get(t.name)!.silverHash;
  return { unit: '', inputs, params: { table: plan.target.table } };
}

async function currentPlan(lab: Lab, project: ProjectRecord): Promise<{ state: ExplorationState; planned: ReturnType<typeof goldPlanFor> }> {
  const state = await loadExploration(lab, project);
  const silver = await currentSilver(lab, project);
  return { state, planned: goldPlanFor(state, silver.tables, lab.config.gold) };
}

export const goldStage: Stage<StageContext> = {
  kind: 'gold.build',
  version: 1,
  async plan(context, project): Promise<StagePlan> {
    const { state, planned } = await currentPlan(context.lab, project);
    // nothing to build until a target is confirmed: training, after it, says what waits
    if (!state.tags || !hasConfirmedTarget(state.tags.tags)) return { units: [] };
    if (!planned) return { units: [] };
    return { units: [unitOf(planned.plan, planned.silver, state.tags.confirmedHash)] };
  },

  async run(context, project, unit) {
    const { lab } = context;
    const { state, planned } = await currentPlan(lab, project);
    if (!planned || !state.tags || inputsHash(planned.plan) !== unit.inputs['plan']) throw new Error(`the feature plan of ${project.name} planned for gold is no longer the current one`);
    const { plan, silver } = planned;
    const tablePaths: Record<string, string> = {};
    for (const t of plan.tables) tablePaths[t.name] = await lab.store.localPathFor(silver.get(t.name)!.lakeKey);
    const tmp = await mkdtemp(join(lab.workDir, tempPrefix('gold')));
    const engine = await openDuckEngine(lab.workDir, { memoryLimit: '2GB' });
    try {
      const all = join(tmp, 'all.parquet');
      const { rows } = await buildGold(engine.conn, { plan, targetPath: tablePaths[plan.target.table]!, tablePaths, withLabel: true }, all);
      const label = goldLabelName(plan);
      const pruned = await pruneFeatures(engine.conn, all, { label });
      const outPath = join(tmp, 'gold.parquet');
      const select = [label, ...pruned.kept].map(quoteIdent).join(', ');
      await execute(engine.conn, `COPY (SELECT ${select} FROM read_parquet($p)) TO ${quoteLiteral(outPath)} (FORMAT parquet)`, { p: all });
      const gold = await hashFile(outPath);
      const lakeKey = goldKey(project.name, gold.hash);
      await lab.store.moveObject(lakeKey, outPath, gold);
      const keptPlan: GoldPlan = { ...plan, features: pruned.kept.map((name) => plan.features.find((f) => f.name === name)!) };
      const manifest: GoldManifest = { plan: keptPlan, rows, planned: plan.features.length, dropped: pruned.dropped, notes: plan.notes };
      const stored = await putJson(lab, manifest);
      return {
        outputs: { gold: gold.hash, lakeKey, manifest: stored.hash },
        bytesWritten: gold.bytes + stored.bytes,
        detail: { table: plan.target.table, label, rows, planned: plan.features.length, features: pruned.kept.length, ...Object.fromEntries(Object.entries(pruned.dropped).map(([k, v]) => [`dropped_${k}`, v.length])) },
      };
    } finally {
      engine.close();
      await rm(tmp, { recursive: true, force: true });
    }
  },

  async usable(context, outputs) {
    const { lakeKey, manifest } = outputs;
    if (lakeKey === undefined || manifest === undefined) return false;
    return (await context.lab.store.hasObject(lakeKey)) && (await context.lab.store.has(manifest));
  },
};

/**
 * The project's gold table as it stands (built for the current silver, tags and plan); null when
 * the project learns from silver alone; `missing` when it should have one that is not built yet.
 */
export async function currentGold(lab: Lab, project: ProjectRecord): Promise<{ applies: false } | { applies: true; table: GoldTableRef | null; plan: GoldPlan }> {
  const { state, planned } = await currentPlan(lab, project);
  if (!planned || !state.tags) return { applies: false };
  const found = await lab.catalog.findResult(actionKeyOf(goldStage, project.name, unitOf(planned.plan, planned.silver, state.tags.confirmedHash)));
  const outputs = found?.outputs;
  if (!outputs?.['lakeKey'] || !outputs['manifest'] || !outputs['gold']) return { applies: true, table: null, plan: planned.plan };
  const manifest = await getJson<GoldManifest>(lab, outputs['manifest']);
  return { applies: true, plan: planned.plan, table: { goldHash: outputs['gold'], lakeKey: outputs['lakeKey'], manifest, label: goldLabelName(planned.plan) } };
}
