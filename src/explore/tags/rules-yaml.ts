/**
 * The `rules:` section of the tags YAML: one entry per quality rule, whose action (and range,
 * categories or referenced column) a person may change, or a new rule written by hand.
 */
import { z } from 'zod';
import { RULE_ACTIONS, type QualityRule, type RuleAction, type RuleCheck } from '../../lake/index.js';
import { columnRefIn } from './suggest.js';
import type { TagSet } from './types.js';

const KINDS = ['not_null', 'unique', 'range', 'one_of', 'format', 'references'] as const;

export const RULES_HELP = ` rules: RULE = TABLE.COLUMN:${KINDS.join('|')}      action: ${RULE_ACTIONS.join(' | ')} (range: min, max; one_of: values; references: to)`;

export const ruleYamlSchema = z
  .object({
    rule: z.string().regex(/^.+\..+:[a-z_]+$/, 'write TABLE.COLUMN:KIND'),
    action: z.enum(RULE_ACTIONS as [RuleAction, ...RuleAction[]]),
    min: z.number().nullable().optional(),
    max: z.number().nullable().optional(),
    values: z.array(z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
    format: z.literal('email').optional(),
    to: z.string().regex(/\./, 'write TABLE.COLUMN').optional(),
  })
  .strict();

type RuleYaml = z.infer<typeof ruleYamlSchema>;

export function rulesToYaml(rules: readonly QualityRule[]): Record<string, unknown>[] {
  return rules.map((r) => {
    const c = r.check;
    const extra =
      c.kind === 'range' ? { min: c.min, max: c.max } : c.kind === 'one_of' ? { values: c.values } : c.kind === 'format' ? { format: c.format } : c.kind === 'references' ? { to: `${c.table}.${c.column}` } : {};
    return { rule: r.id, ...extra, action: r.action };
  });
}

/**
 * The rules after an edit: entries replace the rule of the same id, new ids add a rule; rules left
 * out stay as they were. `rules` is undefined when the section changed nothing.
 */
export function rulesFromYaml(
  entries: readonly RuleYaml[],
  current: TagSet,
  lineOf: (index: number, key?: string) => number,
): { rules: QualityRule[] | undefined; problems: { line: number; message: string }[]; changes: string[] } {
  const problems: { line: number; message: string }[] = [];
  const changes: string[] = [];
  const rules = [...(current.rules ?? [])];
  entries.forEach((entry, i) => {
    const colon = entry.rule.lastIndexOf(':');
    const kind = entry.rule.slice(colon + 1);
    const ref = columnRefIn(entry.rule.slice(0, colon), current);
    if (!ref) {
      problems.push({ line: lineOf(i, 'rule'), message: `no column ${entry.rule.slice(0, colon)} among the explored tables` });
      return;
    }
    if (!(KINDS as readonly string[]).includes(kind)) {
      problems.push({ line: lineOf(i, 'rule'), message: `${entry.rule}: no rule kind ${kind}; one of ${KINDS.join(', ')}` });
      return;
    }
    const check = checkOf(kind as (typeof KINDS)[number], entry, current);
    if (typeof check === 'string') {
      problems.push({ line: lineOf(i, 'rule'), message: `${entry.rule}: ${check}` });
      return;
    }
    const id = `${ref.table}.${ref.column}:${kind}`;
    const index = rules.findIndex((r) => r.id === id);
    const before = rules[index];
    const next: QualityRule = { id, table: ref.table, column: ref.column, check, action: entry.action, reason: before?.reason ?? 'written by hand' };
    if (before && JSON.stringify(before.check) === JSON.stringify(check) && before.action === entry.action) return;
    changes.push(`rule ${id} ${entry.action}`);
    if (index >= 0) rules[index] = next;
    else rules.push(next);
  });
  return { rules: changes.length > 0 ? rules : undefined, problems, changes };
}

function checkOf(kind: (typeof KINDS)[number], entry: RuleYaml, tags: TagSet): RuleCheck | string {
  switch (kind) {
    case 'not_null':
    case 'unique':
      return { kind };
    case 'range':
      if (entry.min == null && entry.max == null) return 'a range needs min, max or both';
      return { kind, min: entry.min ?? null, max: entry.max ?? null };
    case 'one_of':
      if (!entry.values || entry.values.length === 0) return 'one_of needs values: [A, B, …]';
      return { kind, values: entry.values };
    case 'format':
      return { kind, format: 'email' };
    case 'references': {
      const to = entry.to ? columnRefIn(entry.to, tags) : undefined;
      if (!to) return `references needs to: TABLE.COLUMN among the explored tables${entry.to ? ` (not ${entry.to})` : ''}`;
      return { kind, table: to.table, column: to.column };
    }
  }
}
