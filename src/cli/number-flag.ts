import { UsageError } from '../common/index.js';

export interface NumberFlagRule {
  /** a whole number (else any finite number) */
  readonly integer: boolean;
  /** the smallest value taken; `exclusiveMin` makes it a strict bound */
  readonly min: number;
  readonly exclusiveMin?: boolean;
  /** the largest value taken (whole numbers are also held to Number.MAX_SAFE_INTEGER) */
  readonly max?: number;
  /** said after the flag's value when it is refused, e.g. `a positive whole number` */
  readonly what: string;
}

/** Longest --time-limit taken: 30 days. Beyond, timers overflow and the budget means nothing. */
export const MAX_SECONDS = 30 * 24 * 3600;

export const SHARE: NumberFlagRule = { integer: false, min: 0, max: 1, what: 'a share between 0 and 1' };
export const POSITIVE_COUNT: NumberFlagRule = { integer: true, min: 1, what: 'a positive whole number' };
export const POSITIVE_SECONDS: NumberFlagRule = { integer: false, min: 0, exclusiveMin: true, max: MAX_SECONDS, what: 'a positive number of seconds' };

/**
 * Every numeric flag is checked here before it reaches SQL, a timer or a loop: a value that is not
 * a number, out of range, fractional where a count is due, or too large to be exact is a UsageError
 * naming the flag, its value and the range taken.
 */
export function parseNumberFlag(flag: string, text: string | undefined, rule: NumberFlagRule): number | undefined {
  if (text === undefined) return undefined;
  const value = text.trim() === '' ? Number.NaN : Number(text);
  const max = Math.min(rule.max ?? Number.POSITIVE_INFINITY, rule.integer ? Number.MAX_SAFE_INTEGER : Number.MAX_VALUE);
  const tooSmall = rule.exclusiveMin ? value <= rule.min : value < rule.min;
  if (!Number.isFinite(value) || tooSmall || (rule.integer && !Number.isInteger(value))) {
    throw new UsageError(`--${flag} '${text}' is not ${rule.what}`);
  }
  if (value > max) throw new UsageError(`--${flag} '${text}' is too large`, `give at most ${max}`);
  return value;
}
