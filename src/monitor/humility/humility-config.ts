import { z } from 'zod';
import { InputError } from '../../common/index.js';

/**
 * Humility rules as configured (`autolab.yaml`'s `humility:`, or a file given to `autolab serve
 * --humility`): which rules run on every scored record, with their limits and what happens when one
 * fires — `flag` (named in the answer), `fallback` (a set value answered instead of the prediction,
 * still flagged) or `refuse` (the request is a 422 naming the rule, record and column).
 */

const action = {
  action: z.enum(['flag', 'fallback', 'refuse']).default('flag'),
  /** answered instead of the prediction when `action` is fallback */
  fallback: z.union([z.string(), z.number()]).optional(),
};

const fallbackGiven = (rule: { action: string; fallback?: string | number | undefined }) => rule.action !== 'fallback' || rule.fallback !== undefined;
const FALLBACK_NEEDED = { message: 'action fallback needs a fallback: value', path: ['fallback'] };

const uncertainShape = z
  .object({
    /** binary: |p(positive class) − threshold| < band */
    band: z.number().gt(0).lt(1).default(0.1),
    threshold: z.number().gt(0).lt(1).default(0.5),
    /** multiclass: top probability − second < margin */
    margin: z.number().gt(0).lt(1).default(0.1),
    ...action,
  })
  .strict()
  .refine(fallbackGiven, FALLBACK_NEEDED);

const outlyingShape = z
  .object({
    /** outside the training [min, max] */
    range: z.boolean().default(true),
    /** beyond this many robust z-scores, |x − median| / (1.4826 · MAD); none: not checked */
    zScore: z.number().positive().optional(),
    ...action,
  })
  .strict()
  .refine(fallbackGiven, FALLBACK_NEEDED);

const unseenShape = z.object({ ...action }).strict().refine(fallbackGiven, FALLBACK_NEEDED);

const lowObservationShape = z
  .object({
    /** fewer training rows than this in the leaves that decided (see automl's leafSupportOf) */
    minRows: z.number().int().positive().default(10),
    ...action,
  })
  .strict()
  .refine(fallbackGiven, FALLBACK_NEEDED);


const rulesObject = {
  uncertain: uncertainShape.optional(),
  outlying: outlyingShape.optional(),
  unseen: unseenShape.optional(),
  lowObservation: lowObservationShape.optional(),
};

/** The rules one model is served with. */
export const humilityRulesShape = z.object(rulesObject).strict();

/** What autolab.yaml holds: rules for every project, and per project rules that replace them one by one (`false` turns one off). */
export const humilitySectionShape = z
  .object({
    ...rulesObject,
    projects: z
      .record(
        z.string(),
        z
          .object({
            uncertain: z.union([z.literal(false), uncertainShape]).optional(),
            outlying: z.union([z.literal(false), outlyingShape]).optional(),
            unseen: z.union([z.literal(false), unseenShape]).optional(),
            lowObservation: z.union([z.literal(false), lowObservationShape]).optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export type HumilityRules = z.output<typeof humilityRulesShape>;
export type HumilitySection = z.output<typeof humilitySectionShape>;
export type HumilityAction = 'flag' | 'fallback' | 'refuse';
export type HumilityRuleKey = keyof HumilityRules;

/** The rules' names as answers, metrics and the monitor say them. */
export const RULE_NAMES: Readonly<Record<HumilityRuleKey, string>> = { uncertain: 'uncertain', outlying: 'outlying', unseen: 'unseen', lowObservation: 'low-observation' };

export const HUMILITY_HINT = 'humility: takes uncertain (band, threshold, margin), outlying (range, zScore), unseen, lowObservation (minRows), each with action flag | fallback (and fallback: VALUE) | refuse; projects: NAME: the same, or false';

/** The first problem of a parse, as `where: message`. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return `${issue?.path.join('.') || 'the top level'}: ${issue?.message ?? 'invalid'}`;
}

/** Reads a humility section (from a file or autolab.yaml); `where` names it in the one-line error. */
export function parseHumilitySection(raw: unknown, where: string): HumilitySection {
  const parsed = humilitySectionShape.safeParse(raw ?? {});
  if (!parsed.success) throw new InputError(`${where} does not hold valid humility rules (${firstIssue(parsed.error)})`, HUMILITY_HINT);
  return parsed.data;
}

/** The rules for one project: the section's, each replaced by the project's when it names it (`false`: off). */
export function humilityRulesFor(section: HumilitySection | undefined, project: string | undefined): HumilityRules {
  if (!section) return {};
  const { projects, ...rules } = section;
  const own = project !== undefined ? projects?.[project] : undefined;
  const merged: Record<string, unknown> = { ...rules };
  for (const [key, value] of Object.entries(own ?? {})) {
    if (value === false) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return merged as HumilityRules;
}

export function hasHumilityRules(rules: HumilityRules | undefined): boolean {
  return rules !== undefined && Object.values(rules).some((r) => r !== undefined);
}
