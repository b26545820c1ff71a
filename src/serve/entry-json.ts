import { JsonText } from './prediction-entry.js';
import type { RecordValues } from './record-validator.js';
import type { Scored } from './served-model.js';

/**
 * What a request puts in its log entry, as JSON text made where it is cheapest. Both texts are
 * compact — no tab, carriage return or line feed — which the log's batch relies on (JSON allows
 * them only between tokens, where a space means the same).
 */

const LINE_BREAKS = /[\t\n\r]/;
const LINE_BREAKS_ALL = /[\t\n\r]/g;

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
  return new JsonText(LINE_BREAKS.test(own) ? own.replace(LINE_BREAKS_ALL, ' ') : own);
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

/** A model's classes as JSON, made once per list (a model's is the same list on every request). */
const classesTexts = new WeakMap<readonly string[], string>();

function classesJson(classes: readonly string[]): string {
  let text = classesTexts.get(classes);
  if (text === undefined) {
    text = JSON.stringify(classes);
    classesTexts.set(classes, text);
  }
  return text;
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
  return new JsonText(`{"predictions":${JSON.stringify(scored.predictions)},"probabilities":${probabilities},"classes":${classesJson(scored.classes)}${humility}}`);
}
