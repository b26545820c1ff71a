/**
 * Exploration: round 1 (profiles, keys, relationships, PII, target suggestion), the tags a person
 * confirms, round 2 (target-aware analysis) and the HTML report.
 */
export type * from './profile-types.js';
export { SEMANTIC_TYPES, PII_KINDS } from './profile-types.js';
export { profileTable } from './profile.js';
export { findRelationships, type RelationshipOptions } from './relationships.js';
export { suggestTarget } from './target-suggest.js';

export type * from './tag-types.js';
export { COLUMN_ROLES, PII_POLICIES, TAG_FIELDS } from './tag-types.js';
export { suggestTags, mergeSuggestions, DEFAULT_PII_POLICY } from './tags-suggest.js';
export {
  acceptSuggestions,
  confirmedTagsHash,
  confirmedTarget,
  openTagCount,
  parseColumnAssignments,
  parseRelationshipAssignments,
  parseRelationshipRef,
  resolveColumn,
  setColumnTags,
  setRelationshipTag,
  type TagChange,
} from './tags-edit.js';
export { tagsToYaml, parseTagsYaml, type TagsYamlResult, type YamlProblem } from './tags-yaml.js';

export type * from './round2-types.js';
export { runRound2, type Round2Table } from './round2.js';

export type * from './report-types.js';
export { buildReport, type ReportInput } from './report-model.js';
export { renderReportHtml } from './report-html.js';
