import type { RecordedComparison } from '../../app/compare-endpoint.js';
import type { ModelVersionRecord } from '../../catalog/index.js';
import type { EndpointComparison, ModelMetrics } from '../../registry/index.js';
import { shortTime } from '../output.js';
import { fmt, formatInterval } from './interval-format.js';

/**
 * Leaderboard rows of `autolab compare` and `models list`: a version, or an endpoint scored on a
 * version's holdout — what it is, its metric, its gain over the version, speed and cost.
 */
export const COMPARISON_COLUMNS = [
  { header: 'model' },
  { header: 'on version', align: 'right' as const },
  { header: 'metric' },
  { header: 'on its holdout [95 %]' },
  { header: 'gain over the version [95 %]' },
  { header: 'p50 / p99 ms' },
  { header: 'rows/s', align: 'right' as const },
  { header: 'cost / 1000' },
  { header: 'when' },
];

export function comparisonRow(c: RecordedComparison | (EndpointComparison & { at?: string })): string[] {
  const metric = c.metrics.metric;
  return [
    `${c.endpoint} (${c.format}${c.answered === 'labels' ? ', labels' : ''})`,
    String(c.version),
    metric,
    formatInterval(c.metrics.values[metric]),
    formatInterval(c.gain),
    `${fmt(c.latency.p50Ms, 3)} / ${fmt(c.latency.p99Ms, 3)}`,
    fmt(Math.round(c.latency.rowsPerSecond), 12),
    fmt(c.costPer1000),
    c.at ? shortTime(c.at) : '',
  ];
}

export function versionRow(m: ModelVersionRecord): string[] {
  const metrics = m.metrics as unknown as ModelMetrics;
  return [`version ${m.version} (${m.stage})`, String(m.version), metrics.metric, metrics.evaluation ? formatInterval(metrics.values[metrics.metric]) : fmt(metrics.score), '', '', '', '', shortTime(m.createdAt)];
}


/** One comparison under its version in `models show`. */
export function comparisonLine(c: RecordedComparison): string {
  const [model, , metric, value, gain, latency, rate, cost, at] = comparisonRow(c);
  return `  compared with ${model ?? ''} at ${at ?? ''}: ${metric ?? ''} ${value ?? ''}, gain over this version ${gain ?? ''}, p50 / p99 ${latency ?? ''} ms, ${rate ?? ''} rows/s${c.costPer1000 !== null ? `, ${cost ?? ''} per 1,000` : ''}`;
}
