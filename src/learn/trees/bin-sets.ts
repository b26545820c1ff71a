/**
 * Bin sets: for every feature f, a 256-bit set in words f * 8 .. f * 8 + 7 of an `Int32Array`,
 * holding (at least) every bin, missing bin included, whose histogram slots are not zero. A small
 * node fills a few of a feature's 255 bins; with its set, the split scan visits just those
 * (`findBestSplit`). Marked from rows: the bins a histogram built from those rows can fill.
 */
export const BIN_SET_WORDS = 8;

/** The bins that positions begin..end of a row layout (`stride` bytes a row) fall in, for every feature. */
export function markLayoutBins(codes: Uint8Array, stride: number, numFeatures: number, begin: number, end: number, sets: Int32Array): void {
  sets.fill(0, 0, numFeatures * BIN_SET_WORDS);
  for (let i = begin; i < end; i++) {
    const base = i * stride;
    for (let f = 0, w = 0; f < numFeatures; f++, w += BIN_SET_WORDS) {
      const b = codes[base + f]!;
      sets[w + (b >>> 5)]! |= 1 << (b & 31);
    }
  }
}

/** The bins that rows[begin..end) fall in, for each of `features` (columns: one per feature). */
export function markColumnBins(columns: readonly Uint8Array[], features: Int32Array, rows: Uint32Array, begin: number, end: number, sets: Int32Array): void {
  for (let j = 0; j < features.length; j++) {
    const f = features[j]!;
    const column = columns[f]!;
    const w = f * BIN_SET_WORDS;
    sets.fill(0, w, w + BIN_SET_WORDS);
    for (let i = begin; i < end; i++) {
      const b = column[rows[i]!]!;
      sets[w + (b >>> 5)]! |= 1 << (b & 31);
    }
  }
}

/**
 * Writes feature f's bins below `nb` (the missing bin excluded) and bin 0, ascending, to `out`
 * and returns how many. Bin 0 always: the full scan evaluates threshold 0 even when it is empty
 * (missing values alone on one side).
 */
export function listBins(sets: Int32Array, f: number, nb: number, out: Int32Array): number {
  let n = 0;
  const first = f * BIN_SET_WORDS;
  for (let w = 0; w < BIN_SET_WORDS; w++) {
    let bits = sets[first + w]! | (w === 0 ? 1 : 0);
    while (bits !== 0) {
      const low = bits & -bits;
      const b = (w << 5) + 31 - Math.clz32(low);
      if (b >= nb) return n;
      out[n++] = b;
      bits ^= low;
    }
  }
  return n;
}
