export { HOLDOUT_FILE, holdoutJson, readHoldout, type HoldoutPredictions } from './holdout.js';
export { bootstrapDraws, metricInterval, pairedDifference, type MetricInterval, type BootstrapOptions } from './bootstrap.js';
export { modelMetrics, type ModelMetrics } from './model-metrics.js';
export type { ModelLineage } from './lineage.js';
export { codeVersion } from './code-version.js';
export { projectNamed, type RegistryLab } from './registry-lab.js';
export { bundleDirFor, materializeBundle, modelVersionOf, productionVersion, MODEL_FETCH_TEMP_KIND } from './bundle-dir.js';
export { compareWithChampion, type ApprovalPolicy, type ChampionComparison } from './champion.js';
export { emptyDeployment, loadSlot, otherSlot, rollbackLive, setShadow, setWeights, switchLive, SLOTS, type DeploymentState } from './deployment.js';
