import { otherSlot } from '../../registry/index.js';
import type { Stage, StagePlan } from '../../runtime/index.js';
import { changeDeployment, promoteModel } from '../models.js';
import type { StageContext } from './stage-context.js';

/**
 * `model.rollout`: the last step of the retraining loop. The newest version, once approved (by a
 * person, or by the project's policy in `model.policy`), goes live blue-green: promoted to
 * production (the one before is archived, and stays in its slot for `autolab deploy rollback`),
 * loaded into the slot that takes no traffic, and the traffic switched to it — each change an
 * action of its own (`model.promote`, `model.deploy`), which a running `autolab serve PROJECT`
 * follows without dropping a request. The first version goes into the live slot. Keyed by the
 * version's bundle: done once, so a person who rolls back or deploys by hand is never overruled.
 * `retraining.PROJECT.deploy: manual` in autolab.yaml leaves it to `autolab deploy`.
 */
export const rolloutStage: Stage<StageContext> = {
  kind: 'model.rollout',
  version: 1,
  async plan({ lab }, project): Promise<StagePlan> {
    if (lab.config.retraining?.[project.name]?.deploy === 'manual') return { units: [] };
    const newest = (await lab.catalog.listModelVersions(project.id)).at(-1);
    if (!newest || newest.approvals.length === 0 || newest.stage === 'archived') return { units: [] };
    const deployment = await lab.catalog.getDeployment(project.id);
    if (newest.stage === 'production' && deployment?.slots[deployment.live] === newest.version) return { units: [] };
    return { units: [{ unit: `v${newest.version}`, inputs: { bundle: newest.bundleHash }, params: { version: newest.version } }] };
  },
  async run({ lab }, project, unit) {
    const version = Number(unit.params['version']);
    const model = await lab.catalog.getModelVersion(project.id, version);
    if (!model || model.bundleHash !== unit.inputs['bundle']) throw new Error(`model version ${version} of ${project.name} is not the one planned for rollout`);
    const before = await lab.catalog.getDeployment(project.id);
    const replaced = before ? before.slots[before.live] : null;
    const promoted = model.stage === 'production' ? null : await promoteModel(lab, project.name, version, 'production');
    let slot;
    if (before && replaced === version) {
      // already live (by hand, before its promotion): promoted, it stays where it is
      slot = before.live;
    } else if (!before || replaced === null) {
      // nothing takes traffic yet: the live slot takes the version
      slot = before?.live ?? 'blue';
      await changeDeployment(lab, project.name, { kind: 'load', version, slot });
    } else {
      slot = otherSlot(before.live);
      await changeDeployment(lab, project.name, { kind: 'load', version, slot });
      await changeDeployment(lab, project.name, { kind: 'switch' });
    }
    const after = await lab.catalog.getDeployment(project.id);
    return {
      outputs: { revision: String(after?.revision ?? 0) },
      bytesWritten: 0,
      detail: { version, slot, replaced, archived: promoted?.archived ?? null, revision: after?.revision ?? null },
    };
  },
};
