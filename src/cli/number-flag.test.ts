import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/index.js';
import { MAX_SECONDS, parseNumberFlag, POSITIVE_COUNT, POSITIVE_SECONDS } from './number-flag.js';

describe('parseNumberFlag', () => {
  it('takes what fits and leaves an absent flag absent', () => {
    expect(parseNumberFlag('limit', '20', POSITIVE_COUNT)).toBe(20);
    expect(parseNumberFlag('limit', '1e3', POSITIVE_COUNT)).toBe(1000);
    expect(parseNumberFlag('time-limit', '0.5', POSITIVE_SECONDS)).toBe(0.5);
    expect(parseNumberFlag('limit', undefined, POSITIVE_COUNT)).toBeUndefined();
  });

  it('refuses negative, fractional, non-numeric, infinite and huge values with one line', () => {
    const refused = (flag: string, text: string, rule = POSITIVE_COUNT) => {
      try {
        parseNumberFlag(flag, text, rule);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as UsageError).message;
      }
      throw new Error(`${text} was taken`);
    };
    expect(refused('limit', '-1')).toBe("--limit '-1' is not a positive whole number");
    expect(refused('limit', '0')).toBe("--limit '0' is not a positive whole number");
    expect(refused('limit', '1.5')).toBe("--limit '1.5' is not a positive whole number");
    expect(refused('limit', 'ten')).toBe("--limit 'ten' is not a positive whole number");
    expect(refused('limit', ' ')).toBe("--limit ' ' is not a positive whole number");
    expect(refused('limit', 'Infinity')).toBe("--limit 'Infinity' is not a positive whole number");
    expect(refused('limit', '99999999999999999999')).toBe("--limit '99999999999999999999' is too large — give at most 9007199254740991");
    expect(refused('time-limit', '0', POSITIVE_SECONDS)).toBe("--time-limit '0' is not a positive number of seconds");
    expect(refused('time-limit', '1e12', POSITIVE_SECONDS)).toBe(`--time-limit '1e12' is too large — give at most ${MAX_SECONDS}`);
  });
});
