import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { loadBundle, type AutoModel, type BatchPrediction, type BundleGold } from '../automl/index.js';
import type { ActionRecord, ModelVersionRecord, ProjectRecord } from '../catalog/index.js';
import { InputError, isUserError, tempPrefix, UsageError } from '../common/index.js';
import { readFrame, textColumnsOf, type Frame } from '../features/index.js';
import { buildGold, describeParquet, execute, keySegment, openDuckEngine, quoteIdent, quoteLiteral } from '../lake/index.js';
import { materializeBundle, modelVersionOf, productionVersion } from '../registry/index.js';
import { runAction, type Stage, type StagePlan, type Unit } from '../runtime/index.js';
import { hashFile } from '../store/index.js';
import { goldSilverTables, localPathsOf } from './gold-features.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { buildSilverTables } from './silver.js';
import { currentSilver, type SilverTable } from './stages/silver-stage.js';
import { stageContext, type StageContext } from './stages/stage-context.js';
import { currentTags } from './tags.js';

/**
 * `gold.predictions`: a model version's predictions for every row of its target table's newest
 * silver snapshot, written back into the lake as the gold table `<table>_predictions` — the
 * record's id columns (those tagged id; the row number in the snapshot when none is), `prediction`,
 * `proba_<class>` per class, `model_version` and `scored_at`. A unit is keyed by the version's
 * bundle and the silver of every table it reads (its target table; for a model trained on gold,
 * each table its feature plan reads, whose features are computed from them by the bundle's own
 * plan): a rerun with nothing changed does nothing. In `autolab run` it scores with the production
 * version; `autolab predict PROJECT --version N` with any.
 */

export const PREDICTIONS_SUFFIX = '_predictions';
/** the output columns besides the record's ids and the probabilities */
const OWN_COLUMNS = ['row', 'prediction', 'model_version', 'scored_at'];

interface ScoringPlan {
  readonly unit: Unit;
  readonly version: ModelVersionRecord;
  readonly gold: BundleGold | undefined;
  readonly target: SilverTable;
  /** every silver table read, the target's among them */
  readonly tables: readonly SilverTable[];
  readonly idColumns: readonly string[];
}

/** The bundle's manifest fields scoring needs, read from the store without fetching the bundle. */
async function bundleGoldOf(lab: Lab, version: ModelVersionRecord): Promise<BundleGold | undefined> {
  const file = version.files['bundle.json'];
  if (file === undefined) throw new InputError(`model version ${version.version} has no bundle.json in the registry`, 'train it again');
  const manifest = JSON.parse(Buffer.from(await lab.store.getBytes(file)).toString('utf8')) as { gold?: BundleGold };
  return manifest.gold;
}

/** What scoring `version` means now, or why it cannot be done (a one-line reason). */
async function scoringPlan(lab: Lab, project: ProjectRecord, version: ModelVersionRecord): Promise<ScoringPlan | string> {
  const lineage = version.lineage as { table?: unknown };
  const gold = await bundleGoldOf(lab, version);
  const table = gold?.plan.target.table ?? (typeof lineage.table === 'string' ? lineage.table : undefined);
  if (table === undefined) return `model version ${version.version} does not say which table it was trained on`;
  const silver = await currentSilver(lab, project);
  const target = silver.tables.find((t) => t.table === table);
  if (!target) return `table ${table} of project ${project.name} has no current silver table`;
  let tables: SilverTable[];
  try {
    tables = gold ? await goldSilverTables(lab, project, gold) : [target];
  } catch (error) {
    if (isUserError(error)) return error.what;
    throw error;
  }
  const tags = await currentTags(lab.catalog, project);
  const present = new Set(target.plan.columns.filter((c) => c.pii !== 'drop').map((c) => c.name));
  const idColumns = (tags?.tags.columns ?? []).filter((c) => c.table === table && c.confirmed.role === 'id' && present.has(c.column)).map((c) => c.column);
  const unit: Unit = {
    unit: table,
    inputs: { bundle: version.bundleHash, ...Object.fromEntries(tables.map((t) => [`silver:${t.table}`, t.silverHash])) },
    params: { version: version.version },
  };
  return { unit, version, gold, target, tables, idColumns };
}

export const batchPredictionsStage: Stage<StageContext> = {
  kind: 'gold.predictions',
  version: 1,
  async plan({ lab }, project): Promise<StagePlan> {
    const production = await productionVersion(lab, project.name);
    if (!production) return { units: [] };
    const plan = await scoringPlan(lab, project, production);
    return { units: typeof plan === 'string' ? [] : [plan.unit] };
  },
  async run({ lab }, project, unit) {
    const version = await modelVersionOf(lab, project.name, Number(unit.params['version']));
    const plan = await scoringPlan(lab, project, version);
    if (typeof plan === 'string') throw new InputError(plan, `run \`autolab run ${project.name}\``);
    const changed = Object.keys({ ...plan.unit.inputs, ...unit.inputs }).filter((name) => plan.unit.inputs[name] !== unit.inputs[name]);
    if (changed.length > 0) throw new Error(`the inputs planned for scoring ${unit.unit} are no longer the current ones (${changed.join(', ')})`);
    return scoreIntoLake(lab, project, plan);
  },
  async usable({ lab }, outputs) {
    const key = outputs['predictionsKey'];
    return key !== undefined && (await lab.store.hasObject(key));
  },
};

function predictionsKey(project: string, table: string, hash: string): string {
  return `lake/gold/${keySegment(project)}/predictions/${keySegment(table)}/${hash}.parquet`;
}

async function modelInput(lab: Lab, plan: ScoringPlan, model: AutoModel, conn: DuckDBConnection, scratch: string): Promise<Frame> {
  const textColumns = textColumnsOf(model.manifest.pipeline);
  const paths = await localPathsOf(lab, plan.tables);
  const targetPath = paths[plan.target.table]!;
  if (!plan.gold) return readFrame(targetPath, { textColumns, workDir: scratch });
  // silver rows are clean already: the bundle's feature plan is computed on them as training's gold was
  const featuresPath = join(scratch, 'features.parquet');
  await buildGold(conn, { plan: plan.gold.plan, targetPath, tablePaths: paths, withLabel: false }, featuresPath);
  return readFrame(featuresPath, { textColumns, workDir: scratch });
}

async function scoreIntoLake(lab: Lab, project: ProjectRecord, plan: ScoringPlan) {
  const scratch = await mkdtemp(join(lab.workDir, tempPrefix('score')));
  const engine = await openDuckEngine(lab.workDir, { memoryLimit: '1GB' });
  try {
    const { model } = loadBundle(await materializeBundle(lab, plan.version));
    const frame = await modelInput(lab, plan, model, engine.conn, scratch);
    const silverPath = await lab.store.localPathFor(plan.target.lakeKey);
    const rowsIn = (await describeParquet(engine.conn, silverPath)).rows;
    if (frame.rows !== rowsIn) throw new Error(`scoring read ${frame.rows} rows of ${plan.target.table}'s silver, which holds ${rowsIn}`);
    const batch = model.predictFrame(frame);
    const out = join(scratch, 'predictions.parquet');
    const scoredAt = new Date().toISOString();
    await writePredictionsTable(engine.conn, { silverPath, batch, idColumns: plan.idColumns, version: plan.version.version, scoredAt, regression: model.task === 'regression' }, out);
    const hashed = await hashFile(out);
    const key = predictionsKey(project.name, plan.target.table, hashed.hash);
    await lab.store.moveObject(key, out, hashed);
    return {
      outputs: { predictions: hashed.hash, predictionsKey: key },
      bytesWritten: hashed.bytes,
      detail: { table: plan.target.table, name: `${plan.target.table}${PREDICTIONS_SUFFIX}`, version: plan.version.version, rows: frame.rows, ids: plan.idColumns, classes: batch.classes, scoredAt },
    };
  } finally {
    engine.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * The predictions beside the ids of the rows they score, matched by the row's number in the silver
 * file (the frame was read in file order): a temporary table filled by DuckDB's appender, joined
 * and written as one Parquet file.
 */
async function writePredictionsTable(
  conn: DuckDBConnection,
  input: { silverPath: string; batch: BatchPrediction; idColumns: readonly string[]; version: number; scoredAt: string; regression: boolean },
  outPath: string,
): Promise<void> {
  const { batch } = input;
  const probaColumns = input.regression ? [] : batch.classes.map((c) => `proba_${c}`);
  const clash = [...input.idColumns].find((c) => OWN_COLUMNS.includes(c) || probaColumns.includes(c));
  if (clash !== undefined) throw new InputError(`the id column ${clash} has the name of a column of the predictions table`, `tag it role=feature, or rename it in the source`);
  await execute(conn, `CREATE OR REPLACE TEMP TABLE scored (row BIGINT, prediction ${input.regression ? 'DOUBLE' : 'VARCHAR'}${probaColumns.map((c) => `, ${quoteIdent(c)} DOUBLE`).join('')})`);
  const appender = await conn.createAppender('scored');
  const k = batch.classes.length;
  for (let r = 0; r < batch.prediction.length; r++) {
    appender.appendBigInt(BigInt(r));
    const p = batch.prediction[r]!;
    if (input.regression) appender.appendDouble(Number(p));
    else appender.appendVarchar(String(p));
    for (let j = 0; j < probaColumns.length; j++) appender.appendDouble(batch.probabilities![r * k + j]!);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
  const ids = input.idColumns.length > 0 ? input.idColumns.map((c) => `s.${quoteIdent(c)}`) : ['s.file_row_number AS row'];
  const select = [...ids, 'p.prediction', ...probaColumns.map((c) => `p.${quoteIdent(c)}`), `CAST($version AS INTEGER) AS model_version`, `CAST($scored AS TIMESTAMP) AS scored_at`];
  await execute(
    conn,
    `COPY (SELECT ${select.join(', ')} FROM read_parquet($silver, file_row_number = true) s JOIN scored p ON p.row = s.file_row_number ORDER BY s.file_row_number) TO ${quoteLiteral(outPath)} (FORMAT parquet)`,
    { silver: input.silverPath, version: input.version, scored: input.scoredAt.replace('Z', '') },
  );
  await execute(conn, 'DROP TABLE scored');
}

export interface BatchPredictionsOutcome {
  readonly project: string;
  /** `<table>_predictions`, as `autolab export PROJECT gold.NAME` takes it */
  readonly name: string;
  readonly version: number;
  readonly rows: number;
  /** false: the same version had scored the same snapshot already (nothing was done) */
  readonly scored: boolean;
  readonly lakeKey: string;
  readonly scoredAt: string;
}

/**
 * `autolab predict PROJECT [--version N]`: brings the project's silver up to date (reused when it
 * is), then scores its target table with the version (default: production) — or reuses the
 * scoring of the same version and snapshot.
 */
export async function predictProject(lab: Lab, project: ProjectRecord, options: { readonly version?: number } = {}): Promise<BatchPredictionsOutcome> {
  const context = stageContext(lab);
  const silver = await buildSilverTables(lab, project, context);
  const version = options.version !== undefined ? await modelVersionOf(lab, project.name, options.version) : await productionVersion(lab, project.name);
  if (!version) {
    throw new UsageError(`project ${project.name} has no model in production to score with`, `give a version (see \`autolab models list ${project.name}\`), or approve and promote one`);
  }
  const plan = await scoringPlan(lab, project, version);
  if (typeof plan === 'string') {
    const failed = silver.failed[0];
    if (failed) throw failed.cause;
    throw new InputError(plan, `run \`autolab run ${project.name}\``);
  }
  const outcome = await runAction({ catalog: lab.catalog, workerId: workerId() }, batchPredictionsStage, context, project, plan.unit);
  if (outcome.status === 'failed') throw outcome.error;
  return outcomeOf(project, outcome.record, outcome.status === 'done');
}

function outcomeOf(project: ProjectRecord, record: ActionRecord, scored: boolean): BatchPredictionsOutcome {
  const detail = record.detail;
  return {
    project: project.name,
    name: String(detail['name']),
    version: Number(detail['version']),
    rows: Number(detail['rows']),
    scored,
    lakeKey: record.outputs['predictionsKey']!,
    scoredAt: String(detail['scoredAt']),
  };
}

/** The newest predictions table of each table scored (by any version), by `<table>_predictions`. */
export async function currentPredictionTables(lab: Lab, project: ProjectRecord): Promise<Map<string, string>> {
  const done = await lab.catalog.listActions({ project: project.name, kind: batchPredictionsStage.kind, status: 'done' });
  const tables = new Map<string, string>();
  for (const action of done) {
    const key = action.outputs['predictionsKey'];
    if (key !== undefined) tables.set(String(action.detail['name']), key);
  }
  return tables;
}
