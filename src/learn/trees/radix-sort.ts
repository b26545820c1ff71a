const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Below this many values the built-in sort is quicker than four passes over 65,536 digits. */
const RADIX_FROM = 16_384;

/**
 * Sorts doubles (no NaN) in place, ascending, in the order `Float64Array.prototype.sort` gives
 * (−0 before +0): a least-significant-digit radix sort on the bits, 16 bits per pass. Binning sorts
 * a sample of up to 200k values of every feature: 8.5 ms each instead of 20 ms with the built-in
 * sort. `radixFrom` is for tests.
 */
export function sortFloat64(values: Float64Array, radixFrom = RADIX_FROM): Float64Array {
  const n = values.length;
  // the words are read little-endian (a double's low word first)
  if (n < Math.max(2, radixFrom) || !LITTLE_ENDIAN) return values.sort();
  // each double as two unsigned words that order like the number: flip the sign bit of positives,
  // every bit of negatives
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  const words = new Uint32Array(values.buffer, values.byteOffset, 2 * n);
  for (let i = 0; i < n; i++) {
    const l = words[2 * i]!;
    const h = words[2 * i + 1]!;
    if (h >>> 31 === 1) {
      lo[i] = ~l >>> 0;
      hi[i] = ~h >>> 0;
    } else {
      lo[i] = l;
      hi[i] = (h | 0x80000000) >>> 0;
    }
  }
  let loOut = new Uint32Array(n);
  let hiOut = new Uint32Array(n);
  const counts = new Int32Array(65536);
  // two passes over the low word, then two over the high one: bits 0–15, 16–31
  for (let pass = 0; pass < 4; pass++) {
    const key = pass < 2 ? lo : hi;
    const shift = (pass % 2) * 16;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(key[i]! >>> shift) & 65535]!++;
    // a digit every value shares moves nothing
    if (counts[(key[0]! >>> shift) & 65535] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(key[i]! >>> shift) & 65535]!++;
      loOut[at] = lo[i]!;
      hiOut[at] = hi[i]!;
    }
    [lo, loOut] = [loOut, lo];
    [hi, hiOut] = [hiOut, hi];
  }
  for (let i = 0; i < n; i++) {
    const l = lo[i]!;
    const h = hi[i]!;
    if (h >>> 31 === 1) {
      words[2 * i] = l;
      words[2 * i + 1] = h & 0x7fffffff;
    } else {
      words[2 * i] = ~l;
      words[2 * i + 1] = ~h;
    }
  }
  return values;
}
