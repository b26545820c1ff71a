/**
 * The service's counters, written in Prometheus' text format for `GET /metrics`: requests by route,
 * status code and slot, a latency histogram per slot, predicted classes (or a sum and count of
 * predicted values) per slot, shadow scoring, records humility rules fired on. Plain maps of numbers: a worker of a cluster keeps its
 * own and hands a snapshot to the primary, which adds them up (`mergeSnapshots`).
 */

/** Upper bounds (seconds) of the latency histogram's buckets. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** Counters as plain data: series key (name and labels, in Prometheus' notation) → value. */
export type MetricsSnapshot = Record<string, number>;

function labels(pairs: Readonly<Record<string, string>>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
  return body ? `{${body}}` : '';
}

/** A slot's latency histogram: its series keys made once, its counts in place (a request adds to numbers, not to map entries). */
interface LatencyHistogram {
  /** bucket keys in LATENCY_BUCKETS order, then +Inf */
  readonly bucketKeys: readonly string[];
  readonly sumKey: string;
  readonly countKey: string;
  /** requests at or under each bound (cumulative, as Prometheus has them), then every request */
  readonly buckets: Float64Array;
  sum: number;
}

/** The requests of one route, code and slot: its series key made once, its count in place. */
interface RequestCounter {
  readonly key: string;
  count: number;
}

export class ServiceMetrics {
  readonly #series = new Map<string, number>();
  readonly #requests = new Map<string, RequestCounter>();
  readonly #histograms = new Map<string, LatencyHistogram>();
  readonly #classKeys = new Map<string, string>();

  #add(key: string, amount: number): void {
    this.#series.set(key, (this.#series.get(key) ?? 0) + amount);
  }

  #counterOf(route: string, code: number, slot: string): RequestCounter {
    const id = `${route}\u0000${code}\u0000${slot}`;
    let counter = this.#requests.get(id);
    if (!counter) {
      counter = { key: `autolab_requests_total${labels({ route, code: String(code), slot })}`, count: 0 };
      this.#requests.set(id, counter);
    }
    return counter;
  }

  #histogramOf(slot: string): LatencyHistogram {
    let histogram = this.#histograms.get(slot);
    if (!histogram) {
      histogram = {
        bucketKeys: [...LATENCY_BUCKETS.map(String), '+Inf'].map((le) => `autolab_request_duration_seconds_bucket${labels({ slot, le })}`),
        sumKey: `autolab_request_duration_seconds_sum${labels({ slot })}`,
        countKey: `autolab_request_duration_seconds_count${labels({ slot })}`,
        buckets: new Float64Array(LATENCY_BUCKETS.length + 1),
        sum: 0,
      };
      this.#histograms.set(slot, histogram);
    }
    return histogram;
  }

  /** One answered request: its route, status code, slot ('' when no model answered) and seconds. */
  request(route: string, code: number, slot: string, seconds: number): void {
    this.#counterOf(route, code, slot).count++;
    if (slot === '') return;
    // every bucket exists from the first request on, empty ones at 0
    const histogram = this.#histogramOf(slot);
    const { buckets } = histogram;
    for (let b = 0; b < LATENCY_BUCKETS.length; b++) if (seconds <= LATENCY_BUCKETS[b]!) buckets[b]!++;
    buckets[LATENCY_BUCKETS.length]!++;
    histogram.sum += seconds;
  }

  /** The predictions one slot made: classes counted, or values summed (regression). */
  predictions(slot: string, version: string, predictions: readonly (string | number)[]): void {
    const model = `${slot}\u0000${version}`;
    for (const p of predictions) {
      if (typeof p === 'string') {
        const id = `${model}\u0000${p}`;
        let key = this.#classKeys.get(id);
        if (key === undefined) {
          key = `autolab_predictions_total${labels({ slot, version, class: p })}`;
          this.#classKeys.set(id, key);
        }
        this.#add(key, 1);
      } else {
        let key = this.#classKeys.get(model);
        if (key === undefined) {
          key = labels({ slot, version });
          this.#classKeys.set(model, key);
        }
        this.#add(`autolab_prediction_value_sum${key}`, p);
        this.#add(`autolab_prediction_value_count${key}`, 1);
      }
    }
  }

  /** A shadow slot scored a request: whether it agreed with the answering slot on every row, or failed. */
  shadow(slot: string, outcome: 'agree' | 'disagree' | 'error'): void {
    this.#add(`autolab_shadow_requests_total${labels({ slot, outcome })}`, 1);
  }

  /** Records humility rules fired on in one request, by rule and action (refused requests too). */
  humility(slot: string, counts: readonly { readonly rule: string; readonly action: string; readonly records: number }[]): void {
    for (const { rule, action, records } of counts) this.#add(`autolab_humility_records_total${labels({ slot, rule, action })}`, records);
  }

  warnings(slot: string, count: number): void {
    if (count > 0) this.#add(`autolab_input_warnings_total${labels({ slot })}`, count);
  }

  snapshot(): MetricsSnapshot {
    const snapshot: MetricsSnapshot = Object.fromEntries(this.#series);
    for (const { key, count } of this.#requests.values()) snapshot[key] = count;
    for (const histogram of this.#histograms.values()) {
      histogram.bucketKeys.forEach((key, b) => (snapshot[key] = histogram.buckets[b]!));
      snapshot[histogram.sumKey] = histogram.sum;
      snapshot[histogram.countKey] = histogram.buckets[LATENCY_BUCKETS.length]!;
    }
    return snapshot;
  }
}

const HELP: Readonly<Record<string, [string, string]>> = {
  autolab_requests_total: ['counter', 'requests answered, by route, status code and slot'],
  autolab_request_duration_seconds: ['histogram', 'time from request to answer of scoring requests, by slot'],
  autolab_predictions_total: ['counter', 'predicted classes, by slot and model version'],
  autolab_prediction_value: ['summary', 'predicted values (regression), by slot and model version'],
  autolab_shadow_requests_total: ['counter', 'requests a shadow slot scored, by agreement with the answer'],
  autolab_input_warnings_total: ['counter', 'unseen categories and values outside the training range, by slot'],
  autolab_humility_records_total: ['counter', 'records a humility rule fired on, by slot, rule and action (flag, fallback, refuse)'],
};

/** Adds up snapshots (one per worker). */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const total: MetricsSnapshot = {};
  for (const s of snapshots) for (const [k, v] of Object.entries(s)) total[k] = (total[k] ?? 0) + v;
  return total;
}

/** Prometheus' text exposition format, families in a fixed order, series sorted within each. */
export function prometheusText(snapshot: MetricsSnapshot): string {
  const byFamily = new Map<string, string[]>();
  // buckets in increasing `le`, +Inf last, as the format asks (the bounds' text sorts as their values)
  const order = (key: string) => key.replace('le="+Inf"', 'le="~"');
  for (const key of Object.keys(snapshot).sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0))) {
    const name = key.replace(/\{.*$/, '');
    const family = name.replace(/_(bucket|sum|count)$/, '');
    const list = byFamily.get(family) ?? [];
    list.push(`${key} ${snapshot[key]}`);
    byFamily.set(family, list);
  }
  let text = '';
  for (const [family, [type, help]] of Object.entries(HELP)) {
    text += `# HELP ${family} ${help}\n# TYPE ${family} ${type}\n`;
    for (const line of byFamily.get(family) ?? []) text += line + '\n';
  }
  return text;
}
