/**
 * A request the server refuses: a 4xx answer with a JSON body `{ error, field?, hint? }`. Thrown
 * anywhere while a request is parsed or checked, turned into the answer once, in the server's
 * error handler.
 */
export class RequestError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    /** the input field (column, body key) that was wrong, when there is one */
    readonly field?: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/** The JSON body of a refused request. */
export interface ErrorBody {
  readonly error: string;
  readonly field?: string;
  readonly hint?: string;
}

export function errorBody(error: RequestError): ErrorBody {
  return { error: error.message, ...(error.field !== undefined ? { field: error.field } : {}), ...(error.hint !== undefined ? { hint: error.hint } : {}) };
}
