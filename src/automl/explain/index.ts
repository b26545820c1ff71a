export { explainEnsemble, type EnsembleExplanation, type MemberNote } from './explain-ensemble.js';
export { explainModel, explainedOutputs, type ContributionScale, type ModelContributions, type ModelExplanation } from './member-contributions.js';
export { topContributions, shownTime, type Contribution, type RowExplanation } from './top-contributions.js';
export { explainFile, explainRows, type ExplanationDocument, type ExplanationFormat, type FileExplanation } from './explain-file.js';
export { columnPermutationImportance, partialDependence, type ColumnPermutationImportance, type PartialDependence } from './global-explanations.js';
