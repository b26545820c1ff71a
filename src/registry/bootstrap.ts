import type { Metric } from '../automl/index.js';
import { Rng } from '../learn/index.js';

/**
 * Percentile bootstrap intervals of a metric over scored rows: rows are drawn with replacement
 * `resamples` times (seeded: the same rows give the same interval), the metric computed on each
 * draw, and the interval is the draws' `(1 - level) / 2` and `(1 + level) / 2` quantiles. A draw on
 * which the metric is undefined (AUC on one class) is left out and counted.
 */
export interface MetricInterval {
  readonly value: number;
  readonly low: number;
  readonly high: number;
}

export interface BootstrapOptions {
  readonly resamples?: number;
  readonly level?: number;
  readonly seed?: number;
}

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_LEVEL = 0.95;

/**
 * The resamples of `rows` rows, made one at a time when asked (resample b from its own seeded
 * generator), so that memory holds one resample whatever their number; shared by every metric of
 * one model so that their intervals come from the same samples.
 */
export interface BootstrapDraws {
  readonly rows: number;
  readonly count: number;
  draw(b: number): Uint32Array;
}

export function bootstrapDraws(rows: number, options: BootstrapOptions = {}): BootstrapDraws {
  const seed = options.seed ?? 0;
  return {
    rows,
    count: options.resamples ?? DEFAULT_RESAMPLES,
    draw(b) {
      const rng = new Rng(seed * 7919 + b);
      const draw = new Uint32Array(rows);
      for (let i = 0; i < rows; i++) draw[i] = rng.int(rows);
      return draw;
    },
  };
}

/**
 * Resamples for `rows` rows: 1,000, fewer on large tables (a metric over 20 million rows in all,
 * at least 200) — their intervals are narrow, and a sort per resample (AUC) is what costs.
 */
export function resamplesFor(rows: number): number {
  return Math.max(200, Math.min(DEFAULT_RESAMPLES, Math.floor(20_000_000 / Math.max(1, rows))));
}

function scoresOver(draws: BootstrapDraws, score: (draw: Uint32Array) => number): number[] {
  const scores: number[] = [];
  for (let b = 0; b < draws.count; b++) {
    const s = score(draws.draw(b));
    if (Number.isFinite(s)) scores.push(s);
  }
  return scores;
}

export function metricInterval(metric: Metric, y: Float64Array, predictions: Float64Array, width: number, draws: BootstrapDraws, level = DEFAULT_LEVEL): MetricInterval {
  const value = metric.score(y, predictions, width);
  const scores = scoresOver(draws, (draw) => metric.score(...take(y, predictions, width, draw), width));
  return { value, ...percentiles(scores, level) };
}

/**
 * Two models' predictions on the same rows, compared on the same draws (a paired bootstrap): the
 * interval of `a − b` in the metric's own direction (positive: `a` is better).
 */
export function pairedDifference(
  metric: Metric,
  y: Float64Array,
  a: Float64Array,
  b: Float64Array,
  width: number,
  draws: BootstrapDraws,
  level = DEFAULT_LEVEL,
): MetricInterval {
  const sign = metric.higherIsBetter ? 1 : -1;
  // + 0: no gain is 0, not −0, whatever the metric's direction
  const gain = (ya: Float64Array, pa: Float64Array, pb: Float64Array): number => sign * (metric.score(ya, pa, width) - metric.score(ya, pb, width)) + 0;
  const value = gain(y, a, b);
  const scores = scoresOver(draws, (draw) => {
    const [yd, pa] = take(y, a, width, draw);
    return gain(yd, pa, take(y, b, width, draw)[1]);
  });
  return { value, ...percentiles(scores, level) };
}

function take(y: Float64Array, predictions: Float64Array, width: number, draw: Uint32Array): [Float64Array, Float64Array] {
  const yd = new Float64Array(draw.length);
  const pd = new Float64Array(draw.length * width);
  for (let i = 0; i < draw.length; i++) {
    const row = draw[i]!;
    yd[i] = y[row]!;
    for (let j = 0; j < width; j++) pd[i * width + j] = predictions[row * width + j]!;
  }
  return [yd, pd];
}

function percentiles(scores: readonly number[], level: number): { low: number; high: number } {
  if (scores.length === 0) return { low: Number.NaN, high: Number.NaN };
  const sorted = [...scores].sort((x, z) => x - z);
  const at = (q: number): number => {
    const pos = q * (sorted.length - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(sorted.length - 1, lo + 1);
    return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
  };
  return { low: at((1 - level) / 2), high: at((1 + level) / 2) };
}
