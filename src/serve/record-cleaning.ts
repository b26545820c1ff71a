import type { SilverColumn, SilverPlan } from '../lake/index.js';
import type { RecordValues } from './record-validator.js';

/**
 * Silver's cleaning (lake's `cleaningSelect`, DuckDB SQL) replayed on a request's records, for a
 * bundle trained on silver: a value cleaned to null in training is missing when served too. The
 * steps a served value needs: text trimmed of spaces (DuckDB's `trim`), placeholders (`?`, `n/a`,
 * the profile's own) to null, sentinel numbers (-999 where a tag says so) to null. Casting is left
 * to the schema check, which parses text as the column's kind; PII columns are never features.
 * Tested against DuckDB on the same values (`record-cleaning.test.ts`).
 */
export function compileRecordCleaner(plan: SilverPlan, needed: readonly string[]): ((records: readonly RecordValues[]) => RecordValues[]) | undefined {
  const wanted = new Set(needed);
  const steps = plan.columns.filter((c) => wanted.has(c.name) && (c.trim || c.nullStrings.length > 0 || c.nullNumbers.length > 0)).map((c) => ({ name: c.name, clean: valueCleaner(c) }));
  if (steps.length === 0) return undefined;
  return (records) =>
    records.map((record) => {
      const copy: Record<string, unknown> = { ...record };
      for (const { name, clean } of steps) if (Object.hasOwn(copy, name)) copy[name] = clean(copy[name]);
      return copy;
    });
}

function trimSpaces(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && text.charCodeAt(start) === 32) start++;
  while (end > start && text.charCodeAt(end - 1) === 32) end--;
  return text.slice(start, end);
}

function valueCleaner(column: SilverColumn): (value: unknown) => unknown {
  const nullStrings = new Set(column.nullStrings);
  const nullNumbers = new Set(column.nullNumbers);
  return (value) => {
    if (typeof value === 'number') return nullNumbers.has(value) ? null : value;
    if (typeof value !== 'string') return value;
    if (nullStrings.has(trimSpaces(value).toLowerCase())) return null;
    const text = column.trim ? trimSpaces(value) : value;
    if (column.cast === 'number' && nullNumbers.size > 0) {
      const n = Number(text);
      if (text !== '' && nullNumbers.has(n)) return null;
    }
    return text;
  };
}
