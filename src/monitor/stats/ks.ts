/**
 * p-values of the two-sample Kolmogorov–Smirnov test, as scipy's `ks_2samp(method='auto')` gives
 * them: exact when both samples have at most 10,000 values, else Smirnov's asymptotic form with the
 * one-sample Kolmogorov distribution at n = round(n·m / (n + m)). Only the statistic and the sample
 * sizes are needed — the statistic itself comes from DuckDB (the largest gap between the ECDFs).
 */

const MAX_EXACT = 10_000;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** P(D ≥ d) for samples of n and m values under the null (two-sided). */
export function ksTwoSamplePValue(d: number, n: number, m: number): number {
  if (!(n > 0 && m > 0)) return Number.NaN;
  if (!(d > 0)) return 1;
  if (Math.max(n, m) <= MAX_EXACT) {
    const exact = exactTwoSample(d, n, m);
    if (exact !== null) return exact;
  }
  const [big, small] = n >= m ? [n, m] : [m, n];
  const en = Math.round((big * small) / (big + small));
  return Math.min(1, Math.max(0, kolmogorovSurvival(en, d)));
}

/**
 * 1 − (share of the C(n+m, n) interleavings of the two sorted samples whose ECDF gap stays below d),
 * walked as a probability: from (i, j) the next value is the reference's with chance (n−i)/(n−i+m−j).
 * The gap is compared in integers, as scipy does: d is rounded to h / lcm(n, m).
 */
function exactTwoSample(d: number, n: number, m: number): number | null {
  const g = gcd(n, m);
  const lcm = (n / g) * m;
  const h = Math.round(d * lcm);
  if (h === 0) return 1;
  // |i/n − j/m| · lcm = |i·m − j·n| / g; outside when that reaches h
  const limit = h * g;
  let row = new Float64Array(m + 1);
  let next = new Float64Array(m + 1);
  row[0] = 1;
  for (let j = 1; j <= m; j++) {
    const inside = Math.abs(-j * n) < limit;
    row[j] = inside ? row[j - 1]! * ((m - j + 1) / (n + m - j + 1)) : 0;
  }
  for (let i = 1; i <= n; i++) {
    next.fill(0);
    for (let j = 0; j <= m; j++) {
      if (Math.abs(i * m - j * n) >= limit) continue;
      const left = n - i + 1 + m - j; // values left at (i−1, j)
      let p = row[j]! * ((n - i + 1) / left);
      if (j > 0) p += next[j - 1]! * ((m - j + 1) / (n - i + m - j + 1));
      next[j] = p;
    }
    [row, next] = [next, row];
  }
  const inside = row[m]!;
  if (!Number.isFinite(inside)) return null;
  return Math.min(1, Math.max(0, 1 - inside));
}

/**
 * P(D_n ≥ d) for the one-sample Kolmogorov statistic: Marsaglia, Tsang & Wang (2003), "Evaluating
 * Kolmogorov's distribution", J. Stat. Softw. 8(18) — a power of a (2k−1)² matrix, with their
 * closed form in the far tail (p below ~1e-3 for n > 99), where it agrees to a few digits.
 */
export function kolmogorovSurvival(n: number, d: number): number {
  if (!(d > 0)) return 1;
  if (d >= 1) return 0;
  const s = d * d * n;
  if (s > 7.24 || (s > 3.76 && n > 99)) return 2 * Math.exp(-(2.000071 + 0.331 / Math.sqrt(n) + 1.409 / n) * s);
  const k = Math.floor(n * d) + 1;
  const size = 2 * k - 1;
  const h = k - n * d;
  const H = new Float64Array(size * size);
  for (let i = 0; i < size; i++) for (let j = 0; j < size; j++) H[i * size + j] = i - j + 1 < 0 ? 0 : 1;
  for (let i = 0; i < size; i++) {
    H[i * size] = H[i * size]! - h ** (i + 1);
    H[(size - 1) * size + i] = H[(size - 1) * size + i]! - h ** (size - i);
  }
  H[(size - 1) * size] = H[(size - 1) * size]! + (2 * h - 1 > 0 ? (2 * h - 1) ** size : 0);
  for (let i = 0; i < size; i++) {
    for (let j = 0; j < size; j++) {
      if (i - j + 1 > 0) for (let g = 1; g <= i - j + 1; g++) H[i * size + j] = H[i * size + j]! / g;
    }
  }
  const { matrix, exponent } = matrixPower(H, size, n);
  let value = matrix[(k - 1) * size + k - 1]!;
  let e = exponent;
  for (let i = 1; i <= n; i++) {
    value = (value * i) / n;
    if (value < 1e-140) {
      value *= 1e140;
      e -= 140;
    }
  }
  const below = value * 10 ** e;
  return Math.min(1, Math.max(0, 1 - below));
}

function multiply(a: Float64Array, b: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    for (let k = 0; k < size; k++) {
      const aik = a[i * size + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < size; j++) out[i * size + j] = out[i * size + j]! + aik * b[k * size + j]!;
    }
  }
  return out;
}

/** A^n by squaring, with entries rescaled by 1e-140 (kept as a power of ten) so they never overflow. */
function matrixPower(a: Float64Array, size: number, n: number): { matrix: Float64Array; exponent: number } {
  if (n === 1) return { matrix: a.slice(), exponent: 0 };
  const half = matrixPower(a, size, Math.floor(n / 2));
  let matrix = multiply(half.matrix, half.matrix, size);
  let exponent = 2 * half.exponent;
  if (n % 2 === 1) matrix = multiply(a, matrix, size);
  const centre = Math.floor(size / 2);
  if (matrix[centre * size + centre]! > 1e140) {
    for (let i = 0; i < matrix.length; i++) matrix[i] = matrix[i]! * 1e-140;
    exponent += 140;
  }
  return { matrix, exponent };
}
