/**
 * Equal-width histograms and IQR outlier counts. They need each column's range and quartiles
 * from the main scan, so they are aggregates of the second scan.
 */
import type { HistogramBin } from '../profile-types.js';
import type { ColumnPlan, RawColumnStats } from './column-stats.js';
import { numericExpr, temporalExpr } from './column-stats.js';
import type { SelectList } from '../sql-select-list.js';
import { toCount, toNumber, type ParamBinder } from '../sql.js';

export interface BinLayout {
  readonly lower: number;
  readonly width: number;
  readonly bins: number;
}

/** Bins over [min, max]; whole numbers with a short range get one bin per value. */
export function binLayout(min: number, max: number, maxBins: number, integral: boolean): BinLayout {
  if (!(max > min)) return { lower: min, width: 1, bins: 1 };
  if (integral && max - min + 1 <= maxBins) return { lower: min, width: 1, bins: max - min + 1 };
  return { lower: min, width: (max - min) / maxBins, bins: maxBins };
}

export function binsFromCounts(layout: BinLayout, counts: ReadonlyMap<number, number>, max: number, integral: boolean): HistogramBin[] {
  const out: HistogramBin[] = [];
  const unitBins = integral && layout.width === 1;
  for (let i = 0; i < layout.bins; i++) {
    const lower = layout.lower + i * layout.width;
    const upper = unitBins ? lower + 1 : i === layout.bins - 1 ? max : layout.lower + (i + 1) * layout.width;
    out.push({ lower, upper, count: counts.get(i) ?? 0 });
  }
  return out;
}

export interface HistogramResult {
  readonly histogram: HistogramBin[];
  /** values beyond the IQR fences; null for datetimes */
  readonly outliers: number | null;
  readonly fences: { lower: number; upper: number } | null;
}

type Reader = (row: readonly unknown[]) => HistogramResult;

/** Adds histogram (and outlier) aggregates for one column; returns a reader of the result row. */
export function addHistogramAggregates(
  list: SelectList,
  binder: ParamBinder,
  plan: ColumnPlan,
  stats: RawColumnStats,
  maxBins: number,
): Reader | null {
  const num = numericExpr(plan);
  const numeric = stats.numeric;
  if (num !== null && numeric && numeric.min !== null && numeric.max !== null && numeric.parsed > 0) {
    const integral = numeric.nonIntegral === 0;
    const layout = binLayout(numeric.min, numeric.max, maxBins, integral);
    const histAt = list.add(binExpr(num, layout, binder));
    const q1 = numeric.quantiles[2];
    const q3 = numeric.quantiles[4];
    let fences: { lower: number; upper: number } | null = null;
    let outliersAt = -1;
    if (q1 !== null && q1 !== undefined && q3 !== null && q3 !== undefined) {
      const iqr = q3 - q1;
      fences = { lower: q1 - 1.5 * iqr, upper: q3 + 1.5 * iqr };
      outliersAt = list.add(`count_if(${num} < ${binder.bind(fences.lower)}::DOUBLE OR ${num} > ${binder.bind(fences.upper)}::DOUBLE)`);
    }
    const max = numeric.max;
    return (row) => ({
      histogram: binsFromCounts(layout, binCounts(row[histAt]), max, integral),
      outliers: outliersAt >= 0 ? toCount(row[outliersAt]) : null,
      fences,
    });
  }
  const tmp = temporalExpr(plan, binder);
  const temporal = stats.temporal;
  if (tmp !== null && temporal && temporal.minMs !== null && temporal.maxMs !== null && temporal.parsed > 0) {
    const layout = binLayout(temporal.minMs, temporal.maxMs, maxBins, false);
    const histAt = list.add(binExpr(`epoch_ms(${tmp})::DOUBLE`, layout, binder));
    const max = temporal.maxMs;
    return (row) => ({ histogram: binsFromCounts(layout, binCounts(row[histAt]), max, false), outliers: null, fences: null });
  }
  return null;
}

function binExpr(value: string, layout: BinLayout, binder: ParamBinder): string {
  const lower = binder.bind(layout.lower);
  const width = binder.bind(layout.width);
  const last = binder.bind(layout.bins - 1);
  return `histogram(least(greatest(floor(((${value})::DOUBLE - ${lower}::DOUBLE) / ${width}::DOUBLE), 0), ${last})::INTEGER)`;
}

function binCounts(value: unknown): Map<number, number> {
  const counts = new Map<number, number>();
  if (!Array.isArray(value)) return counts;
  for (const entry of value as unknown[]) {
    if (entry && typeof entry === 'object' && 'key' in entry && 'value' in entry) {
      const e = entry as { key: unknown; value: unknown };
      const key = toNumber(e.key);
      if (key !== null) counts.set(key, toCount(e.value));
    }
  }
  return counts;
}
