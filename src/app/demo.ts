import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProjectRecord } from '../catalog/index.js';
import { LabError } from '../common/index.js';
import { initLab, openLab } from './lab.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
import { addSource } from './sources.js';
import { acceptTags, currentTags, setTags } from './tags.js';

/**
 * `autolab demo`: a lab in a folder, with the bundled Telco customer-churn table (IBM's public
 * sample, 7,043 customers) as its one source. Running it again reuses the lab, so the second run
 * shows what an unchanged source costs: nothing new is ingested, explored or trained.
 */

export const DEMO_PROJECT = 'churn';
export const DEMO_SOURCE = 'customers';
export const DEMO_TARGET = { table: 'customers', column: 'churn' } as const;

/** data/demo/customers.csv of the installed package (the same path from src/ and from dist/). */
export function bundledDemoData(): string {
  const path = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'data', 'demo', 'customers.csv');
  if (!existsSync(path)) throw new LabError(`the demo dataset is missing: ${path}`, 'reinstall autolab (npm ci)');
  return path;
}

export interface DemoLab {
  readonly lab: Lab;
  readonly project: ProjectRecord;
  readonly created: boolean;
}

/** Opens the demo lab in `dir`, making it (lab, project, data copy, source) when absent, with `init`'s catalog and store. */
export async function setUpDemo(dir: string, init: { catalog?: string; store?: string } = {}): Promise<DemoLab> {
  const root = resolve(dir);
  const created = !existsSync(join(root, 'autolab.yaml'));
  if (!created && !existsSync(join(root, '.autolab'))) {
    throw new LabError(`${root} has an autolab.yaml but no .autolab folder`, 'pick another folder for the demo');
  }
  const lab = created ? await initLab(root, { ...init, project: DEMO_PROJECT }) : await openLab(root);
  try {
    const project = await resolveProject(lab, DEMO_PROJECT);
    const data = join(root, 'data', 'customers.csv');
    if (!existsSync(data)) {
      await mkdir(dirname(data), { recursive: true });
      await copyFile(bundledDemoData(), data);
    }
    if (!(await lab.catalog.getSource(project.id, DEMO_SOURCE))) {
      await addSource(lab, project.name, DEMO_SOURCE, data, { cwd: root });
    }
    return { lab, project, created };
  } catch (error) {
    await lab.close();
    throw error;
  }
}

/**
 * The person's part, played by the demo and said so: accepts the suggestions exploration is at
 * least 90 % sure of and confirms `customers.churn` as the target — unless a target is confirmed
 * already.
 */
export async function confirmDemoTarget(lab: Lab, project: ProjectRecord): Promise<boolean> {
  const tags = await currentTags(lab.catalog, project);
  if (!tags || tags.tags.columns.some((c) => c.confirmed.role === 'target')) return false;
  await acceptTags(lab.catalog, project, 0.9);
  await setTags(lab.catalog, project, `${DEMO_TARGET.table}.${DEMO_TARGET.column}`, ['role=target']);
  return true;
}
