import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError, UsageError, resolveInside } from '../common/index.js';
import type { Predictor } from '../learn/types.js';
import { AutoModel, type FittedMember } from './auto-model.js';
import type { BundleManifest, BundleMember, RunRecord } from './bundle-types.js';
import type { ModelConfig } from './model-config.js';
import { restoreModel } from './model-factory.js';

const MANIFEST = 'bundle.json';
const RUN = 'run.json';
const MODELS = 'models';

/** Typed arrays become plain arrays, so a model's JSON is the same text on every run. */
function plainJSON(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v));
}

/** sha256 over the bundle's files except run.json, in path order. */
export function hashBundle(dir: string): string {
  const hash = createHash('sha256');
  const files = [MANIFEST, ...readdirSync(join(dir, MODELS)).sort().map((f) => `${MODELS}/${f}`)];
  for (const file of files) {
    hash.update(file).update('\0').update(readFileSync(join(dir, file))).update('\0');
  }
  return hash.digest('hex');
}

/** Writes a bundle folder: files go to a temporary folder first, so a crash never leaves half a bundle. */
export interface BundleContent extends Omit<BundleManifest, 'members' | 'combiner'> {
  readonly members: readonly (Omit<BundleMember, 'models'> & { fitted: readonly Predictor[] })[];
  readonly stack?: { readonly config: ModelConfig; readonly fitted: readonly Predictor[] };
}

/** File names of a bundle's models, so an in-memory model and a saved one describe themselves alike. */
export function memberFile(id: number, fold: number): string {
  return `${MODELS}/m${id}-f${fold}.json`;
}

export function stackFile(fold: number): string {
  return `${MODELS}/stack-f${fold}.json`;
}

/** The manifest of bundle content, with model file names in place of fitted models. */
export function manifestOf(content: BundleContent): BundleManifest {
  const { members, stack, ...rest } = content;
  return {
    ...rest,
    members: members.map(({ fitted, ...m }) => ({ ...m, models: fitted.map((_, f) => memberFile(m.id, f)) })),
    combiner: stack ? { kind: 'stack', config: stack.config, models: stack.fitted.map((_, f) => stackFile(f)) } : { kind: 'average' },
  };
}

/**
 * Whether a bundle may be written to `dir`: a new or empty folder, or one holding a bundle (which
 * it replaces). Training checks this before it starts, so that an hour is not spent on a model that
 * cannot be saved; saving checks again.
 */
export function checkBundleFolder(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new UsageError(`the bundle folder ${dir} is a file`, 'give a folder path for the model bundle');
  const entries = readdirSync(dir);
  if (entries.length > 0 && !entries.includes(MANIFEST)) {
    throw new UsageError(`the bundle folder ${dir} is not empty and holds no model bundle (nothing was saved)`, 'give a new or empty folder, or one with a bundle to replace');
  }
}

export function saveBundle(dir: string, content: BundleContent, run: Omit<RunRecord, 'bundleHash'>): RunRecord {
  checkBundleFolder(dir);
  const staging = `${dir.replace(/[/\\]+$/, '')}.tmp-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(join(staging, MODELS), { recursive: true });
  for (const member of content.members) {
    member.fitted.forEach((model, f) => writeFileSync(join(staging, memberFile(member.id, f)), plainJSON(model.toJSON())));
  }
  content.stack?.fitted.forEach((model, f) => writeFileSync(join(staging, stackFile(f)), plainJSON(model.toJSON())));
  writeFileSync(join(staging, MANIFEST), JSON.stringify(manifestOf(content), null, 1));
  const record: RunRecord = { bundleHash: hashBundle(staging), ...run };
  writeFileSync(join(staging, RUN), JSON.stringify(record, null, 1));
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return record;
}

const manifestShape = z.object({
  kind: z.literal('autolab-model-bundle'),
  version: z.literal(1),
  task: z.enum(['binary', 'multiclass', 'regression']),
  target: z.string(),
  classes: z.array(z.string()),
  pipeline: z.object({ kind: z.literal('feature-pipeline'), steps: z.array(z.object({ kind: z.string(), column: z.string() }).passthrough()) }).passthrough(),
  members: z.array(z.object({ id: z.number(), weight: z.number(), models: z.array(z.string()) }).passthrough()).min(1),
  combiner: z.object({ kind: z.enum(['average', 'stack']) }).passthrough(),
  leaderboard: z.array(z.object({ id: z.number(), model: z.string(), score: z.number() }).passthrough()),
}).passthrough();

function readModel(dir: string, file: string): Predictor {
  const path = resolveInside(dir, file, join(dir, MANIFEST));
  if (!existsSync(path)) throw new InputError(`model file ${path} is missing from the bundle`, 'copy the whole bundle folder or train again');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    // the parser's message quotes the file's start: not for a terminal
    throw new InputError(`model file ${path} of the bundle is damaged (not JSON)`, 'copy the whole bundle folder again or train again');
  }
  if (typeof json !== 'object' || json === null || typeof (json as { kind?: unknown }).kind !== 'string') {
    throw new InputError(`model file ${path} of the bundle is damaged (not a model)`, 'copy the whole bundle folder again or train again');
  }
  try {
    return restoreModel(json as { kind: string } & Record<string, unknown>);
  } catch (error) {
    // valid JSON of the wrong shape: the restorer's own message names fields, not the file
    throw new InputError(`model file ${path} of the bundle is damaged (not a model this version reads)`, 'copy the whole bundle folder again or train again', { cause: error });
  }
}

export interface LoadedBundle {
  readonly model: AutoModel;
  readonly run: RunRecord | undefined;
}

export function loadBundle(dir: string): LoadedBundle {
  const manifestPath = join(dir, MANIFEST);
  if (!existsSync(manifestPath)) {
    throw new InputError(`${dir} is not a model bundle (no ${MANIFEST})`, 'pass the folder written by `autolab train --out`');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch {
    throw new InputError(`${manifestPath} is not valid JSON`, 'train the model again');
  }
  const parsed = manifestShape.safeParse(raw);
  if (!parsed.success) throw new InputError(`${manifestPath} is not a bundle this version reads`, 'train the model again with this autolab');
  const manifest = raw as BundleManifest;
  const members: FittedMember[] = manifest.members.map((member) => ({
    weight: member.weight,
    models: member.models.map((file) => readModel(dir, file)),
  }));
  const stackers = manifest.combiner.kind === 'stack' ? manifest.combiner.models.map((file) => readModel(dir, file)) : [];
  const runPath = join(dir, RUN);
  let run: RunRecord | undefined;
  try {
    run = existsSync(runPath) ? (JSON.parse(readFileSync(runPath, 'utf8')) as RunRecord) : undefined;
  } catch {
    // the run's record says how the model was made; predicting does not need it
    run = undefined;
  }
  return { model: new AutoModel(manifest, members, stackers), run };
}
