import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectRecord } from '../../catalog/index.js';
import { inputsHash } from '../../catalog/index.js';
import { tempPrefix } from '../../common/index.js';
import type { ColumnTag, TagSet } from '../../explore/index.js';
import { hasConfirmedTarget } from '../../explore/index.js';
import { pruneFeatures, synthesizeFeatures, type PruneResult, type SynthesisColumn, type SynthesisInput, type SynthesisTable } from '../../features/index.js';
import {
  buildBusinessAggregate,
  buildGold,
  businessAggregateName,
  execute,
  goldLabelName,
  keySegment,
  openDuckEngine,
  PERIODS,
  quoteIdent,
  quoteLiteral,
  type BusinessAggregate,
  type GoldPlan,
  type GoldValueKind,
} from '../../lake/index.js';
import { actionKeyOf, type Stage, type StagePlan, type Unit } from '../../runtime/index.js';
import { hashFile } from '../../store/index.js';
import { loadExploration, type ExplorationState } from '../explore.js';
import type { Lab } from '../lab-types.js';
import { silverColumnTypes } from '../target-expression.js';
import { isPersonalData } from './personal-data.js';
import { currentSilver, type SilverTable } from './silver-stage.js';
import type { StageContext } from './stage-context.js';

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

function goldKey(project: string, name: string): string {
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
export function goldPlanFor(state: ExplorationState, silver: readonly SilverTable[]): { plan: GoldPlan; silver: Map<string, SilverTable> } | null {
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
    tables.push({ name: explored.name, columns, time: timeColumn(explored.name === targetTable), ...(knownAt !== undefined ? { knownAt } : {}) });
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
  return { state, planned: goldPlanFor(state, silver.tables) };
}

export const goldStage: Stage<StageContext> = {
  kind: 'gold.build',
  version: 1,
  async plan(context, project): Promise<StagePlan> {
    const { state, planned } = await currentPlan(context.lab, project);
    if (!state.tags || !hasConfirmedTarget(state.tags.tags)) {
      return { waitsOn: 'confirm the target column: autolab tags set TABLE.COLUMN role=target, or autolab tags accept' };
    }
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
      const stored = await lab.store.putBytes(Buffer.from(JSON.stringify(manifest)));
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
  const manifest = JSON.parse(Buffer.from(await lab.store.getBytes(outputs['manifest'])).toString('utf8')) as GoldManifest;
  return { applies: true, plan: planned.plan, table: { goldHash: outputs['gold'], lakeKey: outputs['lakeKey'], manifest, label: goldLabelName(planned.plan) } };
}

/** a category with more values than this gets no aggregate of its own (one row per value and period) */
const MAX_AGGREGATE_VALUES = 500;
const NOT_MEASURES = new Set(['id', 'ignore', 'weight', 'group']);

/** The business aggregates of one table: per period, overall and per low-cardinality category, of its numeric measures. */
export function businessAggregatesOf(table: SynthesisTable): BusinessAggregate[] {
  if (table.time === null) return [];
  const measures = table.columns.filter((c) => c.kind === 'number' && !c.personal && !NOT_MEASURES.has(c.role ?? '')).map((c) => c.name);
  if (measures.length === 0) return [];
  const categories = table.columns
    .filter((c) => (c.kind === 'text' || c.kind === 'boolean') && !c.personal && c.semantic !== 'text' && c.role !== 'ignore' && c.distinct <= MAX_AGGREGATE_VALUES)
    .map((c) => c.name);
  return PERIODS.flatMap((period) => [null, ...categories].map((by) => ({ table: table.name, time: table.time!, by, measures, period })));
}

async function aggregatesPlan(lab: Lab, project: ProjectRecord): Promise<{ units: Unit[]; plans: Map<string, BusinessAggregate[]>; silver: Map<string, SilverTable> } | { waitsOn: string }> {
  const state = await loadExploration(lab, project);
  const tags = state.tags?.tags;
  if (!tags || !hasConfirmedTarget(tags)) return { waitsOn: 'confirm the target column: autolab tags set TABLE.COLUMN role=target, or autolab tags accept' };
  const silver = new Map((await currentSilver(lab, project)).tables.map((t) => [t.table, t]));
  const plans = new Map<string, BusinessAggregate[]>();
  const units: Unit[] = [];
  for (const table of synthesisTables(state, tags, silver, null)) {
    const aggregates = businessAggregatesOf(table);
    if (aggregates.length === 0) continue;
    plans.set(table.name, aggregates);
    units.push({ unit: table.name, inputs: { silver: silver.get(table.name)!.silverHash, plan: inputsHash(aggregates) }, params: { table: table.name } });
  }
  return { units, plans, silver };
}

export interface AggregateManifest {
  readonly aggregates: readonly { readonly name: string; readonly aggregate: BusinessAggregate; readonly lakeKey: string; readonly rows: number }[];
}

/**
 * `gold.aggregates`: per table with a time column and numeric measures, its measures per day, week
 * and month, overall and per category of at most 500 values — gold tables for dashboards. Keyed by
 * the table's silver and the aggregates planned.
 */
export const goldAggregatesStage: Stage<StageContext> = {
  kind: 'gold.aggregates',
  version: 1,
  async plan(context, project): Promise<StagePlan> {
    const planned = await aggregatesPlan(context.lab, project);
    return 'waitsOn' in planned ? planned : { units: planned.units };
  },

  async run(context, project, unit) {
    const { lab } = context;
    const planned = await aggregatesPlan(lab, project);
    const aggregates = 'waitsOn' in planned ? undefined : planned.plans.get(unit.unit);
    const silver = 'waitsOn' in planned ? undefined : planned.silver.get(unit.unit);
    if (!aggregates || !silver || inputsHash(aggregates) !== unit.inputs['plan'] || silver.silverHash !== unit.inputs['silver']) {
      throw new Error(`the aggregates of ${unit.unit} planned are no longer the current ones`);
    }
    const path = await lab.store.localPathFor(silver.lakeKey);
    const tmp = await mkdtemp(join(lab.workDir, tempPrefix('gold')));
    const engine = await openDuckEngine(lab.workDir, { memoryLimit: '1GB' });
    try {
      const written: AggregateManifest['aggregates'][number][] = [];
      let bytes = 0;
      for (const [i, aggregate] of aggregates.entries()) {
        const out = join(tmp, `${i}.parquet`);
        const { rows } = await buildBusinessAggregate(engine.conn, aggregate, path, out);
        const file = await hashFile(out);
        const lakeKey = `lake/gold/${keySegment(project.name)}/aggregates/${keySegment(unit.unit)}/${file.hash}.parquet`;
        await lab.store.moveObject(lakeKey, out, file);
        bytes += file.bytes;
        written.push({ name: businessAggregateName(aggregate), aggregate, lakeKey, rows });
      }
      const manifest: AggregateManifest = { aggregates: written };
      const stored = await lab.store.putBytes(Buffer.from(JSON.stringify(manifest)));
      return { outputs: { manifest: stored.hash }, bytesWritten: bytes + stored.bytes, detail: { table: unit.unit, aggregates: written.length } };
    } finally {
      engine.close();
      await rm(tmp, { recursive: true, force: true });
    }
  },

  async usable(context, outputs) {
    const { manifest } = outputs;
    if (manifest === undefined || !(await context.lab.store.has(manifest))) return false;
    const parsed = JSON.parse(Buffer.from(await context.lab.store.getBytes(manifest)).toString('utf8')) as AggregateManifest;
    for (const a of parsed.aggregates) if (!(await context.lab.store.hasObject(a.lakeKey))) return false;
    return true;
  },
};

/** The business aggregates of a project as its silver stands (those built), by name. */
export async function currentAggregates(lab: Lab, project: ProjectRecord): Promise<AggregateManifest['aggregates'][number][]> {
  const planned = await aggregatesPlan(lab, project);
  if ('waitsOn' in planned) return [];
  const out: AggregateManifest['aggregates'][number][] = [];
  for (const unit of planned.units) {
    const found = await lab.catalog.findResult(actionKeyOf(goldAggregatesStage, project.name, unit));
    const manifest = found?.outputs['manifest'];
    if (manifest === undefined) continue;
    out.push(...(JSON.parse(Buffer.from(await lab.store.getBytes(manifest)).toString('utf8')) as AggregateManifest).aggregates);
  }
  return out;
}
