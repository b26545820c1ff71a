import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import type { ProjectRecord } from '../catalog/index.js';
import { OutputExistsError, UsageError } from '../common/index.js';
import { execute, openDuckEngine, queryRows, quoteLiteral } from '../lake/index.js';
import { currentPredictionTables } from './batch-predictions.js';
import { latestSnapshots } from './explore.js';
import type { Lab } from './lab-types.js';
import { currentAggregates } from './stages/aggregates-stage.js';
import { currentSilver } from './stages/silver-stage.js';
import { currentGold } from './stages/gold-stage.js';

/**
 * `autolab export [PROJECT] LAYER[.TABLE] --out FILE.csv|FILE.parquet`: any layer's table, for other
 * tools — bronze (the latest snapshot), silver (the current build), quarantine (silver's set-aside
 * rows, with the rules they broke) or gold (the feature table, the business aggregates `TABLE_TIME_daily|weekly|monthly`, a model's predictions `TABLE_predictions`). Written to a temporary file beside the output, then renamed: an
 * existing file is replaced whole or not at all, and only when asked.
 */

export const EXPORT_LAYERS = ['bronze', 'silver', 'quarantine', 'gold'] as const;
type Layer = (typeof EXPORT_LAYERS)[number];

export interface ExportOutcome {
  readonly layer: Layer;
  readonly table: string;
  readonly path: string;
  readonly rows: number;
}

function parseRef(ref: string): { layer: Layer; table: string | undefined } {
  const dot = ref.indexOf('.');
  const layer = (dot < 0 ? ref : ref.slice(0, dot)) as Layer;
  if (!EXPORT_LAYERS.includes(layer)) throw new UsageError(`no layer ${JSON.stringify(dot < 0 ? ref : ref.slice(0, dot))} to export`, `write LAYER or LAYER.TABLE, LAYER one of ${EXPORT_LAYERS.join(', ')}`);
  return { layer, table: dot < 0 ? undefined : ref.slice(dot + 1) };
}

/** The lake key of each table of a layer, as the project stands; `main`: the table the layer's name alone means (gold's feature table). */
async function layerTables(lab: Lab, project: ProjectRecord, layer: Layer): Promise<Map<string, string> & { main?: string }> {
  if (layer === 'bronze') return new Map((await latestSnapshots(lab, project)).map((s) => [s.name, s.snapshot.lakeKey]));
  if (layer === 'gold') {
    // the business aggregates, and the feature table when the project learns from one (named after its target table)
    const tables = new Map((await currentAggregates(lab, project)).map((a) => [a.name, a.lakeKey]));
    // a model's predictions written back (`autolab predict PROJECT`, or `autolab run` with a production version)
    for (const [name, key] of await currentPredictionTables(lab, project)) tables.set(name, key);
    const gold = await currentGold(lab, project);
    if (gold.applies && gold.table) tables.set(gold.plan.target.table, gold.table.lakeKey);
    if (tables.size > 0) return Object.assign(tables, gold.applies && gold.table ? { main: gold.plan.target.table } : {});
    if (!gold.applies) throw new UsageError(`project ${project.name} has no gold table: it learns from its target table's silver, and no table has a time column with measures to aggregate`, 'confirm a relationship or an expression target first, or export silver');
    throw new UsageError(`the gold table of ${project.name} is not built for the current silver and tags`, `run \`autolab gold ${project.name}\``);
  }
  const silver = await currentSilver(lab, project);
  if (silver.waitsOn && silver.tables.length === 0) throw new UsageError(`project ${project.name} has no ${layer} tables yet: ${silver.waitsOn}`, `then run \`autolab silver ${project.name}\``);
  return new Map(silver.tables.map((t) => [t.table, layer === 'silver' ? t.lakeKey : t.quarantineKey]));
}

export async function exportTable(lab: Lab, project: ProjectRecord, ref: string, out: string, options: { readonly replace?: boolean } = {}): Promise<ExportOutcome> {
  const { layer, table: asked } = parseRef(ref);
  const extension = extname(out).toLowerCase();
  if (extension !== '.csv' && extension !== '.parquet') throw new UsageError(`cannot tell the format of ${out}`, 'name the output FILE.csv or FILE.parquet');
  const path = resolve(out);
  if (options.replace !== true && existsSync(path)) throw new OutputExistsError(out);
  const tables = await layerTables(lab, project, layer);
  const names = [...tables.keys()].sort();
  const table = asked ?? (names.length === 1 ? names[0] : tables.main);
  if (table === undefined) {
    throw new UsageError(
      names.length === 0 ? `project ${project.name} has no ${layer} tables` : `the ${layer} layer of ${project.name} has ${names.length} tables`,
      names.length === 0 ? (layer === 'bronze' ? `run \`autolab ingest ${project.name}\`` : `run \`autolab silver ${project.name}\``) : `name one: ${names.map((n) => `${layer}.${n}`).join(', ')}`,
    );
  }
  const key = tables.get(table);
  if (key === undefined) {
    const hint = layer === 'bronze' ? '' : ` (built for the current snapshots: run \`autolab silver ${project.name}\`)`;
    throw new UsageError(`project ${project.name} has no ${layer} table ${JSON.stringify(table)}${hint}`, names.length > 0 ? `one of: ${names.join(', ')}` : 'ingest and explore it first');
  }
  return { layer, table, ...(await writeLakeTable(lab, key, path, { replace: true })) };
}

/**
 * One lake table (by its key) to FILE.csv or FILE.parquet: written beside, then renamed. An
 * existing file is replaced only with `replace`.
 */
export async function writeLakeTable(lab: Lab, key: string, out: string, options: { readonly replace?: boolean } = {}): Promise<{ path: string; rows: number }> {
  const extension = extname(out).toLowerCase();
  if (extension !== '.csv' && extension !== '.parquet') throw new UsageError(`cannot tell the format of ${out}`, 'name the output FILE.csv or FILE.parquet');
  const path = resolve(out);
  if (options.replace !== true && existsSync(path)) throw new OutputExistsError(out);
  const source = await lab.store.localPathFor(key);
  await mkdir(dirname(path), { recursive: true });
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const engine = await openDuckEngine(lab.workDir);
  try {
    const format = extension === '.csv' ? '(FORMAT csv, HEADER true)' : '(FORMAT parquet)';
    await execute(engine.conn, `COPY (SELECT * FROM read_parquet($source)) TO ${quoteLiteral(temp)} ${format}`, { source });
    const [[rows]] = (await queryRows(engine.conn, 'SELECT count(*) FROM read_parquet($source)', { source })) as [[unknown]];
    await rename(temp, path);
    return { path, rows: Number(rows) };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  } finally {
    engine.close();
  }
}
