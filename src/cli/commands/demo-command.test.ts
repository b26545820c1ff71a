import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const binary = fileURLToPath(new URL('../../../bin/autolab.js', import.meta.url));
const built = existsSync(fileURLToPath(new URL('../../../dist/cli/commands/run.js', import.meta.url)));
const work = mkdtempSync(join(tmpdir(), 'autolab-demo-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(!built)(`autolab demo, the README's main command${built ? '' : ' (skipped: dist/ not built — run npm run build)'}`, () => {
  it('makes a lab, ingests, explores, tags, trains, and reuses everything on a second run', async () => {
    const exec = promisify(execFile);
    const dir = join(work, 'demo');
    const first = await exec(process.execPath, [binary, 'demo', dir, '--time-limit', '4', '--json'], { cwd: work });
    const result = JSON.parse(first.stdout) as {
      ingested: { status: string; rows: number }[];
      model: { dir: string; metric: string; score: number; reused: boolean } | null;
      waitsOn: string | null;
      status: { projects: { project: string; stages: { stage: string; state: string }[] }[] };
    };
    expect(result.waitsOn).toMatch(/^model version 1 of churn waits for approval/);
    expect(result.model).toMatchObject({ metric: 'auc', reused: false });
    expect(existsSync(join(result.model!.dir, 'bundle.json'))).toBe(true);
    const stages = Object.fromEntries(result.status.projects[0]!.stages.map((s) => [s.stage, s.state]));
    expect(stages).toMatchObject({ sources: 'done', ingested: 'done', explored: 'done', tagged: 'done', trained: 'done', silver: 'done', gold: 'not needed', registered: 'done', approved: 'todo' });

    const second = await exec(process.execPath, [binary, 'demo', dir, '--json'], { cwd: work });
    const again = JSON.parse(second.stdout) as typeof result;
    expect(again.ingested.map((t) => t.status)).toEqual(['unchanged']);
    expect(again.model).toMatchObject({ reused: true });

    const predict = await exec(process.execPath, [binary, 'predict', join(dir, 'models', 'churn'), join(dir, 'data', 'customers.csv'), '--out', join(work, 'p.csv')], { cwd: work });
    expect(predict.stdout).toContain('wrote 7043 predictions');
  });
});
