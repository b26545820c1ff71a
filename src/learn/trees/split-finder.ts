import type { Rng } from '../random.js';
import type { GrowData } from './histogram.js';
import { listBins } from './bin-sets.js';

export interface SplitParams {
  readonly minDataInLeaf: number;
  readonly minHessianInLeaf: number;
  readonly lambdaL1: number;
  readonly lambdaL2: number;
  readonly minSplitGain: number;
  /** categorical features with at most this many present categories are split one-vs-rest */
  readonly maxCatOneHot: number;
  /** most categories on the smaller side of a sorted categorical split */
  readonly maxCatThreshold: number;
  /** added to the hessian when ordering categories by gradient/hessian */
  readonly catSmooth: number;
  /** extra L2 for sorted categorical splits, which overfit more easily */
  readonly catL2: number;
  /** extra-trees: one random threshold per numeric feature instead of the best */
  readonly randomThresholds: boolean;
}

/** Sums of one side of a split or of a node: `channels` sums, hessian, count. */
export interface NodeStats {
  readonly sum: Float64Array;
  hess: number;
  count: number;
}

export interface SplitCandidate {
  gain: number;
  feature: number;
  isCategorical: boolean;
  /** numeric: bins <= thresholdBin go left */
  thresholdBin: number;
  /** 1 when the missing bin goes left */
  defaultLeft: number;
  /**
   * categorical: per bin of the feature (numBins + 1, missing last), 1 = left; numeric: empty
   * (`numericLeftBins` spells out the threshold when the split is made: most candidates never are)
   */
  leftBins: Uint8Array;
  readonly left: NodeStats;
  /** the node had rows with missing values in this feature */
  readonly hadMissing: boolean;
}

export function newStats(channels: number): NodeStats {
  return { sum: new Float64Array(channels), hess: 0, count: 0 };
}

function thresholdL1(g: number, l1: number): number {
  if (l1 <= 0) return g;
  return g > l1 ? g - l1 : g < -l1 ? g + l1 : 0;
}

/** Σ_m T(G_m)² / (H + λ2): minus twice the loss reduction of a node at its optimal value. */
export function nodeScore(sum: Float64Array, offset: number, channels: number, hess: number, l1: number, l2: number): number {
  let s = 0;
  for (let m = 0; m < channels; m++) {
    const g = thresholdL1(sum[offset + m]!, l1);
    s += g * g;
  }
  return s / (hess + l2);
}

/** Optimal value of a node for channel m, before sign and learning rate: T(G)/(H + λ2). */
export function nodeOutput(sum: number, hess: number, l1: number, l2: number): number {
  return thresholdL1(sum, l1) / (hess + l2);
}

/**
 * Finds the best split of one node over `features`, given the node's histogram `hist` and totals.
 * With `bins` (bin-sets.ts: per feature, a set of bins holding every bin whose slots are not
 * zero), numeric features are scanned over those bins only: the same split, as the full scan
 * skips empty bins. Returns null when no split satisfies the constraints with gain above minSplitGain.
 */
export function findBestSplit(
  hist: Float64Array,
  data: GrowData,
  features: Int32Array,
  channels: number,
  hasCount: boolean,
  total: NodeStats,
  params: SplitParams,
  rng: Rng | null,
  bins: Int32Array | null = null,
): SplitCandidate | null {
  const finder = (SCANS[channels] ??= new SplitScan(channels, params, total));
  finder.reset(hasCount, params, total);
  // an empty bin's estimated count must be 0 too for the full scan to skip it: a finite rows-per-hessian
  const sets = bins !== null && (hasCount || Number.isFinite(finder.countPerHessian)) ? bins : null;
  for (let j = 0; j < features.length; j++) {
    const f = features[j]!;
    const nb = data.numBins[f]!;
    const off = data.binOffset[f]!;
    if (data.isCategorical[f] === 1) {
      finder.categorical(hist, f, off, nb);
      continue;
    }
    const count = sets !== null ? listBins(sets, f, nb, PRESENT) : nb;
    const present = sets !== null ? PRESENT : null;
    if (channels === 1 && rng === null) finder.numeric1(hist, f, off, nb, present, count);
    else finder.numeric(hist, f, off, nb, rng, present, count);
  }
  return finder.best;
}

/** scratch for a feature's listed bins (one thread; read before the next feature) */
const PRESENT = new Int32Array(256);

/**
 * The scan of one node, reused from node to node (one per channel count: a tree has hundreds of
 * nodes, each scanned once, and these small allocations added up to a tenth of a small tree's time).
 * Not re-entrant: one thread, one scan at a time.
 */
class SplitScan {
  #best: SplitCandidate | null = null;
  /** the best gain so far, -Infinity before any */
  #bestGain = -Infinity;
  /**
   * `numeric1`'s best, kept as numbers until `best` is read (most features improve on the one
   * before, and only the last is kept): feature, or -1 when the best is `#best`
   */
  #numericFeature = -1;
  #numericThreshold = 0;
  #numericDefaultLeft = 0;
  #numericHadMissing = false;
  #numericLeftG = 0;
  #numericLeftH = 0;
  #numericLeftC = 0;
  readonly #m: number;
  #s = 0;
  /** offset of the count in a bin's slots, or -1 when counts are estimated from the hessian */
  #c = -1;
  /** rows per unit of hessian in this node, to estimate counts */
  countPerHessian = 0;
  #p: SplitParams;
  #total: NodeStats;
  #parentScore = 0;
  readonly #cum: Float64Array;
  readonly #tmp: Float64Array;

  constructor(channels: number, params: SplitParams, total: NodeStats) {
    this.#m = channels;
    this.#p = params;
    this.#total = total;
    this.#cum = new Float64Array(channels);
    this.#tmp = new Float64Array(channels);
  }

  /** Starts the scan of a node. */
  reset(hasCount: boolean, params: SplitParams, total: NodeStats): void {
    const channels = this.#m;
    this.#best = null;
    this.#bestGain = -Infinity;
    this.#numericFeature = -1;
    this.#s = channels + (hasCount ? 2 : 1);
    this.#c = hasCount ? channels + 1 : -1;
    this.countPerHessian = total.hess > 0 ? total.count / total.hess : 0;
    this.#p = params;
    this.#total = total;
    this.#parentScore = nodeScore(total.sum, 0, channels, total.hess, params.lambdaL1, params.lambdaL2);
  }

  /** The best split found, or null. */
  get best(): SplitCandidate | null {
    if (this.#numericFeature >= 0) {
      const left = { sum: Float64Array.of(this.#numericLeftG), hess: this.#numericLeftH, count: this.#numericLeftC };
      this.#best = { gain: this.#bestGain, feature: this.#numericFeature, isCategorical: false, thresholdBin: this.#numericThreshold, defaultLeft: this.#numericDefaultLeft, leftBins: NO_BINS, left, hadMissing: this.#numericHadMissing };
      this.#numericFeature = -1;
    }
    return this.#best;
  }

  /** gain of the split whose left side has sums `left`/leftH/leftC, or -Infinity if not allowed */
  #gain(left: Float64Array, leftH: number, leftC: number, l2: number, parentScore: number): number {
    const p = this.#p;
    const t = this.#total;
    const rightC = t.count - leftC;
    const rightH = t.hess - leftH;
    if (leftC < p.minDataInLeaf || rightC < p.minDataInLeaf) return -Infinity;
    if (leftH < p.minHessianInLeaf || rightH < p.minHessianInLeaf) return -Infinity;
    const m = this.#m;
    const right = this.#tmp;
    for (let k = 0; k < m; k++) right[k] = t.sum[k]! - left[k]!;
    const gain = nodeScore(left, 0, m, leftH, p.lambdaL1, l2) + nodeScore(right, 0, m, rightH, p.lambdaL1, l2) - parentScore;
    return gain > p.minSplitGain ? gain : -Infinity;
  }

  #count(hist: Float64Array, i: number): number {
    return this.#c >= 0 ? hist[i + this.#c]! : hist[i + this.#m]! * this.countPerHessian;
  }

  #better(gain: number): boolean {
    return gain > -Infinity && gain > this.#bestGain;
  }

  #record(gain: number, feature: number, isCategorical: boolean, thresholdBin: number, defaultLeft: number, leftBins: Uint8Array, left: Float64Array, leftH: number, leftC: number, hadMissing = true): void {
    this.#best = { gain, feature, isCategorical, thresholdBin, defaultLeft, leftBins, left: { sum: Float64Array.from(left), hess: leftH, count: leftC }, hadMissing };
    this.#bestGain = gain;
    this.#numericFeature = -1;
  }

  /**
   * Any channels, best or (extra-trees) random threshold. `present` lists the only bins with rows
   * (ascending, `count` of them), or is null to scan every bin.
   */
  numeric(hist: Float64Array, f: number, off: number, nb: number, rng: Rng | null, present: Int32Array | null, count: number): void {
    const m = this.#m;
    const s = this.#s;
    const l2 = this.#p.lambdaL2;
    const mi = (off + nb) * s;
    const missH = hist[mi + m]!;
    const missC = this.#count(hist, mi);
    const cum = this.#cum;
    cum.fill(0);
    let cumH = 0;
    let cumC = 0;
    let random = -1;
    if (rng !== null) {
      // extra-trees: one uniform threshold between the lowest and highest present bin
      let lo = -1;
      let hi = -1;
      for (let q = 0; q < count; q++) {
        const b = present === null ? q : present[q]!;
        if (this.#count(hist, (off + b) * s) > 0) {
          if (lo < 0) lo = b;
          hi = b;
        }
      }
      if (lo < 0) return;
      const t = lo === hi ? hi : lo + rng.int(hi - lo);
      random = t;
      for (let q = 0; q < count; q++) {
        const b = present === null ? q : present[q]!;
        if (b >= t) break;
        const i = (off + b) * s;
        for (let k = 0; k < m; k++) cum[k]! += hist[i + k]!;
        cumH += hist[i + m]!;
        cumC += this.#count(hist, i);
      }
    }
    const parentScore = this.#parentScore;
    const minData = this.#p.minDataInLeaf;
    const restC = this.#total.count;
    // every present threshold, or just the random one
    for (let q = 0, steps = random >= 0 ? 1 : count; q < steps; q++) {
      const t = random >= 0 ? random : present === null ? q : present[q]!;
      const i = (off + t) * s;
      const binC = this.#count(hist, i);
      for (let k = 0; k < m; k++) cum[k]! += hist[i + k]!;
      cumH += hist[i + m]!;
      cumC += binC;
      if (binC === 0 && rng === null && t > 0) continue; // same partition as the previous threshold
      const last = t === nb - 1;
      // missing right
      if ((!last || missC > 0) && cumC >= minData && restC - cumC >= minData) {
        const gain = this.#gain(cum, cumH, cumC, l2, parentScore);
        if (this.#better(gain)) this.#record(gain, f, false, t, 0, NO_BINS, cum, cumH, cumC, missC > 0);
      }
      // missing left
      if (missC > 0 && !last && cumC + missC >= minData && restC - cumC - missC >= minData) {
        const withMiss = this.#tmp2(cum, hist, mi);
        const gain = this.#gain(withMiss, cumH + missH, cumC + missC, l2, parentScore);
        if (this.#better(gain)) this.#record(gain, f, false, t, 1, NO_BINS, withMiss, cumH + missH, cumC + missC);
      }
    }
  }

  /** `numeric` for one channel and the best threshold, with scalars instead of channel loops */
  numeric1(hist: Float64Array, f: number, off: number, nb: number, present: Int32Array | null, count: number): void {
    const s = this.#s;
    const p = this.#p;
    const l1 = p.lambdaL1;
    const l2 = p.lambdaL2;
    const minData = p.minDataInLeaf;
    const minHess = p.minHessianInLeaf;
    const t = this.#total;
    const totalG = t.sum[0]!;
    const totalH = t.hess;
    const totalC = t.count;
    const hasCount = this.#c >= 0;
    const cph = this.countPerHessian;
    const mi = (off + nb) * s;
    const missG = hist[mi]!;
    const missH = hist[mi + 1]!;
    const missC = hasCount ? hist[mi + 2]! : missH * cph;
    const threshold = this.#parentScore + p.minSplitGain;
    let bestGain = this.#bestGain;
    let bestT = -1;
    let bestDefaultLeft = 0;
    let cumG = 0;
    let cumH = 0;
    let cumC = 0;
    const parentScore = this.#parentScore;
    for (let q = 0; q < count; q++) {
      const b = present === null ? q : present[q]!;
      const i = (off + b) * s;
      const binH = hist[i + 1]!;
      const binC = hasCount ? hist[i + 2]! : binH * cph;
      // an empty bin gives the same partition as the previous threshold (forests' deep nodes
      // hold a few rows in 255 bins: most of the scan lands here)
      if (binC === 0 && binH === 0 && b > 0) continue;
      cumG += hist[i]!;
      cumH += binH;
      cumC += binC;
      if (b === nb - 1 && missC <= 0) break;
      // every later threshold leaves the right side (values only) smaller still
      if (totalC - cumC < minData) break;
      if (cumC + missC < minData) continue;
      // missing right
      const rc = totalC - cumC;
      const rh = totalH - cumH;
      if (cumC >= minData && rc >= minData && cumH >= minHess && rh >= minHess) {
        let gl = cumG;
        let gr = totalG - cumG;
        if (l1 > 0) {
          gl = gl > l1 ? gl - l1 : gl < -l1 ? gl + l1 : 0;
          gr = gr > l1 ? gr - l1 : gr < -l1 ? gr + l1 : 0;
        }
        const gain = (gl * gl) / (cumH + l2) + (gr * gr) / (rh + l2);
        if (gain > threshold && gain - parentScore > bestGain) {
          bestGain = gain - parentScore;
          bestT = b;
          bestDefaultLeft = 0;
        }
      }
      if (missC > 0 && b < nb - 1) {
        const lh = cumH + missH;
        const lc = cumC + missC;
        const rc2 = totalC - lc;
        const rh2 = totalH - lh;
        if (lc >= minData && rc2 >= minData && lh >= minHess && rh2 >= minHess) {
          let gl = cumG + missG;
          let gr = totalG - gl;
          if (l1 > 0) {
            gl = gl > l1 ? gl - l1 : gl < -l1 ? gl + l1 : 0;
            gr = gr > l1 ? gr - l1 : gr < -l1 ? gr + l1 : 0;
          }
          const gain = (gl * gl) / (lh + l2) + (gr * gr) / (rh2 + l2);
          if (gain > threshold && gain - parentScore > bestGain) {
            bestGain = gain - parentScore;
            bestT = b;
            bestDefaultLeft = 1;
          }
        }
      }
    }
    if (bestT < 0) return;
    let lg = 0;
    let lh = 0;
    let lc = 0;
    for (let b = 0; b <= bestT; b++) {
      const i = (off + b) * s;
      lg += hist[i]!;
      lh += hist[i + 1]!;
      lc += hasCount ? hist[i + 2]! : hist[i + 1]! * cph;
    }
    if (bestDefaultLeft === 1) {
      lg += missG;
      lh += missH;
      lc += missC;
    }
    this.#bestGain = bestGain;
    this.#best = null;
    this.#numericFeature = f;
    this.#numericThreshold = bestT;
    this.#numericDefaultLeft = bestDefaultLeft;
    this.#numericHadMissing = missC > 0;
    this.#numericLeftG = lg;
    this.#numericLeftH = lh;
    this.#numericLeftC = lc;
  }

  #tmp2(cum: Float64Array, hist: Float64Array, mi: number): Float64Array {
    const m = this.#m;
    const out = m <= 64 ? WITH_MISS.subarray(0, m) : new Float64Array(m);
    for (let k = 0; k < m; k++) out[k] = cum[k]! + hist[mi + k]!;
    return out;
  }

  categorical(hist: Float64Array, f: number, off: number, nb: number): void {
    const m = this.#m;
    const s = this.#s;
    const p = this.#p;
    // present categories; the missing bin takes part as one more category
    const cats: number[] = [];
    for (let b = 0; b <= nb; b++) if (hist[(off + b) * s + m]! > 0 || this.#count(hist, (off + b) * s) > 0) cats.push(b);
    if (cats.length < 2) return;
    const cum = this.#cum;
    if (m > 1 || cats.length <= p.maxCatOneHot) {
      for (const c of cats) {
        const i = (off + c) * s;
        for (let k = 0; k < m; k++) cum[k] = hist[i + k]!;
        const count = this.#count(hist, i);
        const gain = this.#gain(cum, hist[i + m]!, count, p.lambdaL2, this.#parentScore);
        if (this.#better(gain)) {
          const leftBins = new Uint8Array(nb + 1);
          leftBins[c] = 1;
          this.#record(gain, f, true, -1, leftBins[nb]!, leftBins, cum, hist[i + m]!, count);
        }
      }
      return;
    }
    const key = new Map<number, number>();
    for (const c of cats) {
      const i = (off + c) * s;
      key.set(c, hist[i]! / (hist[i + m]! + p.catSmooth));
    }
    cats.sort((a, b) => key.get(a)! - key.get(b)! || a - b);
    const l2 = p.lambdaL2 + p.catL2;
    const t = this.#total;
    const parentScore = nodeScore(t.sum, 0, m, t.hess, p.lambdaL1, l2);
    const most = Math.min(p.maxCatThreshold, cats.length - 1);
    for (const reverse of [false, true]) {
      cum.fill(0);
      let cumH = 0;
      let cumC = 0;
      for (let k = 0; k < most; k++) {
        const c = cats[reverse ? cats.length - 1 - k : k]!;
        const i = (off + c) * s;
        for (let q = 0; q < m; q++) cum[q]! += hist[i + q]!;
        cumH += hist[i + m]!;
        cumC += this.#count(hist, i);
        const gain = this.#gain(cum, cumH, cumC, l2, parentScore);
        if (this.#better(gain)) {
          const leftBins = new Uint8Array(nb + 1);
          for (let q = 0; q <= k; q++) leftBins[cats[reverse ? cats.length - 1 - q : q]!] = 1;
          this.#record(gain, f, true, -1, leftBins[nb]!, leftBins, cum, cumH, cumC);
        }
      }
    }
  }
}

const NO_BINS = new Uint8Array(0);
/** the scan for each channel count (index), made on first use */
const SCANS: SplitScan[] = [];
/** scratch for `#tmp2` (one thread; `#record` copies what it keeps) */
const WITH_MISS = new Float64Array(64);

/** A numeric split as a table of bins 0..nb (missing last) into `out` (1 = left), returned. */
export function numericLeftBins(nb: number, t: number, defaultLeft: number, out: Uint8Array): Uint8Array {
  out.fill(1, 0, t + 1);
  out.fill(0, t + 1, nb);
  out[nb] = defaultLeft;
  return out;
}
