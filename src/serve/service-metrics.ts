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

/** The series keys one request adds to, made once per route, code and slot (not per request). */
interface RequestKeys {
  readonly requests: string;
  /** bucket keys in LATENCY_BUCKETS order, then +Inf */
  readonly buckets: readonly string[];
  readonly sum: string;
  readonly count: string;
}

export class ServiceMetrics {
  readonly #series = new Map<string, number>();
  readonly #requestKeys = new Map<string, RequestKeys>();
  readonly #classKeys = new Map<string, string>();

  #add(key: string, amount: number): void {
    this.#series.set(key, (this.#series.get(key) ?? 0) + amount);
  }

  #keysOf(route: string, code: number, slot: string): RequestKeys {
    const id = `${route}\u0000${code}\u0000${slot}`;
    let keys = this.#requestKeys.get(id);
    if (!keys) {
      keys = {
        requests: `autolab_requests_total${labels({ route, code: String(code), slot })}`,
        buckets: [...LATENCY_BUCKETS.map(String), '+Inf'].map((le) => `autolab_request_duration_seconds_bucket${labels({ slot, le })}`),
        sum: `autolab_request_duration_seconds_sum${labels({ slot })}`,
        count: `autolab_request_duration_seconds_count${labels({ slot })}`,
      };
      this.#requestKeys.set(id, keys);
    }
    return keys;
  }

  /** One answered request: its route, status code, slot ('' when no model answered) and seconds. */
  request(route: string, code: number, slot: string, seconds: number): void {
    const keys = this.#keysOf(route, code, slot);
    this.#add(keys.requests, 1);
    if (slot === '') return;
    // every bucket exists from the first request on, empty ones at 0
    for (let b = 0; b < LATENCY_BUCKETS.length; b++) this.#add(keys.buckets[b]!, seconds <= LATENCY_BUCKETS[b]! ? 1 : 0);
    this.#add(keys.buckets[LATENCY_BUCKETS.length]!, 1);
    this.#add(keys.sum, seconds);
    this.#add(keys.count, 1);
  }

  /** The predictions one slot made: classes counted, or values summed (regression). */
  predictions(slot: string, version: string, predictions: readonly (string | number)[]): void {
    for (const p of predictions) {
      if (typeof p === 'string') {
        const id = `${slot}\u0000${version}\u0000${p}`;
        let key = this.#classKeys.get(id);
        if (key === undefined) {
          key = `autolab_predictions_total${labels({ slot, version, class: p })}`;
          this.#classKeys.set(id, key);
        }
        this.#add(key, 1);
      } else {
        const id = `${slot}\u0000${version}`;
        let key = this.#classKeys.get(id);
        if (key === undefined) {
          key = labels({ slot, version });
          this.#classKeys.set(id, key);
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
    return Object.fromEntries(this.#series);
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
