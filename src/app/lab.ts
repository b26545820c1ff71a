import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { ActionInput, Catalog } from '../catalog/index.js';
import { z } from 'zod';
import { LabError, registerSecret, removeStaleTemps, takeUrlSecrets, withUrlSecrets, type UrlSecrets } from '../common/index.js';
import { CACHE_TEMP_DIR, PARTIAL_FILE_KIND, openStore, type Store } from '../store/index.js';
// not the face of sources/: that loads the connectors (and DuckDB), and every command opens a lab
import { deriveLabKey, LAB_SECRETS_FILE, readLabSecrets, writeLabSecrets } from '../sources/vault.js';
import {
  CONFIG_FILE,
  LAB_DIR,
  absolutiseUrl,
  configToYaml,
  defaultConfig,
  parseConfig,
  resolveEnvRefs,
} from './lab-config.js';
import type { Lab, LabConfig } from './lab-types.js';
import { keepLogAnchor } from './log-anchor.js';
import { assertProjectName } from './project-name.js';

// where a lab keeps its sources' passwords (in its .autolab folder): named for `init`'s output, which loads no reader
export { LAB_SECRETS_FILE };

export interface InitLabOptions {
  /** catalog URL; default `sqlite:.autolab/catalog.sqlite` */
  readonly catalog?: string;
  /** store URL; default `file:.autolab/store` */
  readonly store?: string;
  /** first project's name; default: the folder's name, made safe */
  readonly project?: string;
}

/**
 * Every temporary the lab's processes make, named by `tempPrefix` (host and pid), by the folder it
 * is made in: ingest's, plan's and silver's scratch folders, train's staging folder (and its bundle's, made
 * inside it), each DuckDB engine's spill folder, a frame read's scratch folder and the log
 * anchor's copy, the registry's bundle fetches (`model`: MODEL_FETCH_TEMP_KIND, named here so that
 * opening a lab loads no registry code) in work/; `writeStreamAtomic`'s partial files in the reports folder and the S3
 * cache (the disk store clears its own .tmp/). How long one of another machine lives.
 */
const TEMP_KINDS: readonly (readonly [folder: readonly string[], kinds: readonly string[]])[] = [
  [['work'], ['ingest', 'plan', 'silver', 'gold', 'train', 'monitor', 'duckdb', 'autolab-read', 'anchor', 'model']],
  [['work', 'cache', CACHE_TEMP_DIR], [PARTIAL_FILE_KIND]],
  [['reports'], [PARTIAL_FILE_KIND]],
];
const STALE_SCRATCH_MS = 24 * 3600 * 1000;

/** Who appends an action: this host and process. */
export function workerId(): string {
  return `${hostname()}:${process.pid}`;
}

/**
 * Creates a lab in `dir` (made if missing): `.autolab/` with work/ and a .gitignore, the catalog
 * and store (checked by opening them), a first project, and `autolab.yaml` written last, so that a
 * failed init leaves no half-lab that `openLab` would find.
 */
export async function initLab(dir: string, options: InitLabOptions = {}): Promise<Lab> {
  const root = resolve(dir);
  const configPath = join(root, CONFIG_FILE);
  const labDir = join(root, LAB_DIR);
  if (existsSync(configPath) || existsSync(labDir)) {
    throw new LabError(`${root} is already an autolab lab`, 'use it as it is, or run `autolab init` in another folder');
  }
  const config = defaultConfig({ catalog: options.catalog, store: options.store });
  const projectName = options.project ?? projectNameFromFolder(root);
  assertProjectName(projectName);

  await mkdir(join(labDir, 'work'), { recursive: true }).catch((error: unknown) => {
    throw new LabError(`cannot create a lab in ${root} (${errorCode(error)})`, 'check that the folder can be written', { cause: error });
  });
  // a literal password in a URL goes to .autolab/lab-secrets (encrypted, 0600), never to autolab.yaml
  const catalogUrl = takeUrlSecrets(config.catalog, { keepEnvReferences: true });
  const storeUrl = takeUrlSecrets(config.store, { keepEnvReferences: true });
  const secrets = { ...secretsOf('catalog', catalogUrl), ...secretsOf('store', storeUrl) };
  const written = { ...config, catalog: catalogUrl.url, store: storeUrl.url };
  let opened: { catalog: Catalog; store: Store } | undefined;
  try {
    await writeFile(join(labDir, '.gitignore'), '# the catalog, store and scratch space are data, not source\n*\n');
    if (Object.keys(secrets).length > 0) await writeLabSecrets(labDir, secrets);
    opened = await openParts(root, written, true);
    const { catalog } = opened;
    const started = new Date().toISOString();
    await catalog.appendAction({
      ...actionInput('lab.init', null, started),
      outputs: { catalog: catalog.url, store: opened.store.url },
      detail: { root },
    });
    // a shared PostgreSQL catalog may know the project from another folder already
    if (!(await catalog.getProject(projectName))) {
      const project = await catalog.createProject(projectName);
      await catalog.appendAction({ ...actionInput('project.create', projectName, started), detail: { id: project.id } });
    }
    const temp = `${configPath}.tmp`;
    // a URL naming a user or an ${env:…} reference says more than a stranger should read
    const sensitive = /@|\$\{env:/.test(`${written.catalog} ${written.store}`);
    await writeFile(temp, configToYaml(written), { mode: sensitive ? 0o600 : 0o644 });
    await rename(temp, configPath);
  } catch (error) {
    await opened?.catalog.close().catch(() => undefined);
    await opened?.store.close().catch(() => undefined);
    await rm(labDir, { recursive: true, force: true });
    await rm(`${configPath}.tmp`, { force: true });
    throw error;
  }
  return makeLab(root, written, opened.catalog, opened.store);
}

const urlSecretsShape = z.object({ password: z.string().optional(), params: z.record(z.string(), z.string()) });
const labSecretsShape = z.object({ catalog: urlSecretsShape.optional(), store: urlSecretsShape.optional() });
type KeptUrlSecrets = z.infer<typeof urlSecretsShape>;

function secretsOf(part: 'catalog' | 'store', taken: UrlSecrets): Record<string, KeptUrlSecrets> {
  if (taken.password === undefined && Object.keys(taken.params).length === 0) return {};
  return { [part]: { ...(taken.password !== undefined ? { password: taken.password } : {}), params: { ...taken.params } } };
}

/** A URL of autolab.yaml made ready for its driver: references resolved, kept secrets put back, all encoded. `holder` names where the URL is written, for messages. */
function connectionUrl(url: string, holder: string, kept: KeptUrlSecrets | undefined): string {
  const taken = takeUrlSecrets(resolveEnvRefs(url, holder));
  const password = kept?.password ?? taken.password;
  const params = { ...taken.params, ...kept?.params };
  for (const secret of [password, ...Object.values(params)]) registerSecret(secret);
  return withUrlSecrets(taken.url, { ...(password !== undefined ? { password } : {}), params });
}

/**
 * Finds the lab that holds `cwd` (walking up to the file system root, like git) and opens its
 * catalog and store.
 */
export async function openLab(cwd: string = process.cwd()): Promise<Lab> {
  const start = resolve(cwd);
  const root = findLabRoot(start);
  if (!root) {
    throw new LabError(`no autolab lab in ${start} or its parents`, 'run `autolab init` there first');
  }
  const file = join(root, CONFIG_FILE);
  const text = await readFile(file, 'utf8').catch((error: unknown) => {
    throw new LabError(`cannot read ${file} (${errorCode(error)})`, 'check its permissions', { cause: error });
  });
  const config = parseConfig(text, file);
  const { catalog, store } = await openParts(root, config, false);
  // temporaries of a process killed mid-work (kill -9, power loss); never one of a live process
  for (const [folder, kinds] of TEMP_KINDS) await removeStaleTemps(join(root, LAB_DIR, ...folder), kinds, STALE_SCRATCH_MS);
  return makeLab(root, config, catalog, store);
}

/** The nearest folder at or above `start` that holds an autolab.yaml, if any. */
export function findLabRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, CONFIG_FILE))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

async function openParts(root: string, config: LabConfig, create: boolean): Promise<{ catalog: Catalog; store: Store }> {
  const file = join(root, CONFIG_FILE);
  const keptFile = await readLabSecrets(join(root, LAB_DIR));
  const kept = keptFile === undefined ? {} : labSecretsShape.safeParse(keptFile).data;
  if (kept === undefined) throw new LabError(`${join(root, LAB_DIR, LAB_SECRETS_FILE)} is damaged`, 'restore it from a backup, or give the passwords as ${env:NAME} in autolab.yaml');
  // init has written no autolab.yaml yet: an unset ${env:NAME} is in the URL given
  const holder = (part: string) => (create ? `the ${part} URL` : file);
  const catalogUrl = absolutiseUrl(connectionUrl(config.catalog, holder('catalog'), kept.catalog), root);
  const storeUrl = absolutiseUrl(connectionUrl(config.store, holder('store'), kept.store), root);
  if (!create) await checkSqliteCatalog(catalogUrl);
  // the log's key comes from the lab's secret key, kept outside the catalog (see README: a shared catalog)
  const logKey = await deriveLabKey(join(root, LAB_DIR), 'action-log');
  // the catalog (Kysely and its dialects, 0.13 s) is loaded when a lab opens, not when the CLI starts:
  // `autolab predict MODEL DATA` opens none
  const { openCatalog } = await import('../catalog/index.js');
  const catalog = await openCatalog(catalogUrl, { create, logKey });
  try {
    const store = await openStore(storeUrl, { cacheDir: join(root, LAB_DIR, 'work', 'cache') });
    // init checks that the store can be written; later commands find out when they use it
    if (create) await store.check();
    return { catalog, store };
  } catch (error) {
    await catalog.close();
    throw error;
  }
}

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * SQLite opens an empty file as an empty database, and the migrations would make a new catalog of
 * it: a lab whose catalog was truncated would start afresh and say "no projects yet". An existing
 * lab's catalog file must be a database. A missing one is said here too, before the secret key is
 * looked for: with the whole .autolab folder gone, "cannot write the vault key" would send the user
 * after the wrong file.
 */
async function checkSqliteCatalog(url: string): Promise<void> {
  if (!url.startsWith('sqlite:')) return;
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  const handle = await open(path, 'r').catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LabError(`the catalog ${path} is missing`, 'restore it from a backup, or run `autolab init` in a new folder');
    }
    return undefined;
  });
  if (!handle) return;
  try {
    const head = Buffer.alloc(SQLITE_HEADER.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const hint = 'restore it from a backup; autolab does not start a new catalog over it';
    if (bytesRead === 0) throw new LabError(`the catalog ${path} is empty (0 bytes)`, hint);
    if (bytesRead < head.length || !head.equals(SQLITE_HEADER)) throw new LabError(`the catalog ${path} is damaged (not a SQLite database)`, hint);
  } finally {
    await handle.close();
  }
}

function makeLab(root: string, config: LabConfig, catalog: Catalog, store: Store): Lab {
  let closed = false;
  return {
    root,
    config,
    catalog,
    store,
    workDir: join(root, LAB_DIR, 'work'),
    async close() {
      if (closed) return;
      closed = true;
      try {
        await keepLogAnchor({ catalog, store, workDir: join(root, LAB_DIR, 'work') });
      } catch {
        // a checkpoint, best effort: a store that cannot be written now is met by the next command
        // that needs it; the anchor then lags behind the log, which verification accepts
      } finally {
        await Promise.all([catalog.close(), store.close()]);
      }
    },
  };
}

/** A done action of this process that started at `startedAt` and finishes now; spread and override the rest. */
export function actionInput(kind: string, project: string | null, startedAt: string): ActionInput {
  return {
    kind,
    project,
    inputs: {},
    outputs: {},
    status: 'done',
    startedAt,
    finishedAt: new Date().toISOString(),
    cpuSeconds: 0,
    bytesWritten: 0,
    workerId: workerId(),
    error: null,
    detail: {},
  };
}

/** `My Lab!` → `my-lab`; a folder with no usable character gives `main`. */
export function projectNameFromFolder(root: string): string {
  const slug = basename(root)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 64);
  return slug || 'main';
}

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : String(error);
}
