import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { InputError } from './errors.js';

function outside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}

/**
 * A path read from a file autolab did not just write (a bundle's manifest, the catalog,
 * autolab.yaml) made absolute inside `root`, or a one-line error: an absolute path, `..` out of the
 * folder and a symbolic link that leads out are all refused, and the file is never opened.
 * `what` names the file that holds the path, for the message.
 */
export function resolveInside(root: string, path: string, what: string): string {
  const refuse = () => new InputError(`${what} names ${JSON.stringify(path)}, which is outside ${root}`, 'it may only name files inside its folder: restore it or make it again');
  if (path === '' || path.includes('\0') || isAbsolute(path)) throw refuse();
  const full = resolve(root, path);
  if (outside(resolve(root), full)) throw refuse();
  let real: string;
  try {
    real = realpathSync(full);
  } catch {
    return full; // missing: the caller says so; nothing out of the folder was read
  }
  if (outside(realpathSync(root), real)) throw refuse();
  return full;
}
