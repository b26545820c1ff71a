export type { Stage, StageOutput, StagePlan, Unit } from './stage.js';
export { runAction, actionKeyOf, inputsHashOf, type ActionOutcome, type RunActionOptions, type RuntimeContext } from './run-action.js';
export { LocalExecutor, type ActionJob, type Executor } from './executor.js';
export { reconcile, type ReconcileEvent, type ReconcileOptions, type ReconcileResult, type StaleUnit } from './reconcile.js';
