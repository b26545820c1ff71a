import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, type Catalog } from '../catalog/index.js';
import { LabError } from '../common/index.js';
import { KEY_FILE, Vault } from './vault.js';

let dir: string;
let catalog: Catalog;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-vault-'));
  catalog = await openCatalog(`sqlite:${join(dir, 'catalog.sqlite')}`, { create: true });
});
afterAll(async () => {
  await catalog.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  delete process.env['AUTOLAB_SECRET_KEY'];
});

describe('the credentials vault', () => {
  it('keeps only AES-256-GCM ciphertext in the catalog, under a 0600 key file', async () => {
    const labDir = mkdtempSync(join(dir, 'lab-'));
    const vault = await Vault.open(catalog, labDir);
    expect(statSync(join(labDir, KEY_FILE)).mode & 0o777).toBe(0o600);
    const id = await vault.put({ password: 'correct horse battery staple' });
    const stored = await catalog.getCredential(id);
    expect(stored).toMatch(/^v1:[A-Za-z0-9+/=]+$/);
    expect(stored).not.toContain('horse');
    expect(vault.encrypt({ password: 'x' })).not.toBe(vault.encrypt({ password: 'x' }));
    expect(await (await Vault.open(catalog, labDir)).get(id)).toEqual({ password: 'correct horse battery staple' });
  });

  it('tightens a key file others can read', async () => {
    const labDir = mkdtempSync(join(dir, 'lab-'));
    await Vault.open(catalog, labDir);
    chmodSync(join(labDir, KEY_FILE), 0o644);
    await Vault.open(catalog, labDir);
    expect(statSync(join(labDir, KEY_FILE)).mode & 0o777).toBe(0o600);
  });

  it('uses AUTOLAB_SECRET_KEY when set, and says so when the key is not the one used', async () => {
    process.env['AUTOLAB_SECRET_KEY'] = 'shared key of the team';
    const labDir = mkdtempSync(join(dir, 'lab-'));
    const id = await (await Vault.open(catalog, labDir)).put({ accessKeyId: 'AK', secretAccessKey: 'SK-123456' });
    expect(await (await Vault.open(catalog, mkdtempSync(join(dir, 'other-')))).get(id)).toEqual({ accessKeyId: 'AK', secretAccessKey: 'SK-123456' });
    process.env['AUTOLAB_SECRET_KEY'] = 'another key';
    const wrong = await (await Vault.open(catalog, labDir)).get(id).catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(LabError);
    expect((wrong as Error).message).toMatch(/^a stored credential cannot be decrypted with this secret key — set AUTOLAB_SECRET_KEY/);
  });

  it('refuses a damaged key file or ciphertext', async () => {
    const labDir = mkdtempSync(join(dir, 'lab-'));
    const vault = await Vault.open(catalog, labDir);
    const blob = vault.encrypt({ password: 'secret-value' });
    const flipped = blob.slice(0, -6) + (blob.slice(-6, -5) === 'A' ? 'B' : 'A') + blob.slice(-5);
    expect(() => vault.decrypt(flipped)).toThrow(LabError);
    expect(() => vault.decrypt('v0:abc')).toThrow(/a stored credential is damaged/);
    writeFileSync(join(labDir, KEY_FILE), 'not hex\n', { mode: 0o600 });
    await expect(Vault.open(catalog, labDir)).rejects.toThrow(/the vault key .* is damaged/);
  });
});
