import type { MetricInterval } from '../../registry/index.js';

/** A figure as the registry's commands print it: four significant digits, a dash when undefined. */
export function fmt(value: number | null | undefined, digits = 4): string {
  return value === null || value === undefined || !Number.isFinite(value) ? '—' : Number(value.toPrecision(digits)).toString();
}

/** `value [low, high]`: a metric with its interval. */
export function formatInterval(interval: MetricInterval | undefined): string {
  if (!interval) return '—';
  return `${fmt(interval.value)} [${fmt(interval.low)}, ${fmt(interval.high)}]`;
}
