import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { captureOutput, err, run } from './cli.testutil.js';

describe('autolab serve, refusals before it listens', () => {
  captureOutput();
  const dir = mkdtempSync(join(tmpdir(), 'autolab-serve-cli-'));

  it('says what to serve when nothing or two things are given', async () => {
    expect(await run('serve')).toBe(2);
    expect(err).toMatch(/^autolab: nothing to serve — give a model folder \(`autolab serve model\/`\), or run it in a lab to serve a project\n$/);
    writeFileSync(join(dir, 'deploy.json'), '{}');
    expect(await run('serve', dir, '--deployment', join(dir, 'deploy.json'))).toBe(2);
    expect(err).toMatch(/give a model folder or project, or --deployment, not both/);
  });

  it('names a bad flag value, a folder that is not a bundle and a deployment that is not valid, in one line', async () => {
    expect(await run('serve', dir, '--port', '70000')).toBe(2);
    expect(err).toMatch(/--port '70000' is too large/);
    expect(await run('serve', dir, '--workers', '0')).toBe(2);
    expect(err).toMatch(/--workers '0' is not a positive whole number/);
    for (const workers of ['1', '2']) {
      expect(await run('serve', dir, '--workers', workers, '--port', '0')).toBe(1);
      expect(err).toBe(`autolab: ${dir} is not a model bundle (no bundle.json) — pass the folder written by \`autolab train --out\`\n`);
    }
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ live: 'purple' }));
    expect(await run('serve', '--deployment', join(dir, 'bad.json'), '--workers', '2', '--port', '0')).toBe(1);
    expect(err).toMatch(/^autolab: the deployment is not valid: live: .*\n$/);
  });
});
