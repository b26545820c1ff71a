import type { ProjectRecord } from '../catalog/index.js';
import { UsageError } from '../common/index.js';
import { actionInput } from './lab.js';
import type { Lab } from './lab-types.js';
import { assertProjectName } from './project-name.js';

/** A new project in the lab, recorded as a `project.create` action. */
export async function createProject(lab: Lab, name: string, settings: Record<string, unknown> = {}): Promise<ProjectRecord> {
  assertProjectName(name);
  const started = new Date().toISOString();
  const project = await lab.catalog.createProject(name, settings);
  await lab.catalog.appendAction({ ...actionInput('project.create', name, started), detail: { id: project.id } });
  return project;
}

/**
 * The project a command works on: the one named, or — when no name is given — the lab's only
 * project. Anything else is a UsageError that lists what there is.
 */
export async function resolveProject(lab: Lab, name?: string): Promise<ProjectRecord> {
  if (name !== undefined && name !== '') {
    const project = await lab.catalog.getProject(name);
    if (project) return project;
    const names = (await lab.catalog.listProjects()).map((p) => p.name);
    throw new UsageError(
      `no project ${name} in the lab ${lab.root}`,
      names.length ? `projects: ${names.join(', ')}` : 'create one with `autolab project create NAME`',
    );
  }
  const projects = await lab.catalog.listProjects();
  const [only] = projects;
  if (projects.length === 1 && only) return only;
  if (projects.length === 0) {
    throw new UsageError(`the lab ${lab.root} has no project yet`, 'create one with `autolab project create NAME`');
  }
  throw new ProjectNotChosenError(projects.map((p) => p.name));
}

/** No project was named and the lab has several: the caller names one (the CLI says with which flag or argument). */
export class ProjectNotChosenError extends UsageError {
  constructor(readonly projects: readonly string[]) {
    super(`the lab has ${projects.length} projects; say which project`, `projects: ${projects.join(', ')}`);
  }
}
