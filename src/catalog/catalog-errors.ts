import { ConnectionError, LabError, UserError, describeError } from '../common/index.js';

interface DriverError {
  code?: unknown;
}

function codeOf(error: unknown): string {
  const code = (error as DriverError | null)?.code;
  return typeof code === 'string' ? code : '';
}

/** A unique constraint refused the row (SQLite and PostgreSQL spell it differently). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/**
 * Errors met while opening a catalog, as a user can act on them; anything unrecognised is
 * returned unchanged (it is a bug, and reported as one).
 */
export function translateOpenError(error: unknown, where: string): unknown {
  const code = codeOf(error);
  const message = describeError(error);
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' || /file is not a database|malformed/i.test(message)) {
    return new LabError(
      `the catalog ${where} is damaged (${message})`,
      'restore it from a backup, or move the .autolab folder away and run `autolab init` again',
      { cause: error },
    );
  }
  if (code === 'SQLITE_CANTOPEN' || /cannot open database|directory does not exist|unable to open/i.test(message)) {
    return new LabError(`cannot open the catalog ${where} (${message})`, 'check that the path exists and is writable', {
      cause: error,
    });
  }
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_PERM' || code === 'EACCES') {
    return new LabError(`the catalog ${where} is not writable (${message})`, 'check the file permissions', { cause: error });
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    return new ConnectionError(`cannot reach the catalog database ${where} (${code})`, 'check that the server is running and the URL is right', {
      cause: error,
    });
  }
  if (code === '28P01' || code === '28000') {
    return new ConnectionError(`the catalog database ${where} refused the login (${message})`, 'check the user and password', {
      cause: error,
    });
  }
  if (code === '3D000') {
    return new ConnectionError(`the catalog database ${where} does not exist (${message})`, 'create it first, or fix the database name in the URL', {
      cause: error,
    });
  }
  if (code === '42501') {
    return new ConnectionError(`no permission in the catalog database ${where} (${message})`, 'grant the user rights on the schema', {
      cause: error,
    });
  }
  return error;
}

/**
 * Errors met while using an open catalog: a lock held too long by another process, a full or
 * failing disk, a damaged file, a lost server. Anything unrecognised is returned unchanged.
 */
export function translateCatalogError(error: unknown, where: string): unknown {
  if (error instanceof UserError) return error;
  const code = codeOf(error);
  const message = describeError(error);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new LabError(`the catalog ${where} stayed locked by another process`, 'try again when the other autolab command has finished', {
      cause: error,
    });
  }
  if (code === 'SQLITE_FULL' || code === 'ENOSPC') {
    return new LabError(`the disk of the catalog ${where} is full`, 'free some space and try again', { cause: error });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new LabError(`the catalog ${where} could not be read or written (${code})`, 'check the disk, then try again', { cause: error });
  }
  if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === 'ECONNRESET' || /connection terminated/i.test(message)) {
    return new ConnectionError(`lost the connection to the catalog database ${where} (${code || message})`, 'check that the server is up, then try again', {
      cause: error,
    });
  }
  return translateOpenError(error, where);
}
