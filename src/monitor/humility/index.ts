/**
 * The humility rules' public face, light on purpose (zod only): autolab.yaml's reader and the CLI
 * import it at startup, which must not load DuckDB with the rest of monitor. monitor/index.ts
 * re-exports it.
 */
export {
  humilityRulesShape,
  humilitySectionShape,
  parseHumilitySection,
  humilityRulesFor,
  hasHumilityRules,
  RULE_NAMES,
  HUMILITY_HINT,
  type HumilityRules,
  type HumilitySection,
  type HumilityAction,
  type HumilityRuleKey,
} from './humility-config.js';
export { uncertainRecords, outlyingRecords, unseenRecords, lowObservationRecords, robustZ, MAD_TO_SD } from './humility-tests.js';
export { humilityText } from './humility-text.js';
