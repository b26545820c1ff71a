import { findColumn, type Frame } from '../../features/index.js';
import type { EnsembleExplanation } from './explain-ensemble.js';

/** One input column's part in one row's prediction. */
export interface Contribution {
  readonly column: string;
  /** the row's value of the column as given (null when missing) */
  readonly value: string | number | boolean | null;
  readonly contribution: number;
}

/** A row's explained output and its largest contributions by magnitude. */
export interface RowExplanation {
  /** the class (or target) the contributions push towards */
  readonly output: string;
  readonly base: number;
  readonly contributions: readonly Contribution[];
}

/**
 * The `top` largest |contributions| of each row (ties by column order), for the output each row is
 * explained on: class 1 for binary, the given class index per row for multiclass (its prediction).
 */
export function topContributions(explanation: EnsembleExplanation, frame: Frame, top: number, outputOfRow: (row: number) => number = () => 0): RowExplanation[] {
  const width = explanation.columns.length;
  const raw = explanation.columns.map((name) => findColumn(frame, name));
  const rows: RowExplanation[] = [];
  for (let r = 0; r < explanation.rows; r++) {
    const k = Math.min(explanation.outputs.length - 1, Math.max(0, outputOfRow(r)));
    const values = explanation.contributions[k]!;
    const order = Array.from({ length: width }, (_, c) => c).sort((a, b) => Math.abs(values[r * width + b]!) - Math.abs(values[r * width + a]!) || a - b);
    rows.push({
      output: explanation.outputs[k]!,
      base: explanation.base[k]!,
      contributions: order.slice(0, Math.max(0, top)).map((c) => ({ column: explanation.columns[c]!, value: cellValue(raw[c], r), contribution: values[r * width + c]! })),
    });
  }
  return rows;
}

function cellValue(column: Frame['columns'][number] | undefined, row: number): string | number | boolean | null {
  if (!column) return null;
  if (column.kind === 'string') return column.values[row] ?? null;
  const v = column.values[row]!;
  if (Number.isNaN(v)) return null;
  if (column.kind === 'boolean') return v !== 0;
  if (column.kind === 'datetime') return shownTime(v);
  return v;
}

/** A time (ms since the epoch) as ISO text; one outside what a Date holds (±8.64e15 ms: a number sent for a date) stays the number. */
export function shownTime(ms: number): string | number {
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : ms;
}
