import { join } from 'node:path';
import type { SourceRecord } from '../catalog/index.js';
import { ConnectionError, InputError, UsageError, describeError, redactSecrets, registerSecret } from '../common/index.js';
import {
  isAuthFailure,
  openConnector,
  parseLocation,
  Vault,
  type Credential,
  type ParsedLocation,
  type SourceOptions,
  type SourceSpec,
} from '../sources/index.js';
import { LAB_DIR } from './lab-config.js';
import { actionInput } from './lab.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';

export interface AddSourceOptions extends SourceOptions {
  /** the password for a database URL that names a user but none (the API, tests); otherwise asked */
  readonly password?: string;
  /** asks for a password with hidden input; left out where there is no terminal */
  readonly askPassword?: (message: string) => Promise<string>;
  /** folder that relative file paths are taken from; default: the process's */
  readonly cwd?: string;
}

export interface AddedSource {
  readonly source: SourceRecord;
  /** the tables found when the connection was tested */
  readonly tables: readonly { readonly name: string; readonly origin: string }[];
}

const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * `autolab source add`: parses the location, tests the connection (asking for a password when the
 * server wants one and a terminal is there), keeps any credential encrypted in the vault, records the
 * source and a `source.add` action. A failure is recorded as a failed action and thrown as one line.
 */
export async function addSource(lab: Lab, projectName: string | undefined, name: string, location: string, options: AddSourceOptions = {}): Promise<AddedSource> {
  if (!SOURCE_NAME.test(name)) throw new UsageError(`${JSON.stringify(name)} is not a valid source name`, 'use letters, digits, - and _ (up to 64)');
  const project = await resolveProject(lab, projectName);
  if (await lab.catalog.getSource(project.id, name)) {
    throw new InputError(`project ${project.name} already has a source named ${name}`, 'pick another name, or see them with `autolab source list`');
  }
  registerSecret(options.password);
  const sourceOptions: SourceOptions = {
    ...(options.tables?.length ? { tables: options.tables } : {}),
    ...(options.schema ? { schema: options.schema } : {}),
    ...(options.query?.trim() ? { query: options.query.trim() } : {}),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : {}),
  };
  const parsed = parseLocation(location, sourceOptions, { cwd: options.cwd ?? process.cwd(), labRoot: lab.root });
  const started = new Date().toISOString();
  try {
    let credential = initialCredential(parsed, options);
    let tables: { name: string; origin: string }[];
    try {
      tables = await testConnection(lab, name, parsed.spec, credential);
    } catch (error) {
      const canAsk = isAuthFailure(error) && credential === undefined && options.askPassword !== undefined && parsed.user !== undefined;
      if (!canAsk || !options.askPassword) throw explainAuth(error, parsed, credential, options);
      const password = await options.askPassword(`password for ${parsed.user} at ${parsed.spec.uri}`);
      registerSecret(password);
      credential = { password, ...(parsed.params ? { params: parsed.params } : {}) };
      tables = await testConnection(lab, name, parsed.spec, credential);
    }
    const credentialId = credential ? await (await Vault.open(lab.catalog, join(lab.root, LAB_DIR))).put(credential) : null;
    const source = await lab.catalog.addSource({
      projectId: project.id,
      name,
      kind: parsed.spec.kind,
      uri: parsed.spec.uri,
      options: { ...parsed.spec.options },
      credentialId,
    });
    await lab.catalog.appendAction({
      ...actionInput('source.add', project.name, started),
      outputs: { source: `${name}` },
      detail: { source: name, kind: parsed.spec.kind, uri: parsed.spec.uri, tables: tables.length, credential: credentialId !== null },
    });
    return { source, tables };
  } catch (error) {
    await lab.catalog
      .appendAction({
        ...actionInput('source.add', project.name, started),
        status: 'failed',
        error: redactSecrets(describeError(error).split('\n')[0] ?? ''),
        detail: { source: name, kind: parsed.spec.kind, uri: parsed.spec.uri },
      })
      .catch(() => undefined);
    throw error;
  }
}

/** The sources of a project, as recorded (URIs without passwords). */
export async function listSources(lab: Lab, projectName?: string): Promise<SourceRecord[]> {
  const project = await resolveProject(lab, projectName);
  return lab.catalog.listSources(project.id);
}

function initialCredential(parsed: ParsedLocation, options: AddSourceOptions): Credential | undefined {
  const params = parsed.params ? { params: parsed.params } : {};
  if (parsed.passwordEnv !== undefined) return { passwordEnv: parsed.passwordEnv, ...params };
  if (parsed.password !== undefined) return { password: parsed.password, ...params };
  if (options.password !== undefined) return { password: options.password, ...params };
  if (parsed.params) return params;
  if (parsed.s3Keys) return parsed.s3Keys;
  if (parsed.spec.kind === 's3') {
    const accessKeyId = process.env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = process.env['AWS_SECRET_ACCESS_KEY'];
    if (accessKeyId && secretAccessKey) {
      registerSecret(secretAccessKey);
      return { accessKeyId, secretAccessKey };
    }
  }
  return undefined;
}

async function testConnection(lab: Lab, sourceName: string, spec: SourceSpec, credential: Credential | undefined): Promise<{ name: string; origin: string }[]> {
  const connector = await openConnector(spec, { labRoot: lab.root, sourceName, ...(credential ? { credential } : {}) });
  try {
    const tables = await connector.listTables();
    return tables.map((t) => ({ name: t.name, origin: t.origin }));
  } finally {
    await connector.close();
  }
}

/** A refused password when none could be asked for: say how to give one. */
function explainAuth(error: unknown, parsed: ParsedLocation, credential: Credential | undefined, options: AddSourceOptions): unknown {
  if (!isAuthFailure(error) || credential !== undefined || options.askPassword !== undefined) return error;
  return new ConnectionError(
    `${parsed.spec.uri} wants a password for ${parsed.user ?? 'the user'} and there is no terminal to ask for it`,
    'give it as a reference: USER:${env:NAME}@host, with NAME exported',
    { cause: error },
  );
}
