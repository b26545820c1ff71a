import type { ProjectRecord } from '../../catalog/index.js';
import { isUserError } from '../../common/index.js';
import { actionKeyOf, type Stage, type StagePlan, type Unit } from '../../runtime/index.js';
import { actionInput } from '../lab.js';
import type { Lab } from '../lab-types.js';
import { compareChallenger, registerTraining } from '../model-registration.js';
import type { StageContext } from './stage-context.js';

/**
 * The registry as stages of the reconciler. `model.register`: the bundle of the newest training
 * becomes the project's next model version (keyed by the bundle hash: the same bundle is
 * registered once). `model.policy`: the newest version waits for a person's approval (human
 * moment 3) — unless the project's policy in autolab.yaml lets a challenger that beats the
 * production model on its holdout by the margin through, which this stage checks once per
 * (challenger, champion).
 */

export const registerStage: Stage<StageContext> = {
  kind: 'model.register',
  version: 1,
  async plan({ lab }, project): Promise<StagePlan> {
    const [train] = await lab.catalog.listActions({ project: project.name, kind: 'automl.train', status: 'done', limit: 1 });
    const bundle = train?.outputs['bundle'];
    if (!train || !bundle) return { units: [] };
    return { units: [{ unit: '', inputs: { bundle }, params: { trainSeq: train.seq } }] };
  },
  async run({ lab }, project, unit) {
    const seq = Number(unit.params['trainSeq']);
    const train = (await lab.catalog.listActions({ project: project.name, kind: 'automl.train', status: 'done' })).find((a) => a.seq === seq);
    if (!train) throw new Error(`the training recorded as action ${seq} is not in the log`);
    const { record, created } = await registerTraining(lab, project, train);
    const metric = record.metrics['metric'];
    return {
      outputs: { bundle: record.bundleHash, version: String(record.version) },
      bytesWritten: 0,
      detail: { version: record.version, created, metric, values: (record.metrics['values'] as Record<string, unknown> | undefined)?.[String(metric)] ?? null },
    };
  },
};

export const approvalStage: Stage<StageContext> = {
  kind: 'model.policy',
  version: 1,
  async plan({ lab }, project): Promise<StagePlan> {
    const versions = await lab.catalog.listModelVersions(project.id);
    const newest = versions.at(-1);
    if (!newest || newest.approvals.length > 0 || newest.stage === 'archived' || newest.stage === 'production') return { units: [] };
    const waits = { waitsOn: `model version ${newest.version} of ${project.name} waits for approval: see autolab models show ${newest.version} --project ${project.name}, then autolab approve ${newest.version} --project ${project.name}` };
    const policy = lab.config.approval?.[project.name];
    const champion = versions.find((v) => v.stage === 'production');
    if (!policy || !champion) return waits;
    const unit: Unit = { unit: `v${newest.version}`, inputs: { challenger: newest.bundleHash, champion: champion.bundleHash, margin: String(policy.autoApproveMargin) }, params: { version: newest.version, champion: champion.version } };
    // the policy looked at this pair already and left it to a person
    const checked = await lab.catalog.findResult(actionKeyOf(approvalStage, project.name, unit));
    return checked ? waits : { units: [unit] };
  },
  async run({ lab }, project, unit) {
    const [challenger, champion] = await Promise.all([
      lab.catalog.getModelVersion(project.id, Number(unit.params['version'])),
      lab.catalog.getModelVersion(project.id, Number(unit.params['champion'])),
    ]);
    if (!challenger || !champion) throw new Error(`model versions ${String(unit.params['version'])} and ${String(unit.params['champion'])} are not both registered`);
    const margin = Number(unit.inputs['margin']);
    const decision = await policyDecision(lab, project, challenger.version, () => compareChallenger(lab, project, challenger, champion, margin));
    return { outputs: { approved: decision.approved ? 'yes' : 'no' }, bytesWritten: 0, detail: { version: challenger.version, champion: champion.version, ...decision } };
  },
};

/** Runs the comparison; an approval it gives is recorded (by `policy`) with its figures. */
export async function policyDecision(
  lab: Lab,
  project: ProjectRecord,
  version: number,
  compare: () => ReturnType<typeof compareChallenger>,
): Promise<{ approved: boolean; reason: string; comparison?: Awaited<ReturnType<typeof compareChallenger>> }> {
  let comparison;
  try {
    comparison = await compare();
  } catch (error) {
    // a comparison that cannot be made (no holdout kept, another target) leaves it to a person
    if (isUserError(error)) return { approved: false, reason: error.what };
    throw error;
  }
  const figures = `${comparison.metric} ${fmt(comparison.challenger)} against ${fmt(comparison.champion)} on the same ${comparison.rows} held-out rows${rowsNote(comparison)} (gain ${fmt(comparison.gain.value)}, 95 % interval ${fmt(comparison.gain.low)} to ${fmt(comparison.gain.high)}; margin ${comparison.margin})`;
  if (!comparison.beats) return { approved: false, reason: `does not beat the production model by the margin: ${figures}`, comparison };
  const startedAt = new Date().toISOString();
  const note = `approved by the project's policy: ${figures}`;
  await lab.catalog.addModelApproval(project.id, version, { by: 'policy', note });
  await lab.catalog.appendAction({ ...actionInput('model.approve', project.name, startedAt), detail: { version, by: 'policy', note } });
  return { approved: true, reason: note, comparison };
}

function rowsNote(comparison: { rows: number; newToChampion?: number | null }): string {
  const fresh = comparison.newToChampion;
  if (fresh === undefined || fresh === null) return '';
  return fresh === comparison.rows ? ', all new since the production model\'s training' : ` (${fresh} of them new since the production model's training)`;
}

function fmt(value: number): string {
  return Number.isFinite(value) ? Number(value.toPrecision(4)).toString() : 'undefined';
}
