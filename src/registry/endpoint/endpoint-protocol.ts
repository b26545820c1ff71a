import type { BundleManifest } from '../../automl/index.js';

/**
 * What a model endpoint is sent and what it answers, in the three protocols `autolab compare`
 * speaks: MLflow's scoring server (`/invocations`), the Open Inference Protocol (KServe v2,
 * `/v2/models/NAME/infer`) and autolab's own `/predict`. Answers become predictions in the
 * registry's layout — rows × classes probabilities in the bundle's class order, or one value per
 * row — so that the registry's metrics score them as they score a version's holdout.
 */
export type EndpointFormat = 'mlflow' | 'kserve' | 'json';

export const ENDPOINT_FORMATS: readonly EndpointFormat[] = ['mlflow', 'kserve', 'json'];

/** What the endpoint gave: probabilities score as they are; labels count as a probability of 1. */
export type AnswerKind = 'probabilities' | 'labels' | 'values';

/** An answer that is not what the protocol says: the caller names the endpoint. */
export class EndpointAnswerError extends Error {}

/** The protocol an endpoint's path suggests: `/invocations` MLflow, `/v2/models/…/infer` KServe, else autolab's JSON. */
export function formatOfPath(pathname: string): EndpointFormat {
  if (/\/invocations\/?$/.test(pathname)) return 'mlflow';
  if (/\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/infer\/?$/.test(pathname)) return 'kserve';
  return 'json';
}

/** One batch of records (the served schema's columns, in its order) as the protocol's request body. */
export function requestBody(format: EndpointFormat, columns: readonly string[], records: readonly Readonly<Record<string, unknown>>[]): unknown {
  switch (format) {
    case 'mlflow':
      return { dataframe_split: { columns, data: records.map((r) => columns.map((c) => r[c] ?? null)) } };
    case 'kserve':
      return {
        inputs: columns.map((name) => {
          const data = records.map((r) => r[name] ?? null);
          const present = data.filter((v) => v !== null);
          const datatype = present.length > 0 && present.every((v) => typeof v === 'number') ? 'FP64' : present.length > 0 && present.every((v) => typeof v === 'boolean') ? 'BOOL' : 'BYTES';
          return { name, shape: [records.length], datatype, data };
        }),
      };
    case 'json':
      return records;
  }
}

export interface ParsedAnswer {
  readonly kind: AnswerKind;
  /** rows × classes (classification) or rows (regression) */
  readonly predictions: Float64Array;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads a protocol's answer for `rows` rows of a bundle's task. */
export function parseAnswer(format: EndpointFormat, body: unknown, rows: number, manifest: Pick<BundleManifest, 'task' | 'classes'>): ParsedAnswer {
  const reader = new PredictionReader(manifest, rows);
  switch (format) {
    case 'mlflow': {
      // MLflow answers {"predictions": [...]} (older servers a bare list); autolab adds "probabilities" beside them
      const list = Array.isArray(body) ? body : isObject(body) ? body['predictions'] : undefined;
      if (!Array.isArray(list)) throw new EndpointAnswerError("the answer has no 'predictions' list");
      const probabilities = isObject(body) ? body['probabilities'] : undefined;
      return Array.isArray(probabilities) && manifest.task !== 'regression' ? reader.items(probabilities) : reader.items(list);
    }
    case 'json': {
      if (!isObject(body) || !Array.isArray(body['predictions'])) throw new EndpointAnswerError("the answer has no 'predictions' list");
      const items = body['predictions'].map((item: unknown) => (isObject(item) ? (item['probabilities'] ?? item['prediction']) : item));
      return reader.items(items);
    }
    case 'kserve':
      return reader.tensors(body);
  }
}

/**
 * Turns each row's answer into the registry's layout. A row may be a label (a class name, or its
 * number), a value (regression), one number in 0..1 (binary: the second class's probability), a
 * list of the classes' probabilities in the bundle's order, or an object of class → probability.
 */
class PredictionReader {
  readonly #task: BundleManifest['task'];
  readonly #classes: readonly string[];
  readonly #rows: number;

  constructor(manifest: Pick<BundleManifest, 'task' | 'classes'>, rows: number) {
    this.#task = manifest.task;
    this.#classes = manifest.classes;
    this.#rows = rows;
  }

  get #width(): number {
    return this.#task === 'regression' ? 1 : this.#classes.length;
  }

  items(items: readonly unknown[]): ParsedAnswer {
    if (items.length !== this.#rows) throw new EndpointAnswerError(`it answered ${items.length} predictions for ${this.#rows} rows`);
    const k = this.#width;
    const out = new Float64Array(this.#rows * k);
    const kinds = new Set<AnswerKind>();
    items.forEach((item, i) => kinds.add(this.#row(item, i, out.subarray(i * k, (i + 1) * k))));
    // a mix (a label here, probabilities there) scores as labels: the weaker claim
    const kind: AnswerKind = kinds.has('labels') ? 'labels' : kinds.has('values') ? 'values' : 'probabilities';
    return { kind, predictions: out };
  }

  #row(item: unknown, i: number, into: Float64Array): AnswerKind {
    if (this.#task === 'regression') {
      const value = Array.isArray(item) && item.length === 1 ? item[0] : item;
      if (typeof value !== 'number' || !Number.isFinite(value)) throw new EndpointAnswerError(`prediction ${i} is ${describe(value)}, not a number`);
      into[0] = value;
      return 'values';
    }
    const k = this.#classes.length;
    if (Array.isArray(item) && item.length === k && item.every((p) => typeof p === 'number')) {
      into.set(item as number[]);
      return 'probabilities';
    }
    if (isObject(item)) {
      for (const [label, p] of Object.entries(item)) {
        const c = this.#classes.indexOf(label);
        if (c < 0) throw new EndpointAnswerError(`prediction ${i} gives a probability to '${label}', which is not one of the classes (${this.#classes.join(', ')})`);
        if (typeof p !== 'number') throw new EndpointAnswerError(`prediction ${i} gives '${label}' ${describe(p)}, not a probability`);
        into[c] = p;
      }
      return 'probabilities';
    }
    const label = typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isInteger(item)) ? String(item) : undefined;
    const c = label === undefined ? -1 : this.#classes.indexOf(label);
    if (c >= 0) {
      into[c] = 1;
      return 'labels';
    }
    if (k === 2 && typeof item === 'number' && item >= 0 && item <= 1) {
      into[0] = 1 - item;
      into[1] = item;
      return 'probabilities';
    }
    throw new EndpointAnswerError(`prediction ${i} is ${describe(item)}: neither one of the classes (${this.#classes.join(', ')}) nor their probabilities`);
  }

  /** KServe v2: a `probabilities` tensor [rows, classes] when there is one, else the first output. */
  tensors(body: unknown): ParsedAnswer {
    if (!isObject(body) || !Array.isArray(body['outputs']) || body['outputs'].length === 0) throw new EndpointAnswerError("the answer has no 'outputs' tensors");
    const outputs = body['outputs'].filter(isObject);
    const tensor = (this.#task !== 'regression' ? outputs.find((o) => o['name'] === 'probabilities') : undefined) ?? outputs[0];
    if (!tensor || !Array.isArray(tensor['data']) || !Array.isArray(tensor['shape'])) throw new EndpointAnswerError("its first output is not a tensor with 'shape' and 'data'");
    const shape = tensor['shape'] as unknown[];
    const data = (tensor['data'] as unknown[]).flat();
    const columns = shape.length === 2 && typeof shape[1] === 'number' ? shape[1] : 1;
    if (columns === 1) return this.items(data);
    if (data.length % columns !== 0) throw new EndpointAnswerError(`output '${String(tensor['name'])}' has ${data.length} values for shape [${shape.join(', ')}]`);
    const rows: unknown[][] = [];
    for (let i = 0; i < data.length; i += columns) rows.push(data.slice(i, i + columns));
    // classes named by the server (autolab's parameters.classes) put its columns in the bundle's order
    const named = isObject(body['parameters']) && Array.isArray(body['parameters']['classes']) ? (body['parameters']['classes'] as unknown[]).map(String) : undefined;
    return this.items(named && named.length === columns ? rows.map((r) => Object.fromEntries(named.map((label, j) => [label, r[j]]))) : rows);
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
