import type { DeploymentRecord, ModelVersionRecord, Slot } from '../catalog/index.js';
import { InputError, UsageError } from '../common/index.js';

/**
 * The rules of a project's two serving slots, as pure functions from the deployment as it stands
 * (or none yet) to the next one. Traffic: the live slot must hold the approved production version;
 * the other slot may take a share of traffic (an A/B test) only with an approved version that is in
 * staging or production; a shadow slot scores requests without answering them, so it may hold any
 * version that is not archived. An archived version takes no traffic.
 */
export type DeploymentState = Omit<DeploymentRecord, 'revision' | 'updatedAt'>;

export const SLOTS: readonly Slot[] = ['blue', 'green'];

export function otherSlot(slot: Slot): Slot {
  return slot === 'blue' ? 'green' : 'blue';
}

export function emptyDeployment(projectId: number): DeploymentState {
  return { projectId, slots: { blue: null, green: null }, live: 'blue', weights: { blue: 100, green: 0 }, shadow: null, previousLive: null };
}

type Versions = ReadonlyMap<number, ModelVersionRecord>;

/** Puts `version` into `slot`. The live slot (or a slot taking traffic) only takes an approved production version. */
export function loadSlot(state: DeploymentState, slot: Slot, model: ModelVersionRecord): DeploymentState {
  if (model.stage === 'archived') throw new InputError(`model version ${model.version} is archived`, 'promote it to staging or production again, or deploy another version');
  const next: DeploymentState = { ...state, slots: { ...state.slots, [slot]: model.version } };
  if (state.weights[slot] > 0) requireTrafficReady(model, slot, slot === state.live);
  return next;
}

/** Moves all traffic to the other slot; its version must be the approved production version. */
export function switchLive(state: DeploymentState, versions: Versions): DeploymentState {
  const target = otherSlot(state.live);
  const model = modelIn(state, target, versions);
  if (!model) throw new InputError(`slot ${target} holds no model`, `deploy one first: autolab deploy VERSION --slot ${target}`);
  requireTrafficReady(model, target, true);
  return { ...state, live: target, previousLive: state.live, weights: allTo(target), shadow: state.shadow === target ? null : state.shadow };
}

/** Moves traffic back to the slot that was live before the last switch; its version becomes production again (the caller promotes it). */
export function rollbackLive(state: DeploymentState, versions: Versions): { state: DeploymentState; model: ModelVersionRecord } {
  if (!state.previousLive || state.previousLive === state.live) throw new InputError('there is no earlier live slot to roll back to', 'a rollback undoes an `autolab deploy switch`');
  const target = state.previousLive;
  const model = modelIn(state, target, versions);
  if (!model) throw new InputError(`slot ${target} holds no model any more`, `deploy one: autolab deploy VERSION --slot ${target}`);
  if (model.approvals.length === 0) throw new InputError(`model version ${model.version} in slot ${target} was never approved`, `approve it: autolab approve ${model.version}`);
  return {
    state: { ...state, live: target, previousLive: state.live, weights: allTo(target), shadow: state.shadow === target ? null : state.shadow },
    model,
  };
}

/** Traffic shares in percent, summing to 100; the live slot keeps some, a slot with a share must be ready for it. */
export function setWeights(state: DeploymentState, weights: DeploymentState['weights'], versions: Versions): DeploymentState {
  for (const slot of SLOTS) {
    const w = weights[slot];
    if (!Number.isInteger(w) || w < 0 || w > 100) throw new UsageError(`the weight of slot ${slot} is ${w}`, 'give whole percentages from 0 to 100');
  }
  if (weights.blue + weights.green !== 100) throw new UsageError(`the weights add up to ${weights.blue + weights.green}`, 'give percentages that add up to 100, e.g. blue=90,green=10');
  if (weights[state.live] === 0) throw new UsageError(`the live slot ${state.live} would get no traffic`, 'to move all traffic, deploy switch');
  for (const slot of SLOTS) {
    if (weights[slot] === 0) continue;
    const model = modelIn(state, slot, versions);
    if (!model) throw new InputError(`slot ${slot} holds no model and cannot take traffic`, `deploy one first: autolab deploy VERSION --slot ${slot}`);
    requireTrafficReady(model, slot, slot === state.live);
  }
  return { ...state, weights };
}

/** A slot that scores every request without answering it (the challenger), or none. */
export function setShadow(state: DeploymentState, slot: Slot | null, versions: Versions): DeploymentState {
  if (slot === null) return { ...state, shadow: null };
  if (slot === state.live) throw new UsageError(`slot ${slot} is live`, 'the shadow is the other slot');
  const model = modelIn(state, slot, versions);
  if (!model) throw new InputError(`slot ${slot} holds no model`, `deploy one first: autolab deploy VERSION --slot ${slot}`);
  if (model.stage === 'archived') throw new InputError(`model version ${model.version} in slot ${slot} is archived`, 'deploy another version to it');
  return { ...state, shadow: slot };
}

function allTo(slot: Slot): DeploymentState['weights'] {
  return slot === 'blue' ? { blue: 100, green: 0 } : { blue: 0, green: 100 };
}

function modelIn(state: DeploymentState, slot: Slot, versions: Versions): ModelVersionRecord | undefined {
  const version = state.slots[slot];
  return version === null ? undefined : versions.get(version);
}

function requireTrafficReady(model: ModelVersionRecord, slot: Slot, live: boolean): void {
  const v = model.version;
  if (model.approvals.length === 0) throw new InputError(`model version ${v} is not approved and cannot take production traffic in slot ${slot}`, `approve it first: autolab approve ${v}`);
  if (live && model.stage !== 'production') throw new InputError(`model version ${v} is ${model.stage === 'none' ? 'in no stage' : `in ${model.stage}`}, so it cannot be live in slot ${slot}`, `promote it: autolab models promote ${v} --to production`);
  if (!live && model.stage !== 'production' && model.stage !== 'staging') throw new InputError(`model version ${v} is ${model.stage === 'none' ? 'in no stage' : model.stage}, so it cannot take traffic in slot ${slot}`, `promote it to staging or production first`);
}
