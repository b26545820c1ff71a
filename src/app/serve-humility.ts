import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describeError, InputError } from '../common/index.js';
import { hasHumilityRules, humilityRulesFor, parseHumilitySection, type HumilityRules } from '../monitor/humility/index.js';
import type { LabConfig } from './lab-types.js';

/**
 * The humility rules `autolab serve` runs: a rules file when one is given (YAML or JSON, shaped as
 * autolab.yaml's `humility:` section), else — for a project of a lab — autolab.yaml's section; a
 * project's own entries replace the section's rule by rule. Undefined when no rule is set.
 */
export function servedHumilityRules(options: { readonly file?: string | undefined; readonly config?: LabConfig | undefined; readonly project?: string | undefined }): HumilityRules | undefined {
  const section = options.file !== undefined ? readHumilityFile(options.file) : options.config?.humility;
  const rules = humilityRulesFor(section, options.project);
  return hasHumilityRules(rules) ? rules : undefined;
}

function readHumilityFile(path: string): ReturnType<typeof parseHumilitySection> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`the humility rules file ${path} cannot be read`, 'check the path');
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new InputError(`the humility rules file ${path} is not valid YAML or JSON (${describeError(error).split('\n')[0]})`, 'fix the file');
  }
  // a file may hold the section itself or a whole autolab.yaml-like document with a humility: key
  const section = raw !== null && typeof raw === 'object' && 'humility' in raw ? (raw as { humility: unknown }).humility : raw;
  return parseHumilitySection(section, `the file ${path}`);
}
