/**
 * JSON text made by whoever had it at hand (a request body's own text, scores written by hand), which
 * the log writes as it is rather than serializing a value a second time.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * One row of the prediction log: a request as one slot scored it. A shadowed request gives two rows
 * with the same `requestId`, one per slot (`role` says which answered).
 */
export interface PredictionEntry {
  readonly requestId: string;
  /** epoch milliseconds when the request arrived */
  readonly time: number;
  readonly route: string;
  readonly slot: string;
  readonly role: 'answer' | 'shadow';
  readonly model: string;
  readonly version: string;
  readonly rows: number;
  /**
   * the records as sent, a list of objects of column values: their `JsonText` (`recordsJson`), or
   * any JSON value (a typed array, as the value or a field of it, as a list); written as JSON text
   */
  readonly inputs: unknown;
  /** predictions, probabilities and classes (likewise; the server's: `scoresJson`) */
  readonly outputs: unknown;
  readonly warnings: number;
  /** from arrival to scores, milliseconds */
  readonly latencyMs: number;
}

/** Where entries go; `append` is called on the hot path: it keeps nothing of the entry's objects (the request's records) past the call. */
export interface PredictionSink {
  append(entry: PredictionEntry): void;
}
