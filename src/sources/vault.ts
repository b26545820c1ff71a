import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Catalog } from '../catalog/index.js';
import { LabError, registerSecret } from '../common/index.js';
import type { Credential } from './types.js';

/** The key file in `.autolab/` when AUTOLAB_SECRET_KEY is not set. */
export const KEY_FILE = 'secret.key';
const FORMAT = 'v1';

/**
 * The credentials vault: AES-256-GCM over the catalog's credential table. The catalog holds only
 * ciphertext; the key lives outside it — in AUTOLAB_SECRET_KEY (any text, hashed to 32 bytes; needed
 * when several machines share a PostgreSQL catalog) or a 0600 key file in the lab's `.autolab/`.
 */
export class Vault {
  readonly #key: Buffer;
  readonly #catalog: Catalog;

  private constructor(key: Buffer, catalog: Catalog) {
    this.#key = key;
    this.#catalog = catalog;
  }

  /** `labDir` is the lab's `.autolab/` folder; the key file is made there on first use. */
  static async open(catalog: Catalog, labDir: string): Promise<Vault> {
    return new Vault(await loadKey(labDir), catalog);
  }

  async put(credential: Credential): Promise<string> {
    const id = randomUUID();
    await this.#catalog.putCredential(id, this.encrypt(credential));
    return id;
  }

  async get(id: string): Promise<Credential> {
    const blob = await this.#catalog.getCredential(id);
    if (blob === undefined) throw new LabError(`the credential ${id} is missing from the catalog`, 'add the source again with `autolab source add`');
    const credential = this.decrypt(blob);
    for (const value of Object.values(credential)) if (typeof value === 'string') registerSecret(value);
    return credential;
  }

  encrypt(credential: Credential): string {
    return seal(this.#key, JSON.stringify(credential));
  }

  decrypt(blob: string): Credential {
    const text = unseal(this.#key, blob, {
      damaged: () => new LabError('a stored credential is damaged', 'add the source again with `autolab source add`'),
      wrongKey: (cause) =>
        new LabError(
          'a stored credential cannot be decrypted with this secret key',
          'set AUTOLAB_SECRET_KEY (or restore .autolab/secret.key) to the key used when the source was added, or add the source again',
          { cause },
        ),
    });
    return JSON.parse(text) as Credential;
  }
}

/** The file in `.autolab/` that keeps the lab's own secrets (the catalog's password cannot live in the catalog). */
export const LAB_SECRETS_FILE = 'lab-secrets';

/**
 * Keeps `secrets` (plain JSON) encrypted with the vault's key in `.autolab/lab-secrets` (0600),
 * written atomically.
 */
export async function writeLabSecrets(labDir: string, secrets: unknown): Promise<void> {
  const file = join(labDir, LAB_SECRETS_FILE);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, seal(await loadKey(labDir), JSON.stringify(secrets)) + '\n', { mode: 0o600 });
  await rename(temp, file);
}

/** What `writeLabSecrets` kept, or undefined when the lab keeps none. */
export async function readLabSecrets(labDir: string): Promise<unknown> {
  const file = join(labDir, LAB_SECRETS_FILE);
  if (!existsSync(file)) return undefined;
  const blob = (await readFile(file, 'utf8')).trim();
  const text = unseal(await loadKey(labDir), blob, {
    damaged: () => new LabError(`${file} is damaged`, 'restore it from a backup, or give the catalog password as ${env:NAME} in autolab.yaml'),
    wrongKey: (cause) => new LabError(`${file} cannot be decrypted with this secret key`, 'set AUTOLAB_SECRET_KEY (or restore .autolab/secret.key) to the key used at `autolab init`', { cause }),
  });
  return JSON.parse(text) as unknown;
}

/** AES-256-GCM: `v1:` + base64(iv ‖ tag ‖ ciphertext). */
function seal(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `${FORMAT}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

function unseal(key: Buffer, blob: string, errors: { damaged: () => Error; wrongKey: (cause: unknown) => Error }): string {
  const [format, data] = blob.split(':', 2);
  const bytes = Buffer.from(data ?? '', 'base64');
  if (format !== FORMAT || bytes.length < 28) throw errors.damaged();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(12, 28));
    return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
  } catch (error) {
    throw errors.wrongKey(error);
  }
}

async function loadKey(labDir: string): Promise<Buffer> {
  const fromEnv = process.env['AUTOLAB_SECRET_KEY'];
  if (fromEnv) {
    registerSecret(fromEnv);
    return createHash('sha256').update(fromEnv, 'utf8').digest();
  }
  const file = join(labDir, KEY_FILE);
  if (!existsSync(file)) {
    // wx: two processes racing to make the key must not overwrite each other's
    await writeFile(file, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' }).catch((error: unknown) => {
      if ((error as { code?: string }).code !== 'EEXIST') {
        throw new LabError(`cannot write the vault key ${file}`, 'check that .autolab/ can be written, or set AUTOLAB_SECRET_KEY', { cause: error });
      }
    });
  }
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) {
    // a key others can read protects nothing: tighten it rather than refuse to work
    await chmod(file, 0o600);
  }
  const text = (await readFile(file, 'utf8')).trim();
  if (!/^[0-9a-f]{64}$/.test(text)) throw new LabError(`the vault key ${file} is damaged`, 'restore it from a backup, or set AUTOLAB_SECRET_KEY');
  return Buffer.from(text, 'hex');
}

/**
 * A key for another purpose than credentials (e.g. sealing the action log), derived from the
 * lab's secret key — the same AUTOLAB_SECRET_KEY or `.autolab/secret.key` —, so that it too lives
 * outside the catalog and machines sharing a catalog share it by sharing AUTOLAB_SECRET_KEY.
 */
export async function deriveLabKey(labDir: string, purpose: string): Promise<Buffer> {
  return createHmac('sha256', await loadKey(labDir)).update(`autolab:${purpose}`).digest();
}
