import { gunzipSync, gzipSync } from 'node:zlib';
import type { Lab } from './lab-types.js';

/**
 * JSON the lab keeps in its store (exploration results, quality and aggregate reports, gold
 * manifests, monitoring checks and alerts): gzip-compressed, as a monitoring check of daily windows
 * repeats every earlier window and reads back mostly the same words (a year of daily checks: about
 * a tenth of the bytes). Content-addressed like everything in the store: the same value gives the
 * same bytes (gzip without a time stamp). What was stored before compression reads back as is.
 */
export async function putJson(lab: Lab, value: unknown): Promise<{ hash: string; bytes: number }> {
  return lab.store.putBytes(gzipSync(Buffer.from(JSON.stringify(value))));
}

export async function getJson<T>(lab: Lab, hash: string): Promise<T> {
  const bytes = Buffer.from(await lab.store.getBytes(hash));
  // gzip's magic number: JSON text never starts with 0x1f
  const text = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
  return JSON.parse(text.toString('utf8')) as T;
}
