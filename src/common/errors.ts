/**
 * Errors a user can meet. Each carries a one-line message that says what went wrong, where,
 * and what to do. They are caught once at the edge (CLI, API) and printed as one line;
 * anything else reaching the edge is a bug and is reported as such.
 */
export class UserError extends Error {
  /** Process exit code used by the CLI. */
  readonly exitCode: number = 1;

  constructor(
    /** what went wrong, and where */
    readonly what: string,
    /** what the user can do about it */
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(hint ? `${what} — ${hint}` : what, options);
    this.name = new.target.name;
  }
}

/** The input (a file, a table, a value) is malformed or missing. */
export class InputError extends UserError {}

/** A source could not be reached or refused access (network, permission, password). */
export class ConnectionError extends UserError {}

/** The lab folder, its configuration or its catalog is missing or damaged. */
export class LabError extends UserError {}

/** A command was called with arguments that do not fit. */
export class UsageError extends UserError {
  override readonly exitCode = 2;
}

/** An output file exists and the caller did not say to replace it. */
export class OutputExistsError extends UsageError {
  constructor(readonly path: string) {
    super(`the output ${path} exists already`, 'choose another file, or say to replace it');
  }
}

/** A model or data does not fit what the operation needs (e.g. one class in the labels). */
export class DataError extends UserError {}

export function isUserError(error: unknown): error is UserError {
  return error instanceof UserError;
}

/** A short description of any thrown value, without a stack trace. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
