import { InputError } from '../../common/errors.js';
import type { FeatureTable } from '../types.js';
import { fewDistinctValues, type DistinctCounts } from './distinct-values.js';
import { sortFloat64 } from './radix-sort.js';

/**
 * How one feature maps raw values to bins 0..numBins-1, with bin `numBins` for missing values.
 *
 * Numeric: value bin i holds edges[i-1] < x <= edges[i]; the last edge is +Infinity, so +Infinity
 * falls in the top bin and -Infinity in bin 0 (infinities are values, not missing). NaN is missing.
 * Because a split "bin <= t" is the same as "x <= edges[t]", trees keep raw thresholds and predict
 * on raw values without binning.
 *
 * Categorical: code c (an integer 0..numBins-1) is bin c. Codes that are not integers, negative, or
 * at/over numBins (unseen, or beyond the bin budget) are missing.
 */
export interface FeatureBins {
  readonly name: string;
  readonly type: 'numeric' | 'categorical';
  /** numeric: increasing upper edges of the value bins, last = +Infinity; categorical: empty */
  readonly edges: Float64Array;
  /** number of value bins; the missing bin is `numBins` */
  readonly numBins: number;
}

/** Bin edges of every feature, learnt once on training data and reused on new data. */
export interface BinMapper {
  readonly maxBins: number;
  readonly features: readonly FeatureBins[];
}

/**
 * A table turned into bin codes. Codes are stored row-major (`codes[row * numFeatures + f]`),
 * one byte each: a row's features share a cache line, which is what histogram building on a
 * leaf's scattered rows wants.
 */
export interface BinnedDataset {
  readonly rows: number;
  readonly numFeatures: number;
  readonly codes: Uint8Array;
  readonly mapper: BinMapper;
}

export function isBinnedDataset(value: unknown): value is BinnedDataset {
  return typeof value === 'object' && value !== null && 'codes' in value && 'mapper' in value;
}

/** Up to this many distinct values are counted without sorting (indicators, small codes). */
const FEW_DISTINCT = 16;
/** Values sampled for quantiles: enough for 255 bins to be stable, bounded so binning stays fast. */
const QUANTILE_SAMPLE = 200_000;

/** Learns bin edges on `table` and bins it. */
export function binTable(table: FeatureTable, options: { maxBins?: number } = {}): BinnedDataset {
  const maxBins = options.maxBins ?? 255;
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > 255) {
    throw new InputError(`maxBins is ${maxBins}`, 'use an integer between 2 and 255');
  }
  checkTable(table);
  const features = table.columns.map((column): FeatureBins => {
    if (column.type === 'categorical') {
      let cardinality = column.categories?.length ?? 0;
      if (column.categories === undefined) {
        for (const v of column.values) if (Number.isInteger(v) && v + 1 > cardinality) cardinality = v + 1;
      }
      return { name: column.name, type: 'categorical', edges: new Float64Array(0), numBins: Math.max(1, Math.min(cardinality, maxBins)) };
    }
    const edges = quantileEdges(column.values, maxBins);
    return { name: column.name, type: 'numeric', edges, numBins: edges.length };
  });
  const mapper: BinMapper = { maxBins, features };
  return applyBins(mapper, table);
}

/** Bins `table` with edges learnt earlier; columns are matched by name. */
export function applyBins(mapper: BinMapper, table: FeatureTable): BinnedDataset {
  if (table.rows <= 0) throw new InputError('the table has no rows', 'pass at least one row');
  const numFeatures = mapper.features.length;
  const codes = new Uint8Array(table.rows * numFeatures);
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  mapper.features.forEach((feature, f) => {
    const column = byName.get(feature.name);
    if (column === undefined) {
      throw new InputError(`column '${feature.name}' is missing from the input`, 'pass every column the model was trained on');
    }
    if (column.values.length < table.rows) {
      throw new InputError(`column '${feature.name}' has ${column.values.length} values for ${table.rows} rows`, 'give every column one value per row');
    }
    binColumn(feature, column.values, table.rows, codes, f, numFeatures);
  });
  return { rows: table.rows, numFeatures, codes, mapper };
}

/**
 * The rows `rows` of a binned dataset (e.g. one cross-validation fold), same bin edges: bin the
 * whole table once, then train each fold's model on its subset without binning again.
 */
export function selectBinnedRows(data: BinnedDataset, rows: Uint32Array | readonly number[]): BinnedDataset {
  const f = data.numFeatures;
  const codes = new Uint8Array(rows.length * f);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (!(r >= 0 && r < data.rows) || !Number.isInteger(r)) throw new InputError(`row ${r} is not in the binned data (${data.rows} rows)`, 'select rows 0..rows-1');
    codes.set(data.codes.subarray(r * f, r * f + f), i * f);
  }
  return { rows: rows.length, numFeatures: f, codes, mapper: data.mapper };
}

/** The bin of one raw value. */
export function binOf(feature: FeatureBins, v: number): number {
  if (v !== v) return feature.numBins;
  if (feature.type === 'categorical') {
    return v >= 0 && v < feature.numBins && Number.isInteger(v) ? v : feature.numBins;
  }
  const edges = feature.edges;
  let lo = 0;
  let hi = edges.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function binColumn(feature: FeatureBins, values: Float64Array, rows: number, codes: Uint8Array, f: number, stride: number): void {
  if (feature.type === 'categorical') {
    for (let r = 0, at = f; r < rows; r++, at += stride) codes[at] = binOf(feature, values[r]!);
    return;
  }
  // the bin is the number of edges below the value (edges rise; the last is +Infinity). Counted by a
  // search without branches over the edges padded to a power of two with +Infinity: a branching
  // binary search mispredicts about half its steps on real data (1M × 28 values: 1.4 s → 0.55 s)
  let size = 1;
  while (size < feature.edges.length) size <<= 1;
  const edges = new Float64Array(size).fill(Infinity);
  edges.set(feature.edges);
  const missing = feature.numBins;
  if (size === 2) {
    // one edge below +Infinity (an indicator's 0.5): the search is one comparison
    const edge = edges[0]!;
    for (let r = 0, at = f; r < rows; r++, at += stride) {
      const v = values[r]!;
      codes[at] = v !== v ? missing : +(edge < v);
    }
    return;
  }
  for (let r = 0, at = f; r < rows; r++, at += stride) {
    const v = values[r]!;
    if (v !== v) {
      codes[at] = missing;
      continue;
    }
    let below = 0;
    for (let step = size >> 1; step > 0; step >>= 1) below += +(edges[below + step - 1]! < v) * step;
    codes[at] = below;
  }
}

function checkTable(table: FeatureTable): void {
  if (table.rows <= 0) throw new InputError('the training table has no rows', 'pass at least one row');
  if (table.columns.length === 0) throw new InputError('the training table has no feature columns', 'pass at least one feature');
  const seen = new Set<string>();
  for (const c of table.columns) {
    if (seen.has(c.name)) throw new InputError(`feature column '${c.name}' appears twice`, 'give every column a unique name');
    seen.add(c.name);
  }
}

/**
 * Upper edges of at most `maxBins` bins holding about equal numbers of (sampled) values.
 * With few distinct values every value gets its own bin; edges sit halfway between neighbours.
 */
export function quantileEdges(values: Float64Array, maxBins: number): Float64Array {
  // below twice the sample's size a column is its own sample whatever it holds: its present values
  // need no count (a pass over each of a wide table's 1,600 columns)
  let present = values.length;
  if (values.length >= 2 * QUANTILE_SAMPLE) {
    present = 0;
    for (let i = 0; i < values.length; i++) if (values[i] === values[i]) present++;
  }
  const step = Math.max(1, Math.floor(present / QUANTILE_SAMPLE));
  // a sample of every present value is the column itself (fewDistinctValues skips NaN): not copied unless it is sorted
  const sample = step === 1 ? undefined : sampleOf(values, present, step);
  const { values: distinct, counts } =
    fewDistinctValues(sample ?? values, Math.min(maxBins, FEW_DISTINCT)) ?? countSorted(sortFloat64(sample ?? sampleOf(values, present, 1)));
  const nd = distinct.length;
  const edges: number[] = [];
  if (nd <= maxBins) {
    for (let i = 0; i + 1 < nd; i++) edges.push(between(distinct[i]!, distinct[i + 1]!));
  } else {
    let remaining = 0;
    for (const c of counts) remaining += c;
    let binsLeft = maxBins;
    let acc = 0;
    for (let i = 0; i + 1 < nd && binsLeft > 1; i++) {
      acc += counts[i]!;
      const target = remaining / binsLeft;
      // close the bin when it is full, or when adding the next value would overshoot by more
      if (acc >= target || acc + counts[i + 1]! - target > target - acc) {
        edges.push(between(distinct[i]!, distinct[i + 1]!));
        remaining -= acc;
        binsLeft--;
        acc = 0;
      }
    }
  }
  const out: number[] = [];
  for (const e of edges) if (out.length === 0 || e > out[out.length - 1]!) out.push(e);
  if (out.length === 0 || out[out.length - 1] !== Infinity) out.push(Infinity);
  return Float64Array.from(out);
}

/** Every `step`-th present value of `values`. */
function sampleOf(values: Float64Array, present: number, step: number): Float64Array {
  const sample = new Float64Array(Math.ceil(present / step));
  let k = 0;
  let seenPresent = 0;
  for (const v of values) {
    if (v !== v) continue;
    if (seenPresent++ % step === 0 && k < sample.length) sample[k++] = v;
  }
  return sample.subarray(0, k);
}

/** Distinct values of a sorted sample and their counts (−0 before +0 counts them as one, −0). */
function countSorted(sorted: Float64Array): DistinctCounts {
  const distinct = new Float64Array(sorted.length);
  const counts = new Float64Array(sorted.length);
  let nd = 0;
  for (let i = 0; i < sorted.length; i++) {
    const v = sorted[i]!;
    if (nd > 0 && distinct[nd - 1] === v) counts[nd - 1]!++;
    else {
      distinct[nd] = v;
      counts[nd++] = 1;
    }
  }
  return { values: distinct.subarray(0, nd), counts: counts.subarray(0, nd) };
}

/** An edge e with a <= e < b, halfway when floating point allows. */
function between(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  return mid >= a && mid < b ? mid : a;
}
