import { hasFieldBreak } from './prediction-batch.js';
import { JsonText } from './prediction-entry.js';
import type { RecordValues } from './record-validator.js';
import type { Scored } from './served-model.js';

/**
 * What a request puts in its log entry, as JSON text made where it is cheapest. Both texts are
 * compact — no tab, carriage return or line feed — which the log's batch relies on (JSON allows
 * them only between tokens, where a space means the same).
 */

const LINE_BREAKS = /[\t\n\r]/g;

/**
 * The records as JSON text. When they are the body's own list — the body (`[…]`), its one record
 * (`{…}`), or the list under its only key (`records`, `dataframe_records`, `instances`, `inputs`) —
 * that is a slice of the body's text, as sent: serializing the parsed records again cost a served
 * record 0.8 µs, the slice nothing. Records made from columns (`dataframe_split`, column lists, v2
 * tensors, CSV) are serialized.
 */
export function recordsJson(records: readonly RecordValues[], body: unknown, bodyText: string | undefined): JsonText {
  const own = bodyText === undefined ? undefined : ownText(records, body, bodyText.charCodeAt(0) === 0xfeff ? bodyText.slice(1) : bodyText);
  if (own === undefined) return new JsonText(JSON.stringify(records));
  return new JsonText(hasFieldBreak(own) ? own.replace(LINE_BREAKS, ' ') : own);
}

function ownText(records: readonly RecordValues[], body: unknown, text: string): string | undefined {
  if (records === body) return text;
  if (records.length === 1 && records[0] === body) return `[${text}]`;
  if (typeof body !== 'object' || body === null) return undefined;
  let only: string | undefined;
  for (const key in body) {
    if (only !== undefined) return undefined;
    only = key;
  }
  if (only === undefined || (body as Record<string, unknown>)[only] !== records) return undefined;
  // `{ "key": [...] }`: the key names a list of records, so holds no ':' — the first one ends it,
  // and only white space follows the last '}'
  return text.slice(text.indexOf(':') + 1, text.lastIndexOf('}'));
}

/** A model's classes as JSON, the list and each label, made once per list (a model's is the same list on every request). */
const classesTexts = new WeakMap<readonly string[], { readonly list: string; readonly labels: ReadonlyMap<string, string> }>();

function classesJson(classes: readonly string[]): { readonly list: string; readonly labels: ReadonlyMap<string, string> } {
  let texts = classesTexts.get(classes);
  if (texts === undefined) {
    texts = { list: JSON.stringify(classes), labels: new Map(classes.map((c) => [c, JSON.stringify(c)])) };
    classesTexts.set(classes, texts);
  }
  return texts;
}

/** Predictions as a JSON list: class labels from the model's texts, anything else (values, a humility fallback) serialized. */
function predictionsJson(predictions: readonly (string | number)[], labels: ReadonlyMap<string, string>): string {
  let text = '[';
  for (let i = 0; i < predictions.length; i++) {
    const p = predictions[i]!;
    const label = typeof p === 'string' ? labels.get(p) : undefined;
    if (label === undefined) return JSON.stringify(predictions);
    text += (i === 0 ? '' : ',') + label;
  }
  return text + ']';
}

/** Numbers as a JSON list, as `JSON.stringify` writes them (not finite: null), without a copy into an array first. */
function numbersJson(values: Float64Array): string {
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    text += (i === 0 ? '' : ',') + (Number.isFinite(v) ? String(v) : 'null');
  }
  return text + ']';
}

/** What the log keeps of a request's scores: `{ predictions, probabilities, classes, humility? }` (each record's flags). */
export function scoresJson(scored: Scored): JsonText {
  const probabilities = scored.probabilities ? numbersJson(scored.probabilities) : 'null';
  const humility = scored.humility ? `,"humility":${JSON.stringify(scored.humility.flags)}` : '';
  const classes = classesJson(scored.classes);
  return new JsonText(`{"predictions":${predictionsJson(scored.predictions, classes.labels)},"probabilities":${probabilities},"classes":${classes.list}${humility}}`);
}
