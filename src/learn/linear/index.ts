export { trainLinear, LinearModel } from './linear-model.js';
export type { LinearParams, LinearTrainOptions, LinearModelJSON, LinearCoefficient } from './linear-model.js';
export type { LinearDesignSpec, LinearColumnSpec, EncodedDesign } from './design.js';
export { encodeDesign } from './design.js';
export { minimizeLbfgs } from './lbfgs.js';
export type { Objective, LbfgsOptions, LbfgsResult } from './lbfgs.js';
