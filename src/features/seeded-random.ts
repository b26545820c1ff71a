/** A small seeded generator (mulberry32): the same seed gives the same sequence on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** 0..n-1 in a seeded random order. */
export function shuffledIndex(n: number, seed: number): Uint32Array {
  const random = seededRandom(seed);
  const index = new Uint32Array(n);
  for (let i = 0; i < n; i++) index[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = index[i]!;
    index[i] = index[j]!;
    index[j] = t;
  }
  return index;
}
