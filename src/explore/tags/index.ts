/**
 * The tags (human moment 2) as pure data: pre-filled suggestions, the changes a person makes
 * (each summarised), the YAML of `tags edit`, the hash of what was confirmed, and the view a
 * person reviews (the value in force per field, what is still open).
 */
export type * from './types.js';
export { COLUMN_ROLES, PII_POLICIES, TAG_FIELDS } from './types.js';
export { suggestTags, mergeSuggestions, DEFAULT_PII_POLICY } from './suggest.js';
export {
  acceptSuggestions,
  confirmedTagsHash,
  confirmedTarget,
  hasConfirmedTarget,
  setKnownAt,
  setTargetExpression,
  openTagCount,
  parseColumnAssignments,
  parseRelationshipAssignments,
  parseRelationshipRef,
  resolveColumn,
  setColumnTags,
  setRelationshipTag,
  type TagChange,
} from './edit.js';
export { tagsToYaml, parseTagsYaml, type TagsYamlResult, type YamlProblem } from './yaml.js';
export { tagsView, columnView, type TagsView, type TagsColumnView, type TagsRelationshipView } from './view.js';
