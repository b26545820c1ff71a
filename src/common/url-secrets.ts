/**
 * The one parser of the URLs a user gives (sources, catalog, store): it finds the credentials in
 * the user-info part and in query parameters, so that they can go to the vault and only the URL
 * without them is stored and shown.
 */

/** Query parameters that carry a secret, lower-case; every `X-Amz-*` (pre-signed URLs) too. */
const SECRET_PARAMS = new Set([
  'password',
  'pass',
  'passwd',
  'pwd',
  'sslpassword',
  'secret',
  'token',
  'access_token',
  'api_key',
  'apikey',
  'secretaccesskey',
  'secret_access_key',
  'aws_secret_access_key',
  'sessiontoken',
  'session_token',
  'aws_session_token',
]);

export function isSecretParam(name: string): boolean {
  const lower = name.toLowerCase();
  return SECRET_PARAMS.has(lower) || lower.startsWith('x-amz-');
}

/** A whole value that is a `${env:NAME}` reference: a pointer to a secret, not one. */
export const ENV_REFERENCE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}$/;

interface UrlParts {
  /** `postgres://` */
  readonly scheme: string;
  readonly user?: string;
  /** as typed (maybe percent-encoded) */
  readonly rawPassword?: string;
  /** host, port and path, as typed */
  readonly hostPath: string;
  /** query parameters as typed, `name=value` */
  readonly params: readonly { readonly name: string; readonly raw: string }[];
}

const SCHEME = /^([a-z][a-z0-9+.-]*:\/\/)([\s\S]*)$/i;
/** what may follow the `@` that ends the user-info: a host (or none: a socket), a port, then the path */
const HOST_NEXT = /^(\[[0-9a-f:.]+\]|[^\s/?#@:[\]]*)(:\d*)?(?=[/?#]|$)/i;
/** the user name cannot hold these unencoded; the password may hold anything */
const USER = /^[^/?#:@\s]*$/;

/**
 * Splits `scheme://user:password@host:port/path?query` by hand, because a password holding an
 * unencoded `/`, `?` or `@` makes the WHATWG parser cut it and put the rest in the host or the path
 * (from where it would reach messages). The user-info ends at the last `@` before the host that is
 * followed by a host and port; an `@` inside the query (`?user=a@b`) is not taken.
 */
function splitUrl(text: string): UrlParts | undefined {
  const match = SCHEME.exec(text);
  if (!match) return undefined;
  const scheme = match[1] ?? '';
  const body = match[2] ?? '';
  const at = userInfoEnd(body);
  const userInfo = at < 0 ? undefined : body.slice(0, at);
  const after = at < 0 ? body : body.slice(at + 1);
  const question = after.indexOf('?');
  const hostPath = question < 0 ? after : after.slice(0, question);
  const query = question < 0 ? '' : after.slice(question + 1);
  const params = query === '' ? [] : query.split('&').map((raw) => ({ name: decode(raw.split('=', 1)[0] ?? ''), raw }));
  if (userInfo === undefined) return { scheme, hostPath, params };
  const colon = userInfo.indexOf(':');
  const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
  return { scheme, hostPath, params, ...(user !== '' ? { user: decode(user) } : {}), ...(colon >= 0 ? { rawPassword: userInfo.slice(colon + 1) } : {}) };
}

function userInfoEnd(body: string): number {
  const candidates: number[] = [];
  for (let i = body.indexOf('@'); i >= 0; i = body.indexOf('@', i + 1)) {
    const userInfo = body.slice(0, i);
    const colon = userInfo.indexOf(':');
    if (USER.test(colon < 0 ? userInfo : userInfo.slice(0, colon)) && HOST_NEXT.test(body.slice(i + 1))) candidates.push(i);
  }
  // the last `@` before any `?` (a password may hold `/` and `@`); failing that, one whose user-info holds
  // no `/` either (a password with `?`) — an `@` after a path and a query is in the query
  const last = (keep: (i: number) => boolean) => candidates.filter(keep).pop() ?? -1;
  const beforeQuery = last((i) => !body.slice(0, i).includes('?'));
  return beforeQuery >= 0 ? beforeQuery : last((i) => !body.slice(0, i).includes('/'));
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a lone `%` in a password is the password
  }
}

function paramValue(raw: string): string {
  const eq = raw.indexOf('=');
  return eq < 0 ? '' : decode(raw.slice(eq + 1).replace(/\+/g, ' '));
}

export interface UrlSecrets {
  /** the URL without its password and secret query parameters (a `${env:…}` reference is kept): what may be stored and shown */
  readonly url: string;
  readonly user?: string;
  /** the password of the user-info part, decoded; absent when it is a `${env:…}` reference (then in `url`) */
  readonly password?: string;
  /** secret query parameters taken out, by name as written, decoded */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Takes the secrets out of a URL. `keepEnvReferences`: a `${env:NAME}` password or parameter stays
 * in the URL (it is a pointer, not a secret) instead of being returned as a value.
 */
export function takeUrlSecrets(text: string, options: { keepEnvReferences?: boolean } = {}): UrlSecrets {
  const parts = splitUrl(text);
  if (!parts) return { url: text, params: {} };
  const keep = (value: string) => options.keepEnvReferences === true && ENV_REFERENCE.test(value);
  const password = parts.rawPassword === undefined ? undefined : decode(parts.rawPassword);
  const params: Record<string, string> = {};
  const kept: string[] = [];
  for (const param of parts.params) {
    const value = paramValue(param.raw);
    if (isSecretParam(param.name) && !keep(value)) params[param.name] = value;
    else kept.push(param.raw);
  }
  const keptPassword = password !== undefined && keep(password) ? password : undefined;
  return {
    url: formatUrl(parts.scheme, parts.user, keptPassword, parts.hostPath, kept),
    ...(parts.user !== undefined ? { user: parts.user } : {}),
    ...(password !== undefined && keptPassword === undefined ? { password } : {}),
    params,
  };
}

/** The URL with its password and secret parameters put back (encoded): what a driver is given. */
export function withUrlSecrets(url: string, secrets: { readonly password?: string; readonly params?: Readonly<Record<string, string>> }): string {
  const parts = splitUrl(url);
  if (!parts) return url;
  const password = secrets.password ?? (parts.rawPassword !== undefined ? decode(parts.rawPassword) : undefined);
  const added = Object.entries(secrets.params ?? {}).map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  return formatUrl(parts.scheme, parts.user, password, parts.hostPath, [...parts.params.map((p) => p.raw), ...added]);
}

/** `scheme://user:***@host/db?password=***`: every password and secret parameter masked, even unregistered ones. */
export function redactUrl(text: string): string {
  const parts = splitUrl(text);
  if (!parts) return text;
  const params = parts.params.map((p) => (isSecretParam(p.name) && !ENV_REFERENCE.test(paramValue(p.raw)) ? `${p.raw.split('=', 1)[0] ?? ''}=***` : p.raw));
  const masked = parts.rawPassword === undefined ? undefined : ENV_REFERENCE.test(parts.rawPassword) ? parts.rawPassword : '***';
  const userInfo = parts.user === undefined && masked === undefined ? '' : `${encodeURIComponent(parts.user ?? '')}${masked !== undefined ? `:${masked}` : ''}@`;
  return `${parts.scheme}${userInfo}${parts.hostPath}${params.length ? `?${params.join('&')}` : ''}`;
}

function formatUrl(scheme: string, user: string | undefined, password: string | undefined, hostPath: string, params: readonly string[]): string {
  const pass = password === undefined ? '' : `:${ENV_REFERENCE.test(password) ? password : encodeURIComponent(password)}`;
  const userInfo = user === undefined && password === undefined ? '' : `${encodeURIComponent(user ?? '')}${pass}@`;
  return `${scheme}${userInfo}${hostPath}${params.length ? `?${params.join('&')}` : ''}`;
}
