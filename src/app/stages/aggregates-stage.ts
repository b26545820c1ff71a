import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectRecord } from '../../catalog/index.js';
import { inputsHash } from '../../catalog/index.js';
import { tempPrefix } from '../../common/index.js';
import type { TableProfile, TagVersion } from '../../explore/index.js';
import { AGGREGATE_GRAINS, buildAggregates, keySegment, openDuckEngine, type AggregateGrain, type AggregateReport, type AggregateSpec, type SilverPlan } from '../../lake/index.js';
import { actionKeyOf, type Stage, type StagePlan, type Unit } from '../../runtime/index.js';
import { hashFile } from '../../store/index.js';
import { loadExploration } from '../explore.js';
import type { Lab } from '../lab-types.js';
import { currentSilver, effectiveTags } from './silver-stage.js';
import type { StageContext } from './stage-context.js';
import { getJson, putJson } from '../stored-json.js';

/**
 * `gold.aggregates`: business aggregates for dashboards — for each time column of a silver table
 * that has numeric measures, daily, weekly and monthly tables of the measures per period, over all
 * rows and per member of each low-cardinality category (lake/aggregates.ts). A unit is one (table,
 * time column), keyed by the table's silver and the spec the tags give; it runs after silver.
 */

/** a category with at most this many distinct values is a dimension ("weekly delays per origin": a few hundred airports) */
const MAX_MEMBERS = 500;
const MAX_DIMENSIONS = 10;
const MAX_MEASURES = 20;
const MAX_TIME_COLUMNS = 3;

/** The aggregates a table's tags call for: one spec per time column with at least one measure. */
export function aggregateSpecsFor(profile: TableProfile, tags: TagVersion, plan: SilverPlan): AggregateSpec[] {
  const byColumn = new Map(tags.tags.columns.filter((c) => c.table === profile.name).map((c) => [c.column, c]));
  const cleaned = new Map(plan.columns.map((c) => [c.name, c]));
  const times: string[] = [];
  const measures: string[] = [];
  const dimensions: string[] = [];
  for (const column of profile.columns) {
    const silver = cleaned.get(column.name);
    // personal data that silver drops, masks or hashes is never shown per member
    if (!silver || silver.pii !== 'keep') continue;
    const { semantic, role } = effectiveTags(column, byColumn.get(column.name));
    if (role === 'id' || role === 'ignore') continue;
    const temporal = silver.cast === 'timestamp' || /^(DATE|TIMESTAMP)/i.test(column.physicalType);
    if ((role === 'time' || semantic === 'datetime') && temporal) times.push(column.name);
    else if (semantic === 'numeric' && (silver.cast === 'number' || !/^VARCHAR/i.test(column.physicalType))) measures.push(column.name);
    else if ((semantic === 'categorical' || semantic === 'boolean') && column.distinct <= MAX_MEMBERS) dimensions.push(column.name);
  }
  if (measures.length === 0) return [];
  return times.slice(0, MAX_TIME_COLUMNS).map((time) => ({ table: profile.name, time, measures: measures.slice(0, MAX_MEASURES), dimensions: dimensions.slice(0, MAX_DIMENSIONS) }));
}

function aggregateKey(project: string, spec: AggregateSpec, grain: AggregateGrain, hash: string): string {
  return `lake/gold/${keySegment(project)}/aggregates/${keySegment(spec.table)}/${keySegment(spec.time)}/${grain}-${hash}.parquet`;
}

/** The units of the project's current silver tables; none until silver is built. */
async function aggregateUnits(lab: Lab, project: ProjectRecord): Promise<{ unit: Unit; spec: AggregateSpec; lakeKey: string }[]> {
  const silver = await currentSilver(lab, project);
  if (silver.waitsOn !== undefined) return [];
  const state = await loadExploration(lab, project);
  if (!state.tags) return [];
  const units: { unit: Unit; spec: AggregateSpec; lakeKey: string }[] = [];
  for (const table of silver.tables) {
    const profile = state.tables.find((t) => t.name === table.table)?.profile;
    if (!profile) continue;
    for (const spec of aggregateSpecsFor(profile, state.tags, table.plan)) {
      units.push({ unit: { unit: `${spec.table}.${spec.time}`, inputs: { silver: table.silverHash, spec: inputsHash(spec) }, params: { table: spec.table, time: spec.time } }, spec, lakeKey: table.lakeKey });
    }
  }
  return units;
}

export const aggregatesStage: Stage<StageContext> = {
  kind: 'gold.aggregates',
  version: 1,

  async plan(context, project): Promise<StagePlan> {
    return { units: (await aggregateUnits(context.lab, project)).map((u) => u.unit) };
  },

  async run(context, project, unit) {
    const { lab } = context;
    const planned = (await aggregateUnits(lab, project)).find((u) => u.unit.unit === unit.unit && u.unit.inputs['silver'] === unit.inputs['silver'] && u.unit.inputs['spec'] === unit.inputs['spec']);
    if (!planned) throw new Error(`the silver table or tags planned for the aggregates of ${unit.unit} are no longer the latest`);
    const tmp = await mkdtemp(join(lab.workDir, tempPrefix('gold')));
    const engine = await openDuckEngine(lab.workDir, { memoryLimit: '1GB' });
    try {
      const paths = Object.fromEntries(AGGREGATE_GRAINS.map((g) => [g, join(tmp, `${g}.parquet`)])) as Record<AggregateGrain, string>;
      const report = await buildAggregates(engine.conn, planned.spec, await lab.store.localPathFor(planned.lakeKey), paths);
      const outputs: Record<string, string> = {};
      let bytes = 0;
      for (const grain of AGGREGATE_GRAINS) {
        const hashed = await hashFile(paths[grain]);
        const key = aggregateKey(project.name, planned.spec, grain, hashed.hash);
        await lab.store.moveObject(key, paths[grain], hashed);
        outputs[grain] = hashed.hash;
        outputs[`${grain}Key`] = key;
        bytes += hashed.bytes;
      }
      const stored = await putJson(lab, report);
      outputs['report'] = stored.hash;
      return {
        outputs,
        bytesWritten: bytes + stored.bytes,
        detail: { table: report.table, time: report.time, rows: report.rowsIn, withoutTime: report.withoutTime, measures: planned.spec.measures.length, dimensions: planned.spec.dimensions.length },
      };
    } finally {
      engine.close();
      await rm(tmp, { recursive: true, force: true });
    }
  },

  async usable(context, outputs) {
    const keys = AGGREGATE_GRAINS.map((g) => outputs[`${g}Key`]);
    if (keys.some((k) => k === undefined) || outputs['report'] === undefined) return false;
    for (const key of keys) if (!(await context.lab.store.hasObject(key!))) return false;
    return context.lab.store.has(outputs['report']);
  },
};

const GRAIN_NAMES: Readonly<Record<AggregateGrain, string>> = { day: 'daily', week: 'weekly', month: 'monthly' };

/** One table of business aggregates as it stands (built for the current silver and tags). */
export interface AggregateTableRef {
  /** `<table>_<time>_<grain>`, the name `autolab export PROJECT gold.NAME` takes */
  readonly name: string;
  readonly grain: AggregateGrain;
  readonly lakeKey: string;
  readonly rows: number;
  readonly spec: AggregateSpec;
  readonly report: AggregateReport;
}

/** The project's business aggregates that are built for its current silver and tags. */
export async function currentAggregates(lab: Lab, project: ProjectRecord): Promise<AggregateTableRef[]> {
  const refs: AggregateTableRef[] = [];
  for (const { unit, spec } of await aggregateUnits(lab, project)) {
    const found = await lab.catalog.findResult(actionKeyOf(aggregatesStage, project.name, unit));
    if (!found?.outputs['report']) continue;
    const report = await getJson<AggregateReport>(lab, found.outputs['report']);
    for (const grain of AGGREGATE_GRAINS) {
      const rows = report.tables.find((t) => t.grain === grain)?.rows ?? 0;
      refs.push({ name: `${spec.table}_${spec.time}_${GRAIN_NAMES[grain]}`, grain, lakeKey: found.outputs[`${grain}Key`]!, rows, spec, report });
    }
  }
  return refs;
}
