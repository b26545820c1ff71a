/** A small seeded generator (mulberry32): the same seed gives the same model on every machine. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
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
