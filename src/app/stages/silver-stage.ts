import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProjectRecord } from '../../catalog/index.js';
import { inputsHash } from '../../catalog/index.js';
import { registerSecret, tempPrefix } from '../../common/index.js';
import type { ColumnProfile, ColumnRole, ColumnTag, SemanticType, TableProfile, TagSet, TagVersion } from '../../explore/index.js';
import { hasConfirmedTarget, PLACEHOLDER_NUMBERS } from '../../explore/index.js';
import { buildSilver, keySegment, openDuckEngine, type QualityRule, type SilverColumn, type SilverPlan, type SilverReport } from '../../lake/index.js';
import { actionKeyOf, type Stage, type StagePlan, type Unit } from '../../runtime/index.js';
import { hashFile } from '../../store/index.js';
import { deriveLabKey } from '../../sources/vault.js';
import { loadExploration, type ExploredTable } from '../explore.js';
import { LAB_DIR } from '../lab-config.js';
import type { Lab } from '../lab-types.js';
import type { StageContext } from './stage-context.js';
import { getJson, putJson } from '../stored-json.js';

/**
 * `silver.build`: one silver table per explored bronze table, made from its latest snapshot, the
 * confirmed tags and the quality rules (lake/silver.ts does the work). It waits, like training, on a
 * person confirming the target: the tags say how to clean. A unit is keyed by the bronze snapshot,
 * the table's cleaning plan and rules, and the snapshots its `references` rules read.
 */

/** text that always means "no value", whatever exploration found (compared trimmed, lower-cased) */
const ALWAYS_MISSING = ['', '?', 'n/a', 'na', '#n/a', 'null', 'nan', '-', '--'];
/** a key deduplicates rows when this share of its values is distinct */
const KEY_DISTINCT_SHARE = 0.99;

/** Where a silver table (named by its content hash) lives in the lake. */
export function silverKey(project: string, table: string, name: string): string {
  return `lake/silver/${keySegment(project)}/${keySegment(table)}/${name}.parquet`;
}

/** A column's type and role as its tags say: what a person confirmed, else the suggestion (else the profile's type). */
export function effectiveTags(column: ColumnProfile, tag: ColumnTag | undefined): { semantic: SemanticType; role: ColumnRole | undefined } {
  return { semantic: tag?.confirmed.semanticType ?? tag?.suggestion.semanticType.value ?? column.semanticType, role: tag?.confirmed.role ?? tag?.suggestion.role.value };
}

/** How one column is cleaned, from its profile and its tags (what a person confirmed, else the suggestion). */
function silverColumn(column: ColumnProfile, tag: ColumnTag | undefined, isTarget: boolean): SilverColumn {
  const { semantic, role } = effectiveTags(column, tag);
  // personal data: the confirmed policy; when nobody decided, the suggested one (the safe side)
  const policy = tag?.confirmed.piiPolicy !== undefined ? tag.confirmed.piiPolicy : (tag?.suggestion.piiPolicy.value ?? null);
  const text = /^VARCHAR/i.test(column.physicalType);
  const flagged = column.placeholders.map((p) => p.value).filter((v): v is string => v !== null);
  const nullStrings = text ? [...new Set([...ALWAYS_MISSING, ...flagged.map((v) => v.trim().toLowerCase())])].sort() : [];
  const nullNumbers = flagged.map(Number).filter((n) => PLACEHOLDER_NUMBERS.includes(n));
  // the target keeps its labels as written; keys keep their spelling (joins compare text)
  let cast: SilverColumn['cast'] = null;
  if (text && !isTarget && role !== 'id') {
    if (semantic === 'numeric' && (column.strings?.numericShare ?? 0) > 0) cast = 'number';
    else if (semantic === 'boolean' && (column.strings?.booleanShare ?? 0) > 0) cast = 'boolean';
    else if (semantic === 'datetime' && column.datetime) cast = 'timestamp';
  }
  return {
    name: column.name,
    cast,
    dateFormat: cast === 'timestamp' ? (column.datetime?.format ?? null) : null,
    trim: text,
    nullStrings,
    nullNumbers: [...new Set(nullNumbers)].sort((a, b) => a - b),
    pii: isTarget ? 'keep' : (policy ?? 'keep'),
  };
}

/** The cleaning plan of one explored table under the current tags. */
export function silverPlanFor(profile: TableProfile, tags: TagSet): SilverPlan {
  const byColumn = new Map(tags.columns.filter((c) => c.table === profile.name).map((c) => [c.column, c]));
  const columns = profile.columns.map((c) => {
    const tag = byColumn.get(c.name);
    return silverColumn(c, tag, tag?.confirmed.role === 'target');
  });
  const key = profile.columns
    .filter((c) => (byColumn.get(c.name)?.confirmed.role ?? byColumn.get(c.name)?.suggestion.role.value) === 'id')
    .filter((c) => c.distinctShare >= KEY_DISTINCT_SHARE && c.missingShare < 0.01)
    .slice(0, 1)
    .map((c) => c.name);
  return { table: profile.name, columns, key };
}

function tableRules(tags: TagVersion, table: string): QualityRule[] {
  return (tags.tags.rules ?? []).filter((r) => r.table === table);
}

/** Whether a project's tags let silver (and what follows) be built: a confirmed target. */
function waitsOnTags(tags: TagVersion | undefined): string | undefined {
  if (tags && hasConfirmedTarget(tags.tags)) return undefined;
  const suggested = tags?.tags.columns.find((c) => c.suggestion.role.value === 'target');
  const hint = suggested ? ` (suggested: ${suggested.table}.${suggested.column})` : '';
  return `confirm the target column${hint}: autolab tags set TABLE.COLUMN role=target, or autolab tags accept`;
}

function unitOf(table: ExploredTable, tables: readonly ExploredTable[], tags: TagVersion): Unit {
  const plan = silverPlanFor(table.profile, tags.tags);
  const rules = tableRules(tags, table.name);
  const referenced: Record<string, string> = {};
  for (const r of rules) {
    if (r.check.kind !== 'references') continue;
    const other = tables.find((t) => t.name === (r.check as { table: string }).table);
    if (other) referenced[`ref:${other.name}`] = other.snapshot.contentHash;
  }
  return {
    unit: table.name,
    inputs: { bronze: table.snapshot.contentHash, plan: inputsHash(plan), rules: inputsHash(rules), ...referenced },
    params: { table: table.name },
  };
}

export const silverStage: Stage<StageContext> = {
  kind: 'silver.build',
  version: 1,
  async plan(context, project): Promise<StagePlan> {
    const state = await loadExploration(context.lab, project);
    const waits = waitsOnTags(state.tags);
    // nothing to clean by until the tags are confirmed: the report still follows, and training says what waits
    if (waits !== undefined || !state.tags) return { units: [] };
    const tags = state.tags;
    return { units: state.tables.map((t) => unitOf(t, state.tables, tags)) };
  },

  async run(context, project, unit) {
    const { lab } = context;
    const state = await loadExploration(lab, project);
    const table = state.tables.find((t) => t.name === unit.unit);
    if (!table || !state.tags || table.snapshot.contentHash !== unit.inputs['bronze']) {
      throw new Error(`the snapshot of ${unit.unit} planned for silver is no longer the latest`);
    }
    const plan = silverPlanFor(table.profile, state.tags.tags);
    const rules = tableRules(state.tags, table.name);
    const referenced: Record<string, string> = {};
    for (const t of state.tables) if (unit.inputs[`ref:${t.name}`] !== undefined) referenced[t.name] = await lab.store.localPathFor(t.snapshot.lakeKey);
    const salt = (await deriveLabKey(join(lab.root, LAB_DIR), `pii-salt:${project.name}`)).toString('hex');
    registerSecret(salt);
    const tmp = await mkdtemp(join(lab.workDir, tempPrefix('silver')));
    const engine = await openDuckEngine(lab.workDir, { memoryLimit: '1GB' });
    try {
      const outPath = join(tmp, 'silver.parquet');
      const quarantinePath = join(tmp, 'quarantine.parquet');
      const bronzePath = await lab.store.localPathFor(table.snapshot.lakeKey);
      const report = await buildSilver(engine.conn, { plan, rules, bronzePath, referenced, salt, outPath, quarantinePath });
      const silver = await hashFile(outPath);
      const quarantine = await hashFile(quarantinePath);
      const lakeKey = silverKey(project.name, table.name, silver.hash);
      const quarantineKey = silverKey(project.name, table.name, `quarantine-${quarantine.hash}`);
      await lab.store.moveObject(lakeKey, outPath, silver);
      await lab.store.moveObject(quarantineKey, quarantinePath, quarantine);
      const stored = await putJson(lab, report);
      return {
        outputs: { silver: silver.hash, lakeKey, quarantine: quarantine.hash, quarantineKey, report: stored.hash },
        bytesWritten: silver.bytes + quarantine.bytes + stored.bytes,
        detail: summary(report),
      };
    } finally {
      engine.close();
      await rm(tmp, { recursive: true, force: true });
    }
  },

  async usable(context, outputs) {
    const { lakeKey, quarantineKey, report } = outputs;
    if (lakeKey === undefined || quarantineKey === undefined || report === undefined) return false;
    return (await context.lab.store.hasObject(lakeKey)) && (await context.lab.store.hasObject(quarantineKey)) && (await context.lab.store.has(report));
  },
};

function summary(report: SilverReport): Record<string, unknown> {
  const warnings = report.rules.filter((r) => r.failed > 0).map((r) => `${r.id} ${r.failed}`);
  return {
    table: report.table,
    rowsIn: report.rowsIn,
    rows: report.rowsOut,
    quarantined: report.quarantined,
    duplicates: report.duplicatesRemoved,
    ...(warnings.length > 0 ? { rules: warnings } : {}),
  };
}

/** A table's current silver: the result of its unit under the current inputs, when it was built. */
export interface SilverTable {
  readonly table: string;
  readonly silverHash: string;
  readonly lakeKey: string;
  readonly quarantineKey: string;
  readonly plan: SilverPlan;
  readonly report: SilverReport;
}

/** The silver tables of a project as they stand (built for the current snapshots, tags and rules), or why there are none. */
export async function currentSilver(lab: Lab, project: ProjectRecord): Promise<{ tables: SilverTable[]; missing: string[]; waitsOn?: string }> {
  const state = await loadExploration(lab, project);
  const waits = waitsOnTags(state.tags);
  if (waits !== undefined || !state.tags) return { tables: [], missing: state.tables.map((t) => t.name), waitsOn: waits ?? 'confirm the tags' };
  const tables: SilverTable[] = [];
  const missing: string[] = [];
  for (const t of state.tables) {
    const unit = unitOf(t, state.tables, state.tags);
    const found = await lab.catalog.findResult(actionKeyOf(silverStage, project.name, unit));
    const outputs = found?.outputs;
    if (!outputs?.['lakeKey'] || !outputs['report'] || !outputs['silver'] || !outputs['quarantineKey']) {
      missing.push(t.name);
      continue;
    }
    const report = await getJson<SilverReport>(lab, outputs['report']);
    tables.push({ table: t.name, silverHash: outputs['silver'], lakeKey: outputs['lakeKey'], quarantineKey: outputs['quarantineKey'], plan: silverPlanFor(t.profile, state.tags.tags), report });
  }
  return { tables, missing };
}
