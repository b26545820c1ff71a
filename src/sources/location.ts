import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ENV_REFERENCE, InputError, UsageError, registerSecret, takeUrlSecrets, type UrlSecrets } from '../common/index.js';
import type { SourceKind, SourceOptions, SourceSpec } from './types.js';

export interface ParsedLocation {
  readonly spec: SourceSpec;
  /** user name in a database URL */
  readonly user?: string;
  /** a password written in the URL (removed from `spec.uri`) */
  readonly password?: string;
  /** `${env:NAME}` given as the password */
  readonly passwordEnv?: string;
  /** other secret query parameters (`sslpassword`, …), removed from `spec.uri`, given back to the driver */
  readonly params?: Readonly<Record<string, string>>;
  /** S3 keys written in the location (`?accessKeyId=…&secretAccessKey=…`) */
  readonly s3Keys?: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

const SQLITE_EXTENSIONS = /\.(sqlite|sqlite3|db)$/i;

/**
 * Turns what the user typed after `source add NAME` into a spec: its kind, a URI without password
 * (file paths inside the lab are kept relative to its root so that the lab can move), and options.
 */
export function parseLocation(location: string, options: SourceOptions, where: { cwd: string; labRoot: string }): ParsedLocation {
  const text = location.trim();
  if (text === '') throw new UsageError('the source location is empty', 'give a file, a glob, sqlite:PATH, postgres://…, mysql://… or s3://bucket/prefix');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return parseDatabaseUrl('postgres', text, options);
  if (scheme === 'mysql' || scheme === 'mariadb') return parseDatabaseUrl('mysql', text, options);
  if (scheme === 's3') return parseS3(text, options);
  checkNoDatabaseOptions(options, 'file');
  if (scheme === 'sqlite') return { spec: { kind: 'sqlite', uri: `sqlite:${keepPath(text.slice('sqlite:'.length), where)}`, options } };
  const path = scheme === 'file' ? text.slice('file:'.length).replace(/^\/\/(?=\/)/, '') : text;
  if (scheme !== undefined && scheme !== 'file' && scheme.length > 1) {
    throw new UsageError(`unknown kind of source: ${scheme}:`, 'use a file or glob, sqlite:PATH, postgres://…, mysql://… or s3://bucket/prefix');
  }
  if (SQLITE_EXTENSIONS.test(path)) return { spec: { kind: 'sqlite', uri: `sqlite:${keepPath(path, where)}`, options } };
  if (options.tables || options.schema || options.query) {
    throw new UsageError('--tables, --schema and --query are for databases', 'a file source takes every file its path or glob matches');
  }
  return { spec: { kind: 'file', uri: `file:${keepPath(path, where)}`, options: {} } };
}

/** Absolute from `cwd`; then relative to the lab root when inside it. */
function keepPath(path: string, where: { cwd: string; labRoot: string }): string {
  const absolute = resolve(where.cwd, path);
  const inLab = relative(where.labRoot, absolute);
  if (inLab !== '' && !inLab.startsWith('..') && !isAbsolute(inLab)) return inLab.split(sep).join('/');
  return absolute;
}

/** A stored file/SQLite path made absolute against the lab root. */
export function resolveStoredPath(uri: string, labRoot: string): string {
  const path = uri.replace(/^(file|sqlite):/, '');
  return isAbsolute(path) ? path : resolve(labRoot, path);
}

function parseDatabaseUrl(kind: SourceKind, text: string, options: SourceOptions): ParsedLocation {
  const chosen = [options.tables?.length ? '--tables' : '', options.schema ? '--schema' : '', options.query ? '--query' : ''].filter(Boolean);
  if (chosen.length > 1) throw new UsageError(`${chosen.join(' and ')} cannot be combined`, 'choose tables, a schema, or a query');
  if (options.endpoint) throw new UsageError('--endpoint is for s3:// sources', 'leave it out for a database');
  const taken = takeSecrets(text);
  let url: URL;
  try {
    url = new URL(taken.url);
  } catch {
    throw new InputError(`${kind} URL cannot be parsed`, `write it as ${kind}://user@host:port/database`);
  }
  if (!url.hostname) throw new InputError(`the ${kind} URL has no host`, `write it as ${kind}://user@host:port/database`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!database) throw new InputError(`the ${kind} URL names no database`, `write it as ${kind}://user@host:port/database`);
  const queryUser = url.searchParams.get('user');
  if (kind === 'mysql' && !url.username && queryUser) {
    // mysql2 reads the user from the URL's user-info only
    url.username = encodeURIComponent(queryUser);
    url.searchParams.delete('user');
  }
  const { password: passwordParam, ...params } = Object.fromEntries(Object.entries(taken.params).map(([name, value]) => [name.toLowerCase() === 'password' ? 'password' : name, value]));
  const password = taken.password ?? passwordParam;
  const passwordEnv = password === undefined ? undefined : ENV_REFERENCE.exec(password)?.[1];
  const user = url.username ? decodeURIComponent(url.username) : (queryUser ?? undefined);
  return {
    spec: { kind, uri: `${kind}:${url.toString().slice(url.protocol.length)}`, options },
    ...(user ? { user } : {}),
    ...(passwordEnv !== undefined ? { passwordEnv } : password !== undefined ? { password } : {}),
    ...(Object.keys(params).length > 0 ? { params } : {}),
  };
}

/** The URL's secrets taken out and registered, so that no message can show them from here on. */
function takeSecrets(text: string): UrlSecrets {
  const taken = takeUrlSecrets(text);
  registerSecret(taken.password);
  for (const value of Object.values(taken.params)) registerSecret(value);
  return taken;
}

function parseS3(text: string, options: SourceOptions): ParsedLocation {
  checkNoDatabaseOptions(options, 's3');
  const taken = takeSecrets(text);
  let url: URL;
  try {
    url = new URL(taken.url);
  } catch {
    throw new InputError('the s3:// location cannot be parsed', 'write it as s3://bucket/prefix');
  }
  if (!url.hostname) throw new InputError('the s3:// location has no bucket', 'write it as s3://bucket/prefix');
  const endpoint = options.endpoint ?? url.searchParams.get('endpoint') ?? undefined;
  const region = options.region ?? url.searchParams.get('region') ?? undefined;
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) throw new UsageError(`--endpoint ${endpoint} is not an http(s) URL`, 'e.g. --endpoint http://127.0.0.1:9000');
  const prefix = decodeURIComponent(url.pathname.replace(/^\//, ''));
  const s3Keys = s3KeysOf(taken, url);
  return {
    spec: {
      kind: 's3',
      uri: `s3://${url.hostname}/${prefix}`,
      options: { ...(endpoint !== undefined ? { endpoint } : {}), ...(region !== undefined ? { region } : {}) },
    },
    ...(s3Keys ? { s3Keys } : {}),
  };
}

/** Keys written in an s3:// location: `?accessKeyId=…&secretAccessKey=…` (or the `aws_…` names), or `KEY:SECRET@bucket`. */
function s3KeysOf(taken: UrlSecrets, url: URL): ParsedLocation['s3Keys'] {
  const secretNames = new Set(['secretaccesskey', 'secret_access_key', 'aws_secret_access_key']);
  let secretAccessKey = taken.password;
  for (const [name, value] of Object.entries(taken.params)) {
    if (!secretNames.has(name.toLowerCase())) throw new UsageError(`an s3:// location does not take the parameter ${name}`, 'give keys as ?accessKeyId=…&secretAccessKey=… or in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    secretAccessKey = value;
  }
  const accessKeyId = taken.user ?? url.searchParams.get('accessKeyId') ?? url.searchParams.get('aws_access_key_id') ?? undefined;
  if (secretAccessKey === undefined) return undefined;
  if (!accessKeyId) throw new UsageError('the s3:// location gives a secret key but no access key id', 'add ?accessKeyId=… beside it');
  return { accessKeyId, secretAccessKey };
}

function checkNoDatabaseOptions(options: SourceOptions, kind: string): void {
  if (kind !== 's3' && options.endpoint) throw new UsageError('--endpoint is for s3:// sources', 'leave it out');
  if (kind === 's3' && (options.tables || options.schema || options.query)) {
    throw new UsageError('--tables, --schema and --query are for databases', 'an s3:// source takes every data file under its prefix');
  }
}
