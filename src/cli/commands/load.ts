/**
 * The heavy code behind the commands, loaded when a command runs rather than when the CLI starts.
 * Every command file is imported to register itself; when they imported DuckDB, the learners, the
 * explorer, the database drivers and exceljs at the top, `autolab status` took 0.54 s to start
 * (Node alone: 0.07 s). Command files import the lab, projects and status statically (they are
 * light), and everything else through these, inside their actions.
 */
export const explore = () => import('../../app/explore.js');
export const tags = () => import('../../app/tags.js');
export const targetExpression = () => import('../../app/target-expression.js');
export const tagsOverview = () => import('../../app/tags-overview.js');
export const sources = () => import('../../app/sources.js');
export const ingest = () => import('../../app/ingest.js');
export const run = () => import('../../app/run.js');
export const silver = () => import('../../app/silver.js');
export const gold = () => import('../../app/gold.js');
export const goldFeatures = () => import('../../app/gold-features.js');
export const exportLayer = () => import('../../app/export.js');
export const demo = () => import('../../app/demo.js');
export const features = () => import('../../features/index.js');
export const automl = () => import('../../automl/index.js');
// the summary counts open tags with explore's tag view, which loads the explorer
export const exploreSummary = () => import('./explore-summary.js');
export const models = () => import('../../app/models.js');
export const registry = () => import('../../registry/index.js');
export const modelCard = () => import('../../app/model-card.js');
export const modelExport = () => import('../../app/model-export.js');
export const compare = () => import('../../app/compare-endpoint.js');
export const serve = () => import('../../serve/index.js');
export const serveProject = () => import('../../app/serve-project.js');
export const serveHumility = () => import('../../app/serve-humility.js');
export const monitor = () => import('../../app/monitor.js');
export const monitorPredictions = () => import('../../app/monitor-predictions.js');
export const feedback = () => import('../../app/feedback.js');
