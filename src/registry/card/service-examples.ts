/**
 * "How to call the service" on the model card: one real record for the model's schema — a held-out
 * row of the training table when there is one, else made from the schema's training ranges and
 * categories — and a curl command and a TypeScript (fetch) snippet that send it to `POST /predict`
 * of `autolab serve`. The test runs both against a server on the bundle.
 */
import { shownTime, type BundleManifest } from '../../automl/index.js';
import { findColumn, parseNumber, type Frame } from '../../features/index.js';
import type { HoldoutPredictions } from '../holdout.js';

export type ExampleValue = string | number | boolean | null;

export interface ServiceExamples {
  readonly baseUrl: string;
  /** one request record, a value per input column */
  readonly record: Readonly<Record<string, ExampleValue>>;
  /** where its values come from */
  readonly recordFrom: 'holdout' | 'schema';
  readonly curl: string;
  readonly typescript: string;
}

export const DEFAULT_SERVICE_URL = 'http://localhost:8080';

/** A record for the schema: the first held-out row of `frame`, or values inside the training ranges. */
export function exampleRecord(manifest: BundleManifest, frame: Frame | null, holdout: HoldoutPredictions | null): { record: Record<string, ExampleValue>; from: 'holdout' | 'schema' } {
  const row = holdout?.rows[0];
  if (frame && row !== undefined && row < frame.rows && manifest.schema.every((c) => findColumn(frame, c.name))) {
    const record: Record<string, ExampleValue> = {};
    for (const column of manifest.schema) record[column.name] = valueAt(frame, column.name, column.kind, row);
    return { record, from: 'holdout' };
  }
  const record: Record<string, ExampleValue> = {};
  for (const column of manifest.schema) {
    const range = manifest.ranges?.[column.name];
    switch (column.kind) {
      case 'number':
        record[column.name] = range ? (range.min + range.max) / 2 : 0;
        break;
      case 'boolean':
        record[column.name] = false;
        break;
      case 'datetime':
        record[column.name] = new Date(range ? (range.min + range.max) / 2 : Date.UTC(2024, 0, 1)).toISOString();
        break;
      case 'string':
        record[column.name] = column.categories?.[0] ?? null;
        break;
    }
  }
  return { record, from: 'schema' };
}

function valueAt(frame: Frame, name: string, kind: string, row: number): ExampleValue {
  const column = findColumn(frame, name)!;
  if (column.kind === 'string') {
    const text = column.values[row] ?? null;
    if (text === null || kind === 'string') return text;
    if (kind === 'number') {
      const v = parseNumber(text);
      return Number.isFinite(v) ? v : null;
    }
    return text;
  }
  const v = column.values[row]!;
  if (Number.isNaN(v)) return null;
  if (kind === 'boolean' || column.kind === 'boolean') return v !== 0;
  if (column.kind === 'datetime') return shownTime(v);
  return v;
}

/** A shell word: single quotes, each inner single quote closed, escaped and reopened. */
function shellQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The examples for a bundle: the record, a curl command and a TypeScript snippet against `baseUrl`. */
export function serviceExamples(manifest: BundleManifest, frame: Frame | null, holdout: HoldoutPredictions | null, baseUrl = DEFAULT_SERVICE_URL): ServiceExamples {
  const { record, from } = exampleRecord(manifest, frame, holdout);
  const url = `${baseUrl.replace(/\/+$/, '')}/predict`;
  const body = JSON.stringify({ records: [record] });
  const curl = `curl -sS --fail-with-body ${shellQuoted(url)} -H 'content-type: application/json' -d ${shellQuoted(body)}`;
  const predictionType = manifest.task === 'regression' ? 'number' : 'string';
  const probabilities = manifest.task === 'regression' ? '' : '; probabilities: Record<string, number>';
  const typescript = [
    `const response = await fetch(${JSON.stringify(url)}, {`,
    `  method: 'POST',`,
    `  headers: { 'content-type': 'application/json' },`,
    `  body: JSON.stringify({ records: [${JSON.stringify(record)}] }),`,
    `});`,
    `if (!response.ok) throw new Error(\`\${response.status}: \${await response.text()}\`);`,
    `const { predictions } = (await response.json()) as { predictions: { prediction: ${predictionType}${probabilities} }[] };`,
    `console.log(JSON.stringify(predictions[0]));`,
  ].join('\n');
  return { baseUrl, record, recordFrom: from, curl, typescript };
}
