/**
 * Runs the command line in-process for tests, with stdout and stderr captured: call
 * `captureOutput()` once at the top of a test file, then `run('status', '--json')` and read `out`
 * and `err` (live bindings, reset by every `run`).
 */
import { afterEach, beforeEach, vi } from 'vitest';
import { main } from '../main.js';

export let out = '';
export let err = '';

export function captureOutput(): void {
  const startDir = process.cwd();
  beforeEach(() => {
    out = '';
    err = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      out += String(chunk);
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      err += String(chunk);
      return true;
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    process.chdir(startDir);
  });
}

export async function run(...argv: string[]): Promise<number> {
  out = '';
  err = '';
  return main(argv);
}
