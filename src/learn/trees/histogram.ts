import type { BinnedDataset } from './binning.js';

/**
 * The binned training data as the tree grower sees it. A histogram holds, for every bin of every
 * feature, `channels` sums (gradients, or weighted class counts), the sum of hessians (or weights),
 * and, when `hasCount`, the row count. Boosting leaves the count out (a third fewer memory updates
 * in the hottest loop) and estimates it from the hessian as LightGBM does. Feature f's bins start at `binOffset[f]`; each feature
 * has numBins[f] + 1 slots, the last for missing values.
 */
export interface GrowData {
  readonly rows: number;
  readonly numFeatures: number;
  readonly codes: Uint8Array;
  readonly numBins: Int32Array;
  readonly isCategorical: Uint8Array;
  readonly binOffset: Int32Array;
  readonly totalBins: number;
  /** binOffset[f] = f << slotShift */
  readonly slotShift: number;
  /** the codes again, one column per feature: partitioning a node reads one feature of many rows */
  readonly columns: readonly Uint8Array[];
}

export function growDataOf(data: BinnedDataset): GrowData {
  const f = data.numFeatures;
  const numBins = new Int32Array(f);
  const isCategorical = new Uint8Array(f);
  const binOffset = new Int32Array(f);
  let widest = 2;
  data.mapper.features.forEach((feature, i) => {
    numBins[i] = feature.numBins;
    isCategorical[i] = feature.type === 'categorical' ? 1 : 0;
    widest = Math.max(widest, feature.numBins + 1);
  });
  // every feature gets the same power-of-two number of slots, so the hot loop finds a feature's
  // bins with a shift instead of a table lookup
  const slotShift = Math.ceil(Math.log2(widest));
  for (let i = 0; i < f; i++) binOffset[i] = i << slotShift;
  const columns = Array.from({ length: f }, () => new Uint8Array(data.rows));
  const codes = data.codes;
  for (let r = 0, at = 0; r < data.rows; r++) for (let j = 0; j < f; j++, at++) columns[j]![r] = codes[at]!;
  return { rows: data.rows, numFeatures: f, codes, numBins, isCategorical, binOffset, totalBins: f << slotShift, slotShift, columns };
}

/** Adds the rows rows[begin..end) to `hist` for the given features (hist must start zeroed). */
export interface HistogramBuilder {
  readonly channels: number;
  readonly hasCount: boolean;
  build(hist: Float64Array, rows: Uint32Array, begin: number, end: number, features: Int32Array): void;
}

/**
 * Gradient boosting: one gradient channel, then the hessian (stride 2, no count). `gh` holds each
 * row's gradient and hessian side by side (gh[2r], gh[2r+1]): one cache line per row.
 */
export function gradientHistogram(data: GrowData, gh: Float64Array): HistogramBuilder {
  const codes = data.codes;
  const stride = data.numFeatures;
  const binOffset = data.binOffset;
  const shift = data.slotShift;
  return {
    channels: 1,
    hasCount: false,
    build(hist, rows, begin, end, features) {
      const nf = features.length;
      if (nf === stride) {
        // every feature: the row's codes are contiguous; unrolled by four for instruction-level parallelism
        const nf4 = nf & ~3;
        for (let i = begin; i < end; i++) {
          const r = rows[i]!;
          const g = gh[2 * r]!;
          const h = gh[2 * r + 1]!;
          const base = r * stride;
          let j = 0;
          for (; j < nf4; j += 4) {
            const a = ((j << shift) + codes[base + j]!) << 1;
            const b = (((j + 1) << shift) + codes[base + j + 1]!) << 1;
            const c = (((j + 2) << shift) + codes[base + j + 2]!) << 1;
            const d = (((j + 3) << shift) + codes[base + j + 3]!) << 1;
            hist[a]! += g;
            hist[a + 1]! += h;
            hist[b]! += g;
            hist[b + 1]! += h;
            hist[c]! += g;
            hist[c + 1]! += h;
            hist[d]! += g;
            hist[d + 1]! += h;
          }
          for (; j < nf; j++) {
            const a = ((j << shift) + codes[base + j]!) << 1;
            hist[a]! += g;
            hist[a + 1]! += h;
          }
        }
        return;
      }
      const offsets = new Int32Array(nf);
      for (let j = 0; j < nf; j++) offsets[j] = binOffset[features[j]!]!;
      for (let i = begin; i < end; i++) {
        const r = rows[i]!;
        const g = gh[2 * r]!;
        const h = gh[2 * r + 1]!;
        const base = r * stride;
        for (let j = 0; j < nf; j++) {
          const idx = (offsets[j]! + codes[base + features[j]!]!) << 1;
          hist[idx]! += g;
          hist[idx + 1]! += h;
        }
      }
    },
  };
}

/**
 * Forests: channel m = weighted value of output m. Classification puts a row's weight in its
 * class's channel (numClasses channels, or one channel holding class 1 for binary); regression
 * puts weight × y in the only channel. Then the weight sum and count.
 */
export function targetHistogram(data: GrowData, channel: Int32Array, amount: Float64Array, weight: Float64Array, channels: number): HistogramBuilder {
  const codes = data.codes;
  const stride = data.numFeatures;
  const binOffset = data.binOffset;
  const s = channels + 2;
  return {
    channels,
    hasCount: true,
    build(hist, rows, begin, end, features) {
      const nf = features.length;
      for (let i = begin; i < end; i++) {
        const r = rows[i]!;
        const c = channel[r]!;
        const a = amount[r]!;
        const w = weight[r]!;
        const base = r * stride;
        for (let j = 0; j < nf; j++) {
          const f = features[j]!;
          const idx = (binOffset[f]! + codes[base + f]!) * s;
          if (c >= 0) hist[idx + c]! += a;
          hist[idx + channels]! += w;
          hist[idx + channels + 1]! += 1;
        }
      }
    },
  };
}
