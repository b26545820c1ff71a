import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DeploymentRecord, ModelVersionRecord } from '../catalog/index.js';
import { hashBundle } from '../automl/index.js';
import { InputError, LabError, resolveInside, tempPrefix } from '../common/index.js';
import { projectNamed, type RegistryLab } from './registry-lab.js';

/** Temporaries of a bundle fetch in the lab's work folder are named by this kind. */
export const MODEL_FETCH_TEMP_KIND = 'model';

/** A registered version of a project, or a one-line error naming what exists. */
export async function modelVersionOf(lab: RegistryLab, project: string, version: number): Promise<ModelVersionRecord> {
  const record = await lab.catalog.getModelVersion((await projectNamed(lab, project)).id, version);
  if (!record) throw new InputError(`project ${project} has no model version ${version}`, `see \`autolab models list ${project}\``);
  return record;
}

/** The version in production for a project, or null. */
export async function productionVersion(lab: RegistryLab, project: string): Promise<ModelVersionRecord | null> {
  const versions = await lab.catalog.listModelVersions((await projectNamed(lab, project)).id);
  return versions.find((v) => v.stage === 'production') ?? null;
}

/** A project's deployment record (slots, live slot, weights, shadow), or null before the first `autolab deploy`. */
export async function currentDeployment(lab: RegistryLab, project: string): Promise<DeploymentRecord | null> {
  return (await lab.catalog.getDeployment((await projectNamed(lab, project)).id)) ?? null;
}

/**
 * A local folder holding the bundle of (project, version), ready for `loadBundle`: fetched from the
 * store (disk or S3) into the lab's cache the first time, checked against the registered bundle
 * hash, and reused after. Any machine of the lab gets the same bundle.
 */
export async function bundleDirFor(lab: RegistryLab, project: string, version: number): Promise<string> {
  return materializeBundle(lab, await modelVersionOf(lab, project, version));
}

/** The cached folder of a registered bundle (by its files' store hashes), fetched when missing. */
export async function materializeBundle(lab: RegistryLab, model: Pick<ModelVersionRecord, 'bundleHash' | 'files'>): Promise<string> {
  const dir = join(lab.workDir, 'cache', 'models', model.bundleHash);
  if (Object.keys(model.files).every((file) => existsSync(join(dir, file)))) return dir;
  // fetched beside, checked, then renamed into place: a reader never sees half a bundle
  const staging = join(lab.workDir, `${tempPrefix(MODEL_FETCH_TEMP_KIND)}${randomBytes(4).toString('hex')}`);
  try {
    for (const [file, hash] of Object.entries(model.files)) {
      const path = resolveInside(staging, file, `the registered bundle ${model.bundleHash}`);
      await mkdir(dirname(path), { recursive: true });
      await lab.store.getToFile(hash, path);
    }
    const hash = hashBundle(staging);
    if (hash !== model.bundleHash) {
      throw new LabError(`the store's files of model bundle ${model.bundleHash.slice(0, 12)} hash to ${hash.slice(0, 12)}`, 'the store was changed outside autolab: restore it, or train again');
    }
    await mkdir(dirname(dir), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(staging, dir);
    } catch (error) {
      // another process put the same bundle there first: theirs is as good
      if (!existsSync(join(dir, 'bundle.json'))) throw error;
    }
    return dir;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
