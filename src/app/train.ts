import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inputsHash, type ProjectRecord } from '../catalog/index.js';
import { InputError, tempPrefix } from '../common/index.js';
import { loadBundle, trainModel, type SearchProgress, type TrainResult } from '../automl/index.js';
import { readFrame, type Frame } from '../features/index.js';
import { hasConfirmedTarget, type ColumnTag, type TagSet } from '../explore/index.js';
import { HOLDOUT_FILE, holdoutJson, readHoldout } from '../registry/index.js';
import { runAction, type ActionOutcome, type Stage, type StagePlan, type Unit } from '../runtime/index.js';
import { latestSnapshots } from './explore.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { buildSilverTables } from './silver.js';
import { buildGoldTable } from './gold.js';
import { currentGold } from './stages/gold-stage.js';
import { registerStage } from './stages/model-stages.js';
import { currentSilver } from './stages/silver-stage.js';
import { isPersonalData } from './stages/personal-data.js';
import { stageContext, type StageContext } from './stages/stage-context.js';
import { currentTags, requireTags } from './tags.js';

/**
 * The `trained` stage of a project: AutoML on the latest bronze snapshot of the table that holds
 * the confirmed target, without the columns a person tagged as id, ignore or PII to drop. The
 * bundle goes into the store file by file before the `automl.train` action is recorded, and a
 * readable copy stays in `<lab>/models/<project>/`.
 */

export interface ProjectTrainOptions {
  readonly timeLimit?: number;
  /** exactly this many candidates instead of a time limit (reproducible) */
  readonly trials?: number;
  readonly seed?: number;
  readonly onProgress?: (progress: SearchProgress) => void;
  /** train even when the snapshot and the tags are those of the last training */
  readonly force?: boolean;
}

export interface ProjectTrainOutcome {
  readonly project: string;
  readonly table: string;
  readonly target: string;
  readonly snapshotVersion: number;
  readonly excluded: readonly string[];
  readonly bundleDir: string;
  readonly bundleHash: string;
  readonly metric: string;
  readonly score: number;
  /** null when the last training's bundle was reused (same snapshot, same confirmed tags) */
  readonly result: TrainResult | null;
}

const EXCLUDED_ROLES = new Set(['id', 'ignore', 'weight', 'group']);

/** The confirmed target of a project (a column, or an expression's name) and the columns to leave out of its table. */
export function trainingColumns(tags: TagSet, project: string): { table: string; target: string; excluded: string[] } {
  const { columns } = tags;
  const notFeature = (c: ColumnTag) => EXCLUDED_ROLES.has(c.confirmed.role ?? '') || isPersonalData(c);
  const expression = tags.targetExpression;
  if (expression) {
    const excluded = columns.filter((c) => c.table === expression.table && (expression.reads.includes(c.column) || notFeature(c))).map((c) => c.column);
    return { table: expression.table, target: expression.name, excluded };
  }
  const targets = columns.filter((c) => c.confirmed.role === 'target');
  if (targets.length === 0) {
    throw new InputError(
      `project ${project} has no confirmed target column`,
      `confirm one: \`autolab tags set TABLE.COLUMN role=target --project ${project}\` or \`autolab tags accept\``,
    );
  }
  if (targets.length > 1) {
    const names = targets.map((t) => `${t.table}.${t.column}`).join(', ');
    throw new InputError(`project ${project} has ${targets.length} target columns (${names})`, 'keep one with `autolab tags set TABLE.COLUMN role=feature` on the others');
  }
  const target = targets[0]!;
  const excluded = columns.filter((c) => c.table === target.table && c.column !== target.column).filter(notFeature).map((c) => c.column);
  return { table: target.table, target: target.column, excluded };
}

/**
 * Whether the project's retraining policy lets new data be learned from now. Always before a model
 * is in production, and whenever the tags changed (a person changed what to learn); otherwise, by
 * `retraining.PROJECT.on` in autolab.yaml: `new-data` (the default) yes; `drift`, `performance` or
 * `alert` once such an alert was raised after the training in force; `manual` never.
 */
export async function retrainingDue(lab: Lab, project: ProjectRecord, inputs: Readonly<Record<string, string>>): Promise<boolean> {
  const on = lab.config.retraining?.[project.name]?.on ?? 'new-data';
  if (on === 'new-data') return true;
  const [last] = await lab.catalog.listActions({ project: project.name, kind: 'automl.train', unit: '', status: 'done', limit: 1 });
  if (!last || last.inputs['tags'] !== inputs['tags'] || Object.keys(inputs).every((name) => last.inputs[name] === inputs[name])) return true;
  if (!(await lab.catalog.listModelVersions(project.id)).some((v) => v.stage === 'production')) return true;
  if (on === 'manual') return false;
  const since = last.finishedAt ?? last.startedAt;
  const alerts = await lab.catalog.listActions({ project: project.name, kind: 'monitor.alert', status: 'done', limit: 50 });
  return alerts.some((a) => a.startedAt > since && (on === 'alert' || a.detail['alert'] === (on === 'drift' ? 'autolab.drift' : 'autolab.performance')));
}

/**
 * The training the project's current data and tags call for (none until silver or gold is built),
 * and whether the retraining policy lets it run now: `trainStage`'s plan, and what `autolab run`
 * says when the policy holds new data back.
 */
export async function trainingPlanned(context: StageContext, project: ProjectRecord): Promise<{ waitsOn: string } | { unit: Unit | null; due: boolean }> {
  const { lab, options } = context;
  const tags = await currentTags(lab.catalog, project);
  if (!tags || !hasConfirmedTarget(tags.tags)) {
    const suggested = tags?.tags.columns.find((c) => c.suggestion.role.value === 'target');
    const hint = suggested ? ` (suggested: ${suggested.table}.${suggested.column})` : '';
    return { waitsOn: `confirm the target column${hint}: autolab tags set TABLE.COLUMN role=target, or autolab tags accept` };
  }
  const { table } = trainingColumns(tags.tags, project.name);
  const silver = (await currentSilver(lab, project)).tables.find((t) => t.table === table);
  if (!silver) return { unit: null, due: false };
  const forced: Record<string, string> = options.force ? { forced: context.runToken } : {};
  const gold = await currentGold(lab, project);
  // related tables or an expression target: learned from gold, once it is built. The budget and seed
  // say how hard to look, not what to learn from: a model trained on the same table and tags is
  // reused whatever they were (`train --force` trains again)
  if (gold.applies && !gold.table) return { unit: null, due: false };
  const inputs: Record<string, string> = gold.applies && gold.table ? { gold: gold.table.goldHash, tags: tags.confirmedHash, ...forced } : { silver: silver.silverHash, tags: tags.confirmedHash, ...forced };
  return { unit: { unit: '', inputs, params: { table } }, due: options.force === true || (await retrainingDue(lab, project, inputs)) };
}

/**
 * `automl.train` as a stage: one unit per project once a target is confirmed, keyed by the
 * snapshot of the target's table and the confirmed tags. Every bundle file goes into the store before the action is recorded; a
 * readable copy lands in `<lab>/models/<project>/`.
 */
export const trainStage: Stage<StageContext> = {
  kind: 'automl.train',
  version: 1,
  async plan(context, project): Promise<StagePlan> {
    const planned = await trainingPlanned(context, project);
    if ('waitsOn' in planned) return planned;
    return { units: planned.unit && planned.due ? [planned.unit] : [] };
  },
  async run(context, project, unit) {
    const { lab, options } = context;
    const tags = await requireTags(lab.catalog, project);
    const { table, target, excluded } = trainingColumns(tags.tags, project.name);
    const silver = (await currentSilver(lab, project)).tables.find((t) => t.table === table);
    const gold = unit.inputs['gold'] !== undefined ? await currentGold(lab, project) : null;
    const goldTable = gold?.applies ? gold.table : null;
    if (!silver || (gold ? goldTable?.goldHash !== unit.inputs['gold'] : silver.silverHash !== unit.inputs['silver'])) {
      throw new Error(`the ${gold ? 'gold' : 'silver'} table of ${table} planned for training is no longer the current one`);
    }
    const bundleDir = join(lab.root, 'models', project.name);
    // named by tempPrefix: a train killed mid-way leaves it to the next command that opens the lab
    const staging = join(lab.workDir, `${tempPrefix('train')}${Date.now()}`);
    try {
      // gold holds only features and the label; silver drops what is not a feature here
      const frame = goldTable
        ? await readFrame(await lab.store.localPathFor(goldTable.lakeKey), { textColumns: [target], workDir: lab.workDir })
        : dropColumns(await readFrame(await lab.store.localPathFor(silver.lakeKey), { textColumns: [target], workDir: lab.workDir }), excluded);
      const result = await trainModel(frame, {
        target,
        ...(options.trials !== undefined ? { trials: options.trials } : { timeLimit: options.timeLimit ?? lab.config.defaults.timeLimitSeconds }),
        seed: options.seed ?? 0,
        out: staging,
        clean: silver.plan,
        ...(goldTable ? { gold: { project: project.name, plan: goldTable.manifest.plan } } : {}),
        ...(options.onTrain ? { onProgress: options.onTrain } : {}),
      });
      // the out-of-sample predictions beside the bundle (outside its hash): the registry's intervals and comparisons use them
      await writeFile(join(staging, HOLDOUT_FILE), holdoutJson(result.outOfFold, result.model.manifest.classes));
      // durable first: every bundle file into the content-addressed store, then the readable copy
      const files: Record<string, string> = {};
      let bytes = 0;
      for (const file of await listFiles(staging)) {
        const put = await lab.store.putFile(join(staging, file));
        files[file] = put.hash;
        bytes += put.bytes;
      }
      await rm(bundleDir, { recursive: true, force: true });
      await mkdir(join(lab.root, 'models'), { recursive: true });
      await rename(staging, bundleDir);
      const manifest = result.model.manifest;
      return {
        outputs: { bundle: result.run.bundleHash, ...Object.fromEntries(Object.entries(files).map(([f, h]) => [`file:${f}`, h])) },
        bytesWritten: bytes,
        detail: {
          table,
          target,
          snapshotVersion: await snapshotVersionOf(lab, project, table),
          silver: silver.silverHash,
          silverLakeKey: silver.lakeKey,
          silverPlanHash: inputsHash(silver.plan),
          ...(goldTable ? { gold: goldTable.goldHash, features: goldTable.manifest.plan.features.length } : {}),
          rows: frame.rows,
          excluded,
          excludedWhy: exclusionReasons(tags.tags.columns, table, excluded),
          metric: manifest.metric,
          score: manifest.score,
          dir: bundleDir,
        },
      };
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  },
  async usable(context, outputs) {
    const files = Object.entries(outputs).filter(([name]) => name.startsWith('file:'));
    for (const [, hash] of files) if (!(await context.lab.store.has(hash))) return false;
    return files.length > 0;
  },
};

export async function trainProject(lab: Lab, project: ProjectRecord, options: ProjectTrainOptions = {}): Promise<ProjectTrainOutcome> {
  const tags = await requireTags(lab.catalog, project);
  const { table, target, excluded } = trainingColumns(tags.tags, project.name);
  const context = stageContext(lab, {
    ...(options.timeLimit !== undefined ? { timeLimit: options.timeLimit } : {}),
    ...(options.trials !== undefined ? { trials: options.trials } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.onProgress ? { onTrain: options.onProgress } : {}),
    ...(options.force ? { force: true } : {}),
  });
  const runtime = { catalog: lab.catalog, workerId: workerId() };
  // training learns from silver: the tables' silver is brought up to date first (reused when it is)
  const silver = await buildSilverTables(lab, project, context);
  const stopped = silver.failed.find((f) => f.table === table);
  if (stopped) throw stopped.cause;
  // and gold, where the project learns from it
  const gold = await buildGoldTable(lab, project, context);
  if (gold.failed) throw gold.failed;
  const plan = await trainStage.plan(context, project);
  const unit = 'units' in plan ? plan.units[0] : undefined;
  if (!unit) throw new InputError(`table ${table} of project ${project.name} has no explored snapshot`, `run \`autolab explore ${project.name}\``);
  const outcome = await runAction(runtime, trainStage, context, project, unit);
  if (outcome.status === 'failed') throw outcome.error;
  // every trained bundle is registered, as the reconciler does right after training
  const registration = await registerStage.plan(context, project);
  for (const next of 'units' in registration ? registration.units : []) {
    const registered = await runAction(runtime, registerStage, context, project, next);
    if (registered.status === 'failed') throw registered.error;
  }
  return trainOutcome(lab, project, { table, target, excluded }, outcome);
}

/** What a training (run or reused) gives the caller. */
export async function trainOutcome(lab: Lab, project: ProjectRecord, columns: { table: string; target: string; excluded: string[] }, outcome: ActionOutcome): Promise<ProjectTrainOutcome> {
  const bundleDir = join(lab.root, 'models', project.name);
  const d = outcome.record.detail;
  // a reused result whose readable copy was deleted gets it back from the store
  if (!existsSync(join(bundleDir, 'bundle.json'))) await restoreBundle(lab, outcome.record.outputs, bundleDir);
  return {
    project: project.name,
    ...columns,
    snapshotVersion: Number(d['snapshotVersion']),
    bundleDir,
    bundleHash: outcome.record.outputs['bundle'] ?? '',
    metric: String(d['metric']),
    score: Number(d['score']),
    result: outcome.status === 'done' ? loadBundleResult(bundleDir) : null,
  };
}

function loadBundleResult(dir: string): TrainResult {
  const { model, run } = loadBundle(dir);
  if (!run) throw new Error(`the bundle in ${dir} has no run.json`);
  const holdout = readHoldout(dir);
  if (!holdout) throw new Error(`the bundle in ${dir} has no ${HOLDOUT_FILE}`);
  const outOfFold = { kind: holdout.kind, rows: Uint32Array.from(holdout.rows), y: Float64Array.from(holdout.y), predictions: Float64Array.from(holdout.predictions) };
  return { model, run, notes: model.manifest.notes, outOfFold };
}

/** Why each left-out column of the training table was left out: its confirmed role, or its personal-data policy. */
export function exclusionReasons(columns: readonly ColumnTag[], table: string, excluded: readonly string[]): Record<string, string> {
  const why: Record<string, string> = {};
  for (const c of columns) {
    if (c.table !== table || !excluded.includes(c.column)) continue;
    why[c.column] = EXCLUDED_ROLES.has(c.confirmed.role ?? '') ? `tagged ${c.confirmed.role}` : `personal data (${c.confirmed.piiPolicy ?? c.suggestion.piiPolicy.value})`;
  }
  return why;
}

/** Writes a recorded training's bundle files (its `file:` outputs) from the store into `dir`. */
export async function restoreBundle(lab: Lab, outputs: Readonly<Record<string, string>>, dir: string): Promise<void> {
  for (const [name, hash] of Object.entries(outputs)) {
    if (!name.startsWith('file:')) continue;
    const path = join(dir, name.slice('file:'.length));
    await mkdir(dirname(path), { recursive: true });
    await lab.store.getToFile(hash, path);
  }
}

async function snapshotVersionOf(lab: Lab, project: ProjectRecord, table: string): Promise<number | null> {
  return (await latestSnapshots(lab, project)).find((s) => s.name === table)?.snapshot.version ?? null;
}

function dropColumns(frame: Frame, names: readonly string[]): Frame {
  if (names.length === 0) return frame;
  const drop = new Set(names);
  return { rows: frame.rows, columns: frame.columns.filter((c) => !drop.has(c.name)) };
}

async function listFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...(await listFiles(dir, rel)));
    else out.push(rel);
  }
  return out.sort();
}
