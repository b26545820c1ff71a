import { Rng, shuffledIndex } from '../learn/index.js';
import type { Task } from '../learn/types.js';
import type { Fold } from './cv-data.js';

/**
 * k folds over the rows; for classification each class is dealt round-robin across folds after a
 * seeded shuffle, so every fold sees every class that has at least k rows.
 */
export function makeFolds(y: Float64Array, task: Task, k: number, seed: number): Fold[] {
  const n = y.length;
  const order = shuffledIndex(n, Rng.unmixed(seed));
  const foldOf = new Int32Array(n);
  if (task === 'regression') {
    for (let r = 0; r < n; r++) foldOf[order[r]!] = r % k;
  } else {
    // continue each class's deal where the previous class stopped, so small classes do not all land in fold 0
    let offset = 0;
    const byClass = new Map<number, number[]>();
    for (const i of order) {
      const c = y[i]!;
      let list = byClass.get(c);
      if (!list) byClass.set(c, (list = []));
      list.push(i);
    }
    for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
      const list = byClass.get(c)!;
      list.forEach((i, j) => (foldOf[i] = (offset + j) % k));
      offset = (offset + list.length) % k;
    }
  }
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const valid: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? valid : train).push(i);
    folds.push({ train: Uint32Array.from(train), valid: Uint32Array.from(valid) });
  }
  return folds;
}

/** Fewer folds for large data, where each fit is dear and one fold's estimate is already stable. */
export function chooseFoldCount(rows: number, timeLimit: number | undefined): number {
  if (rows < 40) return Math.max(2, Math.min(5, Math.floor(rows / 4)));
  if (rows > 20_000 || (timeLimit !== undefined && timeLimit < 15 && rows > 5_000)) return 3;
  return 5;
}
