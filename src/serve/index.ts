export { buildServer, type ServerOptions } from './server.js';
export { loadServedModel, ServedModel, type LoadOptions, type Scored } from './served-model.js';
export { SlotRouter, SLOT_NAMES, type Routing, type SlotName, type SlotsConfig } from './slots.js';
export { RequestError } from './request-error.js';
export type { PredictionEntry, PredictionSink } from './prediction-entry.js';
export { applyDeployment, followDeployment, healthCheck, ModelCache, parseDeployment, type Deployment, type FollowOptions, type SlotDeployment } from './deployment.js';
export { ParquetPredictionLog, type PredictionLogOptions } from './prediction-log.js';
