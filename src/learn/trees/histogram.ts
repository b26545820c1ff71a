import type { BinnedDataset } from './binning.js';
import type { RowLayout } from './row-layout.js';

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
  /**
   * the codes again, one column per feature, for growers without a `RowLayout` (forests):
   * partitioning a node reads one feature of many rows; empty unless asked for
   */
  readonly columns: readonly Uint8Array[];
}

export function growDataOf(data: BinnedDataset, options: { columns?: boolean } = {}): GrowData {
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
  const codes = data.codes;
  const columns = options.columns === true ? Array.from({ length: f }, () => new Uint8Array(data.rows)) : [];
  if (options.columns === true) for (let r = 0, at = 0; r < data.rows; r++) for (let j = 0; j < f; j++, at++) columns[j]![r] = codes[at]!;
  return { rows: data.rows, numFeatures: f, codes, numBins, isCategorical, binOffset, totalBins: f << slotShift, slotShift, columns };
}

/** Adds the rows rows[begin..end) to `hist` for the given features (hist must start zeroed). */
export interface HistogramBuilder {
  readonly channels: number;
  readonly hasCount: boolean;
  /** builders that share memory with threads hand out the histograms and the row buffer */
  acquire?(): Float64Array;
  release?(hist: Float64Array): void;
  /** when set, the grower keeps this layout in node order and `build` reads positions, not `rows` */
  readonly layout?: RowLayout;
  build(hist: Float64Array, rows: Uint32Array, begin: number, end: number, features: Int32Array): void;
  /**
   * With a layout: partitions positions begin..end by goesLeft[code of feature] (as
   * `RowLayout.partition`) and builds the histogram of one side into `hist` in the same pass over
   * the threads; returns the first right position, or undefined (nothing done) when not worth it.
   */
  partitionAndBuild?(begin: number, end: number, feature: number, goesLeft: Uint8Array, smallIsLeft: boolean, hist: Float64Array, features: Int32Array): number | undefined;
}

/**
 * Gradient boosting: (gradient, hessian) per bin, no count, read from the grower's `RowLayout`
 * into histograms of the layout's memory (where its kernels write).
 */
export function layoutHistogram(layout: RowLayout): HistogramBuilder {
  return {
    channels: 1,
    hasCount: false,
    layout,
    acquire: () => layout.acquireHistogram(),
    release: (hist) => layout.releaseHistogram(hist),
    build(hist, _rows, begin, end, features) {
      layout.buildHistogram(begin, end, features, hist);
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
