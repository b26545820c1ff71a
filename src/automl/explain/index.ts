export { explainEnsemble, type EnsembleExplanation, type MemberNote } from './explain-ensemble.js';
export { explainModel, explainedOutputs, type ContributionScale, type ModelContributions, type ModelExplanation } from './member-contributions.js';
export { topContributions, type Contribution, type RowExplanation } from './top-contributions.js';
