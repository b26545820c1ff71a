import type { Catalog, ProjectRecord } from '../catalog/index.js';
import { InputError } from '../common/index.js';
import type { Store } from '../store/index.js';

/** What the registry needs of a lab (an opened `Lab` is one): its catalog, its store and a local work folder. */
export interface RegistryLab {
  readonly catalog: Catalog;
  readonly store: Store;
  readonly workDir: string;
}

export async function projectNamed(lab: RegistryLab, name: string): Promise<ProjectRecord> {
  const project = await lab.catalog.getProject(name);
  if (!project) throw new InputError(`no project ${name} in this lab`, 'see `autolab project list`');
  return project;
}
