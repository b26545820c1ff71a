import { DataError, InputError } from '../common/index.js';
import { coerceToTexts, isMissingText, parseNumber, type RawColumn } from '../features/index.js';
import type { Task } from '../learn/types.js';

/** The target as the learners see it, with what is needed to turn predictions back into labels. */
export interface TargetInfo {
  readonly name: string;
  readonly task: Task;
  /** class labels exactly as written in the training data, sorted; empty for regression */
  readonly classes: readonly string[];
  /** class index per kept row, or the number for regression */
  readonly values: Float64Array;
  /** rows whose target is present, in order; rows with a missing target are left out */
  readonly rows: Uint32Array;
}

/** Integer targets with at most this many distinct values are classes rather than quantities. */
const MAX_INTEGER_CLASSES = 10;

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Detects binary / multiclass / regression from the target values, unless `override` says which. */
export function detectTask(column: RawColumn, override?: Task): TargetInfo {
  const labels = coerceToTexts(column);
  const keep: number[] = [];
  for (let i = 0; i < labels.length; i++) if (!isMissingText(labels[i] ?? null)) keep.push(i);
  if (keep.length === 0) throw new DataError(`target column '${column.name}' has no values`, 'choose another target column');
  const distinct = [...new Set(keep.map((i) => labels[i]!))].sort(compareText);
  const numbers = keep.map((i) => parseNumber(labels[i]!));
  const allNumeric = numbers.every((v) => !Number.isNaN(v));
  let task: Task;
  if (override) task = override;
  else if (distinct.length === 2) task = 'binary';
  else if (!allNumeric) task = 'multiclass';
  else if (numbers.every(Number.isInteger) && distinct.length <= MAX_INTEGER_CLASSES && distinct.length * 20 <= keep.length) task = 'multiclass';
  else task = 'regression';
  const rows = Uint32Array.from(keep);
  if (task === 'regression') {
    if (!allNumeric) {
      const bad = keep.find((i) => Number.isNaN(parseNumber(labels[i]!)));
      throw new InputError(
        `target column '${column.name}' is not numeric (row ${bad! + 1} has '${labels[bad!]}') but the task is regression`,
        'pick a numeric target or use --task binary/multiclass',
      );
    }
    return { name: column.name, task, classes: [], values: Float64Array.from(numbers), rows };
  }
  if (distinct.length < 2) {
    throw new DataError(`target column '${column.name}' has one class only ('${distinct[0]}')`, 'a classifier needs at least two classes');
  }
  if (task === 'binary' && distinct.length > 2) {
    throw new DataError(`--task binary but target column '${column.name}' has ${distinct.length} classes`, 'use --task multiclass or leave --task out');
  }
  const index = new Map(distinct.map((c, i) => [c, i]));
  return { name: column.name, task, classes: distinct, values: Float64Array.from(keep, (i) => index.get(labels[i]!)!), rows };
}
