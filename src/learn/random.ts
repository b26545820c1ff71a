/**
 * The one seeded generator of the project (mulberry32): the same seed gives the same models, folds,
 * samples and test data on every machine. Results are keyed on seeds, so the sequence of a seed
 * must never change.
 */
export class Rng {
  #state: number;

  /** The seed is mixed with 2^32/φ first (the learners, permutation importance and test data). */
  constructor(seed: number) {
    this.#state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
  }

  /**
   * A generator whose state is the seed itself, unmixed: the row shuffles of features/ and automl/
   * (folds, samples, target-encoding folds, the search's steps) were keyed this way, and a seed
   * must keep giving them the same rows.
   */
  static unmixed(seed: number): Rng {
    const rng = new Rng(0);
    rng.#state = seed >>> 0;
    return rng;
  }

  /** uniform in [0, 1) */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** uniform integer in [0, n) */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** standard normal (Box–Muller on 1 − u, so the logarithm never sees 0) */
  normal(): number {
    const u = 1 - this.next();
    const v = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}

/** Fisher–Yates shuffle in place. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(array: T, rng: Rng): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = array[i]!;
    array[i] = array[j]!;
    array[j] = t;
  }
  return array;
}

/** 0..n-1 in a random order. */
export function shuffledIndex(n: number, rng: Rng): Uint32Array {
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  return shuffleInPlace(index, rng);
}

/** `count` distinct indices of 0..n-1, ascending (selection sampling). */
export function sampleSorted(rng: Rng, n: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let needed = count;
  let k = 0;
  for (let i = 0; i < n && needed > 0; i++) {
    if (rng.next() * (n - i) < needed) {
      out[k++] = i;
      needed--;
    }
  }
  return out;
}

/** `count` distinct values of `items`, in their original order. */
export function sampleSubset(rng: Rng, items: Int32Array, count: number): Int32Array {
  if (count >= items.length) return items.slice();
  const picked = sampleSorted(rng, items.length, count);
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = items[picked[i]!]!;
  return out;
}
