import { METRICS, type BundleManifest } from '../../automl/index.js';
import { bootstrapDraws, pairedDifference, resamplesFor, type MetricInterval } from '../bootstrap.js';
import type { HoldoutPredictions } from '../holdout.js';
import { modelMetrics, type ModelMetrics } from '../model-metrics.js';
import type { AnswerKind, EndpointFormat } from './endpoint-protocol.js';

/**
 * An endpoint scored on a version's holdout rows: a leaderboard row beside the project's versions.
 * Plain JSON: it is the detail of the `model.compare` action that records it.
 */
export interface EndpointComparison {
  /** the URL as given, without any password */
  readonly endpoint: string;
  readonly format: EndpointFormat;
  /** the version whose holdout rows were sent */
  readonly version: number;
  readonly answered: AnswerKind;
  /** the same metrics as the version's, on the same rows, with the same draws */
  readonly metrics: ModelMetrics;
  /** endpoint − version in the metric's direction (positive: the endpoint is better), paired on the same draws */
  readonly gain: MetricInterval;
  readonly latency: EndpointLatency;
  /** given by the caller, per 1,000 predictions; null when not given */
  readonly costPer1000: number | null;
}

export interface EndpointLatency {
  readonly requests: number;
  readonly batch: number;
  /** milliseconds per request */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** rows over the time spent waiting on the endpoint */
  readonly rowsPerSecond: number;
}

/**
 * The version's metrics recomputed on the endpoint's predictions of its holdout rows: the same
 * truth, the same resamples (seeded by the bundle), so that the intervals sit side by side and the
 * paired gain is meaningful.
 */
export function scoreEndpoint(manifest: BundleManifest, holdout: HoldoutPredictions, predictions: Float64Array): { metrics: ModelMetrics; gain: MetricInterval } {
  const metrics = modelMetrics(manifest, { ...holdout, predictions: Array.from(predictions) });
  const width = manifest.task === 'regression' ? 1 : manifest.classes.length;
  const y = Float64Array.from(holdout.y);
  const draws = bootstrapDraws(y.length, { seed: manifest.seed, resamples: resamplesFor(y.length) });
  const gain = pairedDifference(METRICS[manifest.metric], y, predictions, Float64Array.from(holdout.predictions), width, draws);
  const value = metrics.values[manifest.metric]?.value ?? Number.NaN;
  return { metrics: { ...metrics, score: value }, gain };
}

/** Nearest-rank percentiles of request times, and rows per second of waiting. */
export function endpointLatency(requestMs: readonly number[], rows: number, batch: number): EndpointLatency {
  const sorted = [...requestMs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
  const total = requestMs.reduce((s, t) => s + t, 0);
  return { requests: requestMs.length, batch, p50Ms: at(0.5), p99Ms: at(0.99), rowsPerSecond: total > 0 ? (rows * 1000) / total : Number.NaN };
}
