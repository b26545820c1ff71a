import { ConnectionError, ENV_REFERENCE, registerSecret } from '../common/index.js';
import type { Credential } from './types.js';

/**
 * A kept credential value, or — when it is a `${env:NAME}` reference — the variable's value, read
 * at each use (a rotated key needs no new `source add`). A secret is registered, so that no output
 * shows it; an unset variable is a one-line error naming it. `what` names the value: "the password
 * of postgres://…".
 */
export function resolveCredentialValue(value: string | undefined, what: string, secret = true): string | undefined {
  if (value === undefined) return undefined;
  const name = ENV_REFERENCE.exec(value)?.[1];
  let resolved = value;
  if (name !== undefined) {
    const fromEnv = process.env[name];
    if (fromEnv === undefined || fromEnv === '') throw new ConnectionError(`${what} is \${env:${name}} but ${name} is not set`, `export ${name} before running autolab`);
    resolved = fromEnv;
  }
  if (secret) registerSecret(resolved);
  return resolved;
}

/** The password of a credential: kept, or read from the environment variable it refers to. */
export function resolvePassword(credential: Credential | undefined, label: string): string | undefined {
  if (!credential) return undefined;
  if (credential.passwordEnv !== undefined) return resolveCredentialValue(`\${env:${credential.passwordEnv}}`, `the password of ${label}`);
  return resolveCredentialValue(credential.password, `the password of ${label}`);
}

/** The S3 keys of a credential, each kept or read from the environment variable it refers to (`?secretAccessKey=${env:NAME}`). */
export function resolveS3Keys(credential: Credential | undefined, label: string): { accessKeyId?: string; secretAccessKey?: string } {
  const accessKeyId = resolveCredentialValue(credential?.accessKeyId, `the access key id of ${label}`, false);
  const secretAccessKey = resolveCredentialValue(credential?.secretAccessKey, `the secret access key of ${label}`);
  return { ...(accessKeyId !== undefined ? { accessKeyId } : {}), ...(secretAccessKey !== undefined ? { secretAccessKey } : {}) };
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
