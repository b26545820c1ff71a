import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { Catalog, LogAnchor, LogVerification } from '../catalog/index.js';
import type { Store } from '../store/index.js';
import { tempPrefix } from '../common/index.js';

/** Where the sealed head of the action log is kept: in the store, beside the data, outside the catalog. */
export const LOG_ANCHOR_KEY = 'log/anchor.json';

const anchorSchema = z.object({
  seq: z.number().int().nonnegative(),
  hash: z.string(),
  keyedFrom: z.number().int().positive().nullable(),
  mac: z.string(),
});

interface LabParts {
  readonly catalog: Catalog;
  readonly store: Store;
  readonly workDir: string;
}

/** The anchor in the store: absent (null), or damaged (not the JSON of an anchor). */
export async function readLogAnchor(lab: LabParts): Promise<LogAnchor | null | 'damaged'> {
  if (!(await lab.store.hasObject(LOG_ANCHOR_KEY))) return null;
  const local = join(lab.workDir, `${tempPrefix('anchor')}${randomBytes(6).toString('hex')}.json`);
  try {
    await lab.store.getObjectToFile(LOG_ANCHOR_KEY, local);
    const parsed = anchorSchema.safeParse(JSON.parse(await readFile(local, 'utf8')));
    return parsed.success ? parsed.data : 'damaged';
  } catch (error) {
    if (error instanceof SyntaxError) return 'damaged';
    throw error;
  } finally {
    await rm(local, { force: true });
  }
}

/**
 * Moves the anchor up to the log's current head when the log has grown past it. Never moves it
 * back: a log that ends before its anchor was cut, and the anchor is the evidence. Two processes
 * closing at once may leave the older of their heads; any head the chain passes through is a
 * valid anchor, only a little less far along.
 */
export async function keepLogAnchor(lab: LabParts): Promise<void> {
  const head = await lab.catalog.logAnchor();
  if (!head) return;
  const kept = await readLogAnchor(lab);
  if (kept === 'damaged' || (kept !== null && kept.seq >= head.seq)) return;
  await mkdir(lab.workDir, { recursive: true });
  const local = join(lab.workDir, `${tempPrefix('anchor')}${randomBytes(6).toString('hex')}.json`);
  try {
    await writeFile(local, JSON.stringify(head) + '\n');
    await lab.store.putObject(LOG_ANCHOR_KEY, local);
  } finally {
    await rm(local, { force: true });
  }
}

/** `autolab log --verify`: the chain in the catalog, checked against the anchor in the store. */
export async function verifyLabLog(lab: LabParts): Promise<LogVerification> {
  const anchor = await readLogAnchor(lab);
  if (anchor === 'damaged') {
    const inCatalog = await lab.catalog.verifyLog();
    if (!inCatalog.ok) return inCatalog;
    return { ...inCatalog, ok: false, reason: `the log's anchor kept outside the catalog (${LOG_ANCHOR_KEY} in the store) is damaged` };
  }
  return lab.catalog.verifyLog({ anchor });
}
