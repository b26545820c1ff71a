import type { DeploymentRecord, ModelApproval, ModelVersionRecord, ProjectRecord, Slot } from '../catalog/index.js';
import { InputError, UsageError } from '../common/index.js';
import {
  emptyDeployment,
  loadSlot,
  modelVersionOf,
  rollbackLive,
  setShadow,
  setWeights,
  switchLive,
  type DeploymentState,
} from '../registry/index.js';
import { listComparisons, type RecordedComparison } from './compare-endpoint.js';
import { actionInput } from './lab.js';
import type { Lab } from './lab-types.js';
import { compareChallenger } from './model-registration.js';
import { resolveProject } from './project.js';
import { policyDecision } from './stages/model-stages.js';
import { currentUser } from './tags.js';

/**
 * Human moment 3 on the lab: approving a model version, moving it between stages (one production
 * version per project: promoting another archives the one before), and the deployment record the
 * prediction server reads (two slots, the live one, traffic weights, a shadow). Every change is an
 * action in the log.
 */

export interface ProjectModels {
  readonly project: string;
  /** oldest first */
  readonly versions: readonly ModelVersionRecord[];
  readonly deployment: DeploymentRecord | null;
  /** endpoints scored on a version's holdout (`autolab compare`), oldest first */
  readonly comparisons: readonly RecordedComparison[];
}

export async function listModels(lab: Lab, projectName?: string): Promise<ProjectModels> {
  const project = await resolveProject(lab, projectName);
  const [versions, deployment, comparisons] = await Promise.all([lab.catalog.listModelVersions(project.id), lab.catalog.getDeployment(project.id), listComparisons(lab, project.name)]);
  return { project: project.name, versions, deployment: deployment ?? null, comparisons };
}

export async function approveModel(lab: Lab, projectName: string | undefined, version: number, options: { by?: string; note?: string } = {}): Promise<{ project: string; version: number; approval: ModelApproval }> {
  const startedAt = new Date().toISOString();
  const project = await resolveProject(lab, projectName);
  const model = await modelVersionOf(lab, project.name, version);
  if (model.stage === 'archived') throw new InputError(`model version ${version} of ${project.name} is archived`, 'approve a current version (see autolab models list)');
  const by = options.by?.trim() || currentUser();
  const approval = await lab.catalog.addModelApproval(project.id, version, { by, note: options.note ?? null });
  await lab.catalog.appendAction({ ...actionInput('model.approve', project.name, startedAt), inputs: { bundle: model.bundleHash }, detail: { version, by, note: approval.note } });
  return { project: project.name, version, approval };
}

export interface Promotion {
  readonly project: string;
  readonly version: number;
  readonly stage: 'staging' | 'production';
  /** the production version this one replaced, now archived */
  readonly archived: number | null;
  /** set when the project's policy approved the version on the way */
  readonly policyApproval: string | null;
}

/**
 * Staging takes any current version; production takes an approved one, or one the project's
 * policy approves now (it beats the production model on its holdout by the margin).
 */
export async function promoteModel(lab: Lab, projectName: string | undefined, version: number, to: 'staging' | 'production'): Promise<Promotion> {
  const startedAt = new Date().toISOString();
  const project = await resolveProject(lab, projectName);
  const model = await modelVersionOf(lab, project.name, version);
  if (model.stage === to) throw new UsageError(`model version ${version} of ${project.name} is in ${to} already`);
  let policyApproval: string | null = null;
  if (to === 'production' && model.approvals.length === 0) policyApproval = await approveByPolicy(lab, project, model);
  const { archived } = await lab.catalog.setModelStage(project.id, version, to);
  await lab.catalog.appendAction({ ...actionInput('model.promote', project.name, startedAt), inputs: { bundle: model.bundleHash }, detail: { version, from: model.stage, to, archived } });
  return { project: project.name, version, stage: to, archived, policyApproval };
}

async function approveByPolicy(lab: Lab, project: ProjectRecord, model: ModelVersionRecord): Promise<string> {
  const refuse = (why: string) =>
    new InputError(`model version ${model.version} of ${project.name} is not approved${why}`, `approve it first: autolab approve ${model.version} --project ${project.name}`);
  const policy = lab.config.approval?.[project.name];
  if (!policy) throw refuse('');
  const champion = (await lab.catalog.listModelVersions(project.id)).find((v) => v.stage === 'production');
  if (!champion) throw refuse(' (the approval policy needs a production model to compare with)');
  const decision = await policyDecision(lab, project, model.version, () => compareChallenger(lab, project, model, champion, policy.autoApproveMargin));
  if (!decision.approved) throw refuse(` and the policy did not approve it: ${decision.reason}`);
  return decision.reason;
}

export async function archiveModel(lab: Lab, projectName: string | undefined, version: number): Promise<{ project: string; version: number; from: string }> {
  const startedAt = new Date().toISOString();
  const project = await resolveProject(lab, projectName);
  const model = await modelVersionOf(lab, project.name, version);
  if (model.stage === 'archived') throw new UsageError(`model version ${version} of ${project.name} is archived already`);
  const deployment = await lab.catalog.getDeployment(project.id);
  for (const slot of ['blue', 'green'] as const) {
    if (deployment && deployment.slots[slot] === version && (deployment.live === slot || deployment.weights[slot] > 0)) {
      throw new InputError(`model version ${version} of ${project.name} takes traffic in slot ${slot}`, 'switch traffic to another version first (autolab deploy switch)');
    }
  }
  await lab.catalog.setModelStage(project.id, version, 'archived');
  await lab.catalog.appendAction({ ...actionInput('model.archive', project.name, startedAt), inputs: { bundle: model.bundleHash }, detail: { version, from: model.stage } });
  return { project: project.name, version, from: model.stage };
}

/** The deployment as it stands (or an empty one: both slots free, blue live). */
export async function deploymentOf(lab: Lab, projectName?: string): Promise<{ project: string; deployment: DeploymentRecord | null }> {
  const project = await resolveProject(lab, projectName);
  return { project: project.name, deployment: (await lab.catalog.getDeployment(project.id)) ?? null };
}

export type DeployChange =
  | { readonly kind: 'load'; readonly version: number; readonly slot: Slot }
  | { readonly kind: 'switch' }
  | { readonly kind: 'rollback' }
  | { readonly kind: 'weights'; readonly weights: { readonly blue: number; readonly green: number } }
  | { readonly kind: 'shadow'; readonly slot: Slot | null };

/** Applies one change to a project's deployment by the rules of `registry/deployment.ts`, records it, and logs it. */
export async function changeDeployment(lab: Lab, projectName: string | undefined, change: DeployChange): Promise<{ project: string; deployment: DeploymentRecord; promoted: number | null }> {
  const startedAt = new Date().toISOString();
  const project = await resolveProject(lab, projectName);
  const current = await lab.catalog.getDeployment(project.id);
  const state: DeploymentState = current ?? emptyDeployment(project.id);
  const versions = new Map((await lab.catalog.listModelVersions(project.id)).map((v) => [v.version, v]));
  let next: DeploymentState;
  let promoted: number | null = null;
  switch (change.kind) {
    case 'load':
      next = loadSlot(state, change.slot, await modelVersionOf(lab, project.name, change.version));
      break;
    case 'switch':
      next = switchLive(state, versions);
      break;
    case 'rollback': {
      const back = rollbackLive(state, versions);
      next = back.state;
      if (back.model.stage !== 'production') promoted = back.model.version;
      break;
    }
    case 'weights':
      next = setWeights(state, change.weights, versions);
      break;
    case 'shadow':
      next = setShadow(state, change.slot, versions);
      break;
  }
  const { projectId, slots, live, weights, shadow, previousLive } = next;
  const deployment = await lab.catalog.saveDeployment({ projectId, slots, live, weights, shadow, previousLive }, current?.revision ?? 0);
  // after a rollback the version that takes the traffic back is the production one again (the other is archived)
  if (promoted !== null) await lab.catalog.setModelStage(project.id, promoted, 'production');
  await lab.catalog.appendAction({
    ...actionInput('model.deploy', project.name, startedAt),
    detail: { change: change.kind, ...(change.kind === 'load' ? { version: change.version, slot: change.slot } : {}), slots, live, weights, shadow, revision: deployment.revision, ...(promoted !== null ? { promoted } : {}) },
  });
  return { project: project.name, deployment, promoted };
}
