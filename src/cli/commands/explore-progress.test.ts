/**
 * Exploration's progress on stderr: a live line per table and per profiling step on a terminal
 * (`explore` and `run`), plain lines elsewhere, nothing with --json.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMERS_SQL, makeExploreLab, ORDERS_SQL, type ExploreLab } from '../../app/explore.testutil.js';
import { captureOutput, err, run } from './cli.testutil.js';

captureOutput();

const startDir = process.cwd();
let env: ExploreLab;
const work = mkdtempSync(join(tmpdir(), 'autolab-explore-progress-'));

beforeAll(async () => {
  env = await makeExploreLab();
  await env.addSnapshot('customers', CUSTOMERS_SQL());
  await env.addSnapshot('orders', ORDERS_SQL);
});
afterAll(async () => {
  process.chdir(startDir);
  await env.cleanup();
  rmSync(work, { recursive: true, force: true });
});

/** stderr as a terminal of 160 columns, or not one */
function terminal(tty: boolean): void {
  Object.defineProperty(process.stderr, 'isTTY', { value: tty, configurable: true });
  Object.defineProperty(process.stderr, 'columns', { value: 160, configurable: true });
}
afterEach(() => {
  Object.defineProperty(process.stderr, 'isTTY', { value: undefined, configurable: true });
});

describe('exploration progress', () => {
  it('shows each table and each profiling step on a terminal, and nothing with --json', async () => {
    process.chdir(env.lab.root);
    terminal(true);
    expect(await run('explore')).toBe(0);
    expect(err).toContain('\r');
    expect(err).toMatch(/\[\d+\.\ds\] profiling customers \([12]\/2\)…/);
    for (const step of ['schema', 'sample', 'aggregates', 'histograms']) expect(err).toMatch(new RegExp(`profiling customers \\([12]/2\\): ${step} done in \\d+\\.\\d s \\(\\d+ steps, \\d+\\.\\d s\\)`));
    expect(err).toMatch(/profiled customers \([12]\/2\) in \d+\.\d s +\n/);
    expect(err).toMatch(/profiled orders \([12]\/2\) in \d+\.\d s +\n/);
    expect(err).toContain('looking for relationships across the tables…');
    expect(err.endsWith('\n')).toBe(true);

    await env.addSnapshot('customers', CUSTOMERS_SQL(1));
    expect(await run('explore', '--json')).toBe(0);
    expect(err).toBe('');

    // not a terminal: a plain line per table, no live line
    terminal(false);
    await env.addSnapshot('customers', CUSTOMERS_SQL(2));
    expect(await run('explore')).toBe(0);
    expect(err).toMatch(/^profiling customers…\nprofiled customers in \d+\.\d s\n$/);
  });

  it('shows them during `autolab run` too', async () => {
    const root = join(work, 'lab');
    expect(await run('init', root)).toBe(0);
    process.chdir(root);
    copyFileSync(resolve(import.meta.dirname, '../../../test/fixtures/ingest/customers.csv'), join(root, 'customers.csv'));
    expect(await run('source', 'add', 'customers', 'customers.csv')).toBe(0);
    terminal(true);
    expect(await run('run')).toBe(0);
    expect(err).toMatch(/profiling customers \(1\/1\): aggregates done in \d+\.\d s/);
    expect(err).toMatch(/profiled customers \(1\/1\) in \d+\.\d s/);
    expect(err).toContain('writing the HTML report…');
  });
});
