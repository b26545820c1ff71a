/** Round 2, once a target is confirmed: the target, associations, leakage, drift and join coverage. */
export type * from './types.js';
export { runRound2, type Round2Table } from './round2.js';
