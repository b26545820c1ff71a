import { InputError } from '../common/index.js';

/** A feedback item that cannot be kept: what is wrong and which field (`id`, `key`, `outcome`, `body`). */
export class FeedbackInputError extends InputError {
  constructor(
    message: string,
    readonly field: string,
    hint: string,
  ) {
    super(message, hint);
  }
}

/**
 * An outcome that arrived after its prediction: the prediction's id (as `/predict` answered it,
 * `<request id>.<row>`) or the record's key (the value of the column tagged `id`), and the true
 * outcome as text (a class label, or a number written out).
 */
export interface FeedbackEntry {
  readonly id: string | null;
  readonly key: string | null;
  readonly outcome: string;
  /** epoch milliseconds when the outcome was received */
  readonly time: number;
}

/** Where outcomes go (a lab's lake); the promise settles once they are kept. */
export interface FeedbackSink {
  record(entries: readonly FeedbackEntry[]): Promise<void>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A key or outcome as text: strings as given, finite numbers and booleans written out; anything else is refused naming `field`. */
function textOf(value: unknown, field: string, at: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') return String(value);
  throw new FeedbackInputError(`${at}'${field}' should be a string or a number`, field, 'send text or a number');
}

/** One outcome `{ id | key, outcome }`, checked; `index` names it inside a list. */
export function feedbackOf(value: unknown, time: number, index?: number): FeedbackEntry {
  const at = index === undefined ? '' : `item ${index}: `;
  if (!isObject(value)) throw new FeedbackInputError(`${at}feedback should be an object {id | key, outcome}`, 'body', 'send {"id": "<prediction id>", "outcome": "<true value>"}');
  const id = textOf(value['id'], 'id', at);
  const key = textOf(value['key'], 'key', at);
  const outcome = textOf(value['outcome'], 'outcome', at);
  if (id === null && key === null) throw new FeedbackInputError(`${at}feedback needs 'id' (the prediction's id) or 'key' (the record's key)`, 'id', 'the /predict answer gives each prediction an id');
  if (id !== null && key !== null) throw new FeedbackInputError(`${at}feedback gives both 'id' and 'key'`, 'key', 'give one of them');
  if (outcome === null) throw new FeedbackInputError(`${at}feedback has no 'outcome'`, 'outcome', 'send the true value the prediction should have been');
  return { id, key, outcome, time };
}

/** A `POST /feedback` body: one outcome, a list, or `{ "feedback": [...] }`. */
export function feedbackOfBody(body: unknown, time: number): FeedbackEntry[] {
  const list = Array.isArray(body) ? body : isObject(body) && Object.hasOwn(body, 'feedback') ? body['feedback'] : undefined;
  if (list === undefined) return [feedbackOf(body, time)];
  if (!Array.isArray(list)) throw new FeedbackInputError("'feedback' should be a list of {id | key, outcome}", 'feedback', 'send {"feedback": [{"id": …, "outcome": …}, …]}');
  if (list.length === 0) throw new FeedbackInputError('the request holds no feedback', 'body', 'send at least one {id | key, outcome}');
  return list.map((item, i) => feedbackOf(item, time, i));
}
