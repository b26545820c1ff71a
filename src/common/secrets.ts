import { ENV_REFERENCE, redactUrl } from './url-secrets.js';

/**
 * Defence in depth for credentials: every secret the process learns (a typed password, a resolved
 * ${env:NAME} reference, a decrypted vault entry) is registered here, and every line the process
 * prints, logs or records passes through `redactSecrets`.
 */
const known = new Set<string>();

/** Secrets shorter than this are not substituted (they would mangle ordinary text); they are still never printed on purpose. */
const MIN_SECRET_LENGTH = 4;

export function registerSecret(secret: string | undefined | null): void {
  // a `${env:NAME}` reference points at a secret without being one: masking it would hide the
  // very name a user must export when the variable is unset
  if (secret && secret.length >= MIN_SECRET_LENGTH && !ENV_REFERENCE.test(secret)) known.add(secret);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret && out.includes(encoded)) out = out.split(encoded).join('***');
  }
  return redactUrlPasswords(out);
}

/** `scheme://user:password@host/db?password=…` → `scheme://user:***@host/db?password=***`, in any text */
export function redactUrlPasswords(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, (url) => redactUrl(url));
}
