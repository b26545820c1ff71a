import { ConnectionError, InputError } from '../common/index.js';
import { isAuthFailure } from './credentials.js';

const NETWORK = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ECONNRESET', 'EAI_AGAIN', 'PROTOCOL_CONNECTION_LOST']);

function firstLine(error: unknown): string {
  return ((error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '').trim();
}

/**
 * A driver's error on connecting, as one line a user can act on: server down, password refused,
 * database missing. `where` is the URI without password.
 */
export function connectError(error: unknown, where: string, user: string | undefined, hadPassword: boolean): Error {
  const code = String((error as { code?: unknown } | null)?.code ?? '');
  if (NETWORK.has(code) || /connect ECONNREFUSED|getaddrinfo|timeout/i.test(firstLine(error))) {
    return new ConnectionError(`cannot reach ${where} (${code || firstLine(error)})`, 'check that the server is running and that the host and port are right', { cause: error });
  }
  if (isAuthFailure(error)) {
    return hadPassword
      ? new ConnectionError(`${where} refused the password for ${user ?? 'the user'}`, 'check the user name and password', { cause: error })
      : new ConnectionError(`${where} wants a password for ${user ?? 'the user'}`, 'give it: autolab asks on a terminal, or write USER:${env:NAME}@host', { cause: error });
  }
  if (code === '3D000' || code === 'ER_BAD_DB_ERROR') {
    return new InputError(`the database of ${where} does not exist`, 'check the database name at the end of the URL', { cause: error });
  }
  return new ConnectionError(`cannot connect to ${where}: ${firstLine(error)}`, 'check the URL and the server', { cause: error });
}

/** A failing query or missing table as an InputError that names it. */
export function queryError(error: unknown, what: string): Error {
  return new InputError(`${what} fails: ${firstLine(error)}`, 'check the SQL, the table names and the permissions of the user', { cause: error });
}
