/**
 * With --json a failure is one line of JSON on stdout — {"error", "hint", "exit", "kind"} — and
 * nothing on stderr, for every command that takes --json.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput, err, out, run } from './commands/cli.testutil.js';
import { registerCommands } from './commands/index.js';

captureOutput();

const work = mkdtempSync(join(tmpdir(), 'autolab-json-failures-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Every command that takes --json, as the words that call it, with its number of arguments and its required options. */
function commandsWithJson(): { path: string[]; args: number; requiredOptions: string[] }[] {
  const program = new Command('autolab');
  registerCommands(program);
  const found: { path: string[]; args: number; requiredOptions: string[] }[] = [];
  const walk = (command: Command, path: string[]) => {
    for (const sub of command.commands) walk(sub, [...path, sub.name()]);
    if (command.options.some((o) => o.long === '--json')) {
      found.push({
        path,
        args: command.registeredArguments.length,
        requiredOptions: command.options.filter((o) => o.mandatory).map((o) => o.long ?? ''),
      });
    }
  };
  walk(program, []);
  return found;
}

function expectJsonFailure(code: number): Record<string, unknown> {
  expect(code).not.toBe(0);
  expect(err).toBe('');
  const lines = out.split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe('');
  const failure = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
  expect(failure).toEqual(expect.objectContaining({ error: expect.any(String), exit: code, kind: expect.any(String) }));
  expect(typeof failure['hint'] === 'string' || failure['hint'] === null).toBe(true);
  expect(failure['error']).not.toContain('\n');
  return failure;
}

describe('--json failures', () => {
  const commands = commandsWithJson();

  it('covers the commands that take --json', () => {
    const names = commands.map((c) => c.path.join(' '));
    for (const name of ['init', 'status', 'source add', 'ingest', 'explore', 'tags show', 'train', 'predict', 'run', 'log']) expect(names).toContain(name);
  });

  // `demo` is left out: in an empty folder it succeeds (it makes its own lab and data)
  for (const command of commands.filter((c) => c.path[0] !== 'demo')) {
    it(`autolab ${command.path.join(' ')} --json fails as one JSON line on stdout`, async () => {
      // a folder that is no lab, and arguments that name nothing: a file's child cannot exist
      const dir = mkdtempSync(join(work, 'cmd-'));
      writeFileSync(join(dir, 'a-file'), 'x\n');
      process.chdir(dir);
      const missing = join(dir, 'a-file', 'nothing');
      const args = Array.from({ length: command.args }, () => missing);
      const options = command.requiredOptions.flatMap((o) => [o, 'x']);
      expectJsonFailure(await run(...command.path, ...args, ...options, '--json'));
    });
  }

  it('words usage errors and unknown options the same way', async () => {
    process.chdir(work);
    const failure = expectJsonFailure(await run('train', 'data.csv', '--json'));
    expect(failure).toMatchObject({ exit: 2, kind: 'UsageError' });
    expect(failure['error']).toMatch(/required option '--target <column>' not specified/);
    expect(expectJsonFailure(await run('status', '--jsn', '--json'))['error']).toMatch(/unknown option '--jsn'/);
    expect(expectJsonFailure(await run('train', join(work, 'nope.csv'), '--target', 'y', '--json'))).toEqual({
      error: `file not found: ${join(work, 'nope.csv')}`,
      hint: 'check the path (relative paths are from the current folder)',
      exit: 1,
      kind: 'InputError',
    });
  });

  it('carries what was done before the failure (ingest: the tables) in the same line', async () => {
    const root = join(work, 'lab');
    expect(await run('init', root)).toBe(0);
    process.chdir(root);
    const fixtures = resolve(import.meta.dirname, '../../test/fixtures/ingest');
    copyFileSync(join(fixtures, 'truncated.parquet'), join(root, 'truncated.parquet'));
    copyFileSync(join(fixtures, 'customers.csv'), join(root, 'customers.csv'));
    expect(await run('source', 'add', 'broken', 'truncated.parquet')).toBe(0);
    expect(await run('source', 'add', 'good', 'customers.csv')).toBe(0);
    const failure = expectJsonFailure(await run('ingest', '--json'));
    expect(failure['error']).toMatch(/^cannot read .*truncated\.parquet/);
    expect(failure['result']).toMatchObject({ tables: [{ source: 'broken', status: 'failed' }, { source: 'good', status: 'new', rows: 5 }] });
    // without --json: the plain line on stderr, as before
    expect(await run('ingest')).toBe(1);
    expect(err.trim().split('\n').at(-1)).toMatch(/^autolab: cannot read .*truncated\.parquet/);
  });
});
