import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DeploymentRecord } from '../catalog/index.js';
import { UsageError } from '../common/index.js';
import { bundleDirFor, currentDeployment, productionVersion } from '../registry/index.js';
import type { Lab } from './lab-types.js';

/**
 * `autolab serve PROJECT`: the prediction server follows the project's deployment record in the
 * catalog (`autolab deploy …`), as data. The primary process reads the record every second and, when
 * its revision changes, fetches the slots' bundles from the store (any machine of the lab can) and
 * writes the deployment file the workers follow (`serve/deployment.ts`), atomically. Before the
 * first `autolab deploy`, the project's production version is served in blue.
 */

/** The deployment the server follows: each slot's bundle folder and version, the live slot, the split, shadow. */
export interface ServedDeployment {
  readonly blue: { readonly dir: string; readonly version: string; readonly name: string } | null;
  readonly green: { readonly dir: string; readonly version: string; readonly name: string } | null;
  readonly live: 'blue' | 'green';
  readonly weights: { readonly blue: number; readonly green: number } | null;
  readonly shadow: boolean;
}

/** What the project's record says to serve now (bundles fetched), and the record's revision (0: none yet, production in blue). */
export async function projectDeployment(lab: Lab, project: string): Promise<{ deployment: ServedDeployment; revision: number }> {
  const record = await currentDeployment(lab, project);
  if (record === null || (record.slots.blue === null && record.slots.green === null)) {
    const production = await productionVersion(lab, project);
    if (!production) {
      throw new UsageError(`project ${project} has no model in production to serve`, `approve one and promote it: autolab approve VERSION --project ${project}, autolab models promote VERSION --to production --project ${project}`);
    }
    const slot = { dir: await bundleDirFor(lab, project, production.version), version: String(production.version), name: project };
    return { deployment: { blue: slot, green: null, live: 'blue', weights: null, shadow: false }, revision: 0 };
  }
  return { deployment: await servedFrom(lab, project, record), revision: record.revision };
}

async function servedFrom(lab: Lab, project: string, record: DeploymentRecord): Promise<ServedDeployment> {
  const slot = async (version: number | null) => (version === null ? null : { dir: await bundleDirFor(lab, project, version), version: String(version), name: project });
  const other = record.live === 'blue' ? 'green' : 'blue';
  const split = record.weights[other] > 0 && record.slots[other] !== null;
  return {
    blue: await slot(record.slots.blue),
    green: await slot(record.slots.green),
    live: record.live,
    weights: split ? { blue: record.weights.blue, green: record.weights.green } : null,
    // the server's challenger is the slot that is not live
    shadow: record.shadow !== null && record.shadow === other && record.slots[other] !== null,
  };
}

/** Writes a deployment where the server's workers read it: beside, then renamed (a reader never sees half a file). */
export async function writeDeploymentFile(file: string, deployment: ServedDeployment): Promise<void> {
  const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, JSON.stringify(deployment, null, 2) + '\n');
  await rename(temp, file);
}

/** Where `autolab serve PROJECT` keeps the deployment file its workers follow. */
export function deploymentFileOf(lab: Lab, project: string): string {
  return join(lab.workDir, `serve-${project}.deployment.json`);
}

/**
 * Keeps `file` equal to the project's deployment record: every `intervalMs`, when the record's
 * revision changed, fetches its bundles and writes the file. Errors (a bundle that cannot be fetched)
 * go to `onError` once per revision, and the file — so what is served — stays as it was.
 */
export function followProjectDeployment(lab: Lab, project: string, file: string, from: number, options: { intervalMs?: number; onChange?: (revision: number) => void; onError?: (error: unknown) => void } = {}): { stop(): Promise<void> } {
  let revision = from;
  let failed = -1;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    const record = await currentDeployment(lab, project);
    const next = record?.revision ?? 0;
    if (record === null || next === revision || next === failed) return;
    try {
      await writeDeploymentFile(file, await servedFrom(lab, project, record));
      revision = next;
      options.onChange?.(next);
    } catch (error) {
      failed = next;
      options.onError?.(error);
    }
  };
  const timer = setInterval(() => {
    running = running.then(tick).catch((error: unknown) => options.onError?.(error));
  }, options.intervalMs ?? 1000);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
