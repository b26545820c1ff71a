/**
 * Which columns are missing together: counts of rows where both of two columns are missing,
 * added as aggregates to the second scan, and the correlation of the missingness indicators.
 */
import type { MissingCooccurrence } from '../profile-types.js';
import type { SelectList } from '../sql-select-list.js';
import { quoteIdent, toCount } from '../sql.js';

export interface MissingColumn {
  readonly name: string;
  readonly missing: number;
}

/** At most this many columns (those missing most) enter the matrix. */
export const MAX_MISSING_COLUMNS = 60;

export function addMissingAggregates(
  list: SelectList,
  columns: readonly MissingColumn[],
  rows: number,
): ((row: readonly unknown[]) => MissingCooccurrence) | null {
  const chosen = columns
    .filter((c) => c.missing > 0)
    .sort((a, b) => b.missing - a.missing)
    .slice(0, MAX_MISSING_COLUMNS);
  if (chosen.length === 0) return null;
  const at: number[][] = chosen.map(() => []);
  for (let i = 0; i < chosen.length; i++) {
    for (let j = i + 1; j < chosen.length; j++) {
      at[i]![j] = list.add(`count_if(${quoteIdent(chosen[i]!.name)} IS NULL AND ${quoteIdent(chosen[j]!.name)} IS NULL)`);
    }
  }
  return (row) => {
    const both = chosen.map((c, i) => chosen.map((__, j) => (i === j ? c.missing : 0)));
    for (let i = 0; i < chosen.length; i++) {
      for (let j = i + 1; j < chosen.length; j++) {
        const n = toCount(row[at[i]![j]!]);
        both[i]![j] = n;
        both[j]![i] = n;
      }
    }
    return { columns: chosen.map((c) => c.name), bothMissing: both, nullityCorrelation: nullityCorrelation(chosen, both, rows) };
  };
}

export function nullityCorrelation(columns: readonly MissingColumn[], both: readonly (readonly number[])[], rows: number): (number | null)[][] {
  return columns.map((a, i) =>
    columns.map((b, j) => {
      if (rows === 0) return null;
      const pa = a.missing / rows;
      const pb = b.missing / rows;
      const denom = Math.sqrt(pa * (1 - pa) * pb * (1 - pb));
      if (!(denom > 0)) return null;
      if (i === j) return 1;
      const pab = (both[i]?.[j] ?? 0) / rows;
      return Math.max(-1, Math.min(1, (pab - pa * pb) / denom));
    }),
  );
}
