import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * autolab's version from its package.json, and the git commit of the checkout it runs from when it
 * runs from one (`0.1.0+de2df4e`, `-dirty` when files were changed): what a model's lineage names.
 */
export function codeVersion(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  let version = 'unknown';
  try {
    version = String((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    // an installed copy without its package.json: the version stays unknown
  }
  try {
    const git = (args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    const commit = git(['rev-parse', '--short=12', 'HEAD']);
    const dirty = git(['status', '--porcelain', '--untracked-files=no', '--', 'src']).length > 0;
    cached = `${version}+${commit}${dirty ? '-dirty' : ''}`;
  } catch {
    // not a git checkout (an installed package), or no git: the package version alone
    cached = version;
  }
  return cached;
}
