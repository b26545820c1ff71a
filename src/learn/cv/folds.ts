/**
 * Cross-validation splits as row indices (sorted `Uint32Array`s): k-fold, stratified k-fold (class
 * shares kept in every fold), grouped k-fold (a group never straddles train and validation) and
 * time-ordered expanding windows (validation always after training). Seeded: the same seed gives
 * the same folds everywhere. The rows are shuffled by `Rng.unmixed(seed)`, as AutoML's folds always
 * were, so a seed keeps giving AutoML the same folds.
 */
import { DataError, UsageError } from '../../common/index.js';
import { Rng, shuffledIndex } from '../random.js';

export interface Fold {
  readonly train: Uint32Array;
  readonly valid: Uint32Array;
}

export interface SplitOptions {
  readonly seed?: number;
}

function checkK(k: number, units: number, what: string): void {
  if (!Number.isInteger(k) || k < 2) throw new UsageError(`cross-validation needs an integer number of folds ≥ 2, got ${k}`, 'use e.g. 5 folds');
  if (units < k) throw new DataError(`cannot make ${k} folds from ${units} ${what}`, `use at most ${units} folds, or more data`);
}

/** Builds folds from a fold number per row (−1: never validated, always trained on). */
function foldsFromAssignment(assignment: Int32Array, k: number): Fold[] {
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    let validCount = 0;
    for (const a of assignment) if (a === f) validCount++;
    const valid = new Uint32Array(validCount);
    const train = new Uint32Array(assignment.length - validCount);
    let v = 0;
    let t = 0;
    for (let i = 0; i < assignment.length; i++) {
      if (assignment[i] === f) valid[v++] = i;
      else train[t++] = i;
    }
    folds.push({ train, valid });
  }
  return folds;
}

const shuffledRows = (rows: number, options: SplitOptions): Uint32Array => shuffledIndex(rows, Rng.unmixed(options.seed ?? 0));

/** Shuffled k-fold: fold sizes differ by at most one. */
export function kFold(rows: number, k: number, options: SplitOptions = {}): Fold[] {
  checkK(k, rows, 'rows');
  const order = shuffledRows(rows, options);
  const assignment = new Int32Array(rows);
  order.forEach((row, position) => {
    assignment[row] = position % k;
  });
  return foldsFromAssignment(assignment, k);
}

/**
 * Stratified k-fold on class labels: the rows are shuffled, then each class's rows are dealt to the
 * folds in turn, every class continuing where the one before stopped (so small classes do not all
 * land in fold 0): every fold holds each class's share to within one row.
 */
export function stratifiedKFold(y: ArrayLike<number>, k: number, options: SplitOptions = {}): Fold[] {
  checkK(k, y.length, 'rows');
  const byClass = new Map<number, number[]>();
  for (const row of shuffledRows(y.length, options)) {
    const label = y[row]!;
    let rows = byClass.get(label);
    if (!rows) byClass.set(label, (rows = []));
    rows.push(row);
  }
  const assignment = new Int32Array(y.length);
  let position = 0;
  // classes in label order so the folds do not depend on the order rows arrive in
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    for (const row of byClass.get(label)!) assignment[row] = position++ % k;
  }
  return foldsFromAssignment(assignment, k);
}

/**
 * Grouped k-fold: whole groups go to one fold, largest groups first to the fold with fewest rows
 * (groups of equal size in seeded random order), which balances fold sizes.
 */
export function groupKFold(groups: ArrayLike<number | string>, k: number, options: SplitOptions = {}): Fold[] {
  const rowsOf = new Map<number | string, number[]>();
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    let rows = rowsOf.get(g);
    if (!rows) rowsOf.set(g, (rows = []));
    rows.push(i);
  }
  checkK(k, rowsOf.size, 'groups');
  const keys = [...rowsOf.keys()];
  const order = shuffledRows(keys.length, options);
  // stable sort by size keeps the shuffled order among equal sizes
  const sorted = Array.from(order).sort((a, b) => rowsOf.get(keys[b]!)!.length - rowsOf.get(keys[a]!)!.length);
  const sizes = new Float64Array(k);
  const assignment = new Int32Array(groups.length);
  for (const g of sorted) {
    let target = 0;
    for (let f = 1; f < k; f++) if (sizes[f]! < sizes[target]!) target = f;
    const rows = rowsOf.get(keys[g]!)!;
    for (const row of rows) assignment[row] = target;
    sizes[target] = sizes[target]! + rows.length;
  }
  return foldsFromAssignment(assignment, k);
}

export interface TimeSplitOptions {
  /** rows left out between the end of training and the start of validation (default 0) */
  readonly gap?: number;
}

/**
 * Expanding-window splits in time order: the rows, sorted by `times`, are cut into k + 1 blocks;
 * fold i trains on blocks 0..i and validates on block i + 1. Rows with the same time stay on one
 * side of every cut, so validation never starts before or at a training time.
 */
export function timeSeriesSplit(times: ArrayLike<number>, k: number, options: TimeSplitOptions = {}): Fold[] {
  const n = times.length;
  checkK(k, n, 'rows');
  for (let i = 0; i < n; i++) if (Number.isNaN(times[i]!)) throw new DataError(`the time of row ${i} is missing`, 'drop rows without a time before a time-ordered split');
  const gap = options.gap ?? 0;
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort((a, b) => times[a]! - times[b]! || a - b);
  // cut positions, moved forward past runs of equal times
  const cuts: number[] = [];
  for (let b = 1; b <= k; b++) {
    let cut = Math.floor((b * n) / (k + 1));
    while (cut < n && cut > 0 && times[order[cut]!] === times[order[cut - 1]!]) cut++;
    cuts.push(cut);
  }
  cuts.push(n);
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const trainEnd = cuts[f]!;
    const validStart = Math.min(n, trainEnd + gap);
    const validEnd = cuts[f + 1]!;
    if (trainEnd === 0 || validStart >= validEnd) {
      throw new DataError(`time-ordered fold ${f + 1} of ${k} would be empty (too many equal times or too large a gap)`, 'use fewer folds or a smaller gap');
    }
    folds.push({ train: order.slice(0, trainEnd).sort(), valid: order.slice(validStart, validEnd).sort() });
  }
  return folds;
}
