import { ConnectionError, registerSecret } from '../common/index.js';
import type { Credential } from './types.js';

/** The password of a credential: kept, or read from the environment variable it refers to. */
export function resolvePassword(credential: Credential | undefined, label: string): string | undefined {
  if (!credential) return undefined;
  if (credential.passwordEnv !== undefined) {
    const value = process.env[credential.passwordEnv];
    if (value === undefined || value === '') {
      throw new ConnectionError(`the password of ${label} is \${env:${credential.passwordEnv}} but ${credential.passwordEnv} is not set`, `export ${credential.passwordEnv} before running autolab`);
    }
    registerSecret(value);
    return value;
  }
  registerSecret(credential.password);
  return credential.password;
}

/** The server refused the user or password (as opposed to being down or the database missing). */
export function isAuthFailure(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown; cause?: unknown } | null;
  if (e?.cause !== undefined && e.cause !== error && isAuthFailure(e.cause)) return true;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return (
    code === '28P01' ||
    code === '28000' ||
    code === 'ER_ACCESS_DENIED_ERROR' ||
    code === 'ER_DBACCESS_DENIED_ERROR' ||
    /client password must be a string|password authentication failed|Access denied for user/i.test(message)
  );
}
