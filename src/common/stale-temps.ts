import { createHash } from 'node:crypto';
import { readdir, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** This machine, short: a temp of another machine (a shared folder) is judged by age only. */
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/**
 * The start of a temporary file's or folder's name that says which process owns it:
 * `<kind>-<host>-<pid>-`. A temp is left behind only when its process dies mid-work (kill -9, power
 * loss); the name lets the next process that opens the lab tell that, and remove it.
 */
export function tempPrefix(kind: string): string {
  return `${kind}-${HOST}-${process.pid}-`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Removes the temps of `kinds` in `dir` whose process is gone (named by `tempPrefix` on this machine
 * with a pid no longer alive), and any of them older than `leaseMs` that names no live process of
 * this machine (an old name, another machine's). Never one of a live process here.
 */
export async function removeStaleTemps(dir: string, kinds: readonly string[], leaseMs: number): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const cutoff = Date.now() - leaseMs;
  for (const name of names) {
    const kind = kinds.find((k) => name.startsWith(`${k}-`));
    if (kind === undefined) continue;
    const owner = /^([0-9a-f]{8})-(\d+)-/.exec(name.slice(kind.length + 1));
    const ours = owner?.[1] === HOST;
    if (ours && alive(Number(owner?.[2]))) continue;
    if (!ours) {
      const info = await stat(join(dir, name)).catch(() => undefined);
      if (!info || info.mtimeMs >= cutoff) continue;
    }
    await rm(join(dir, name), { recursive: true, force: true }).catch(() => undefined);
  }
}
