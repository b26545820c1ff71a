import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labBackends } from '../../app/lab-backends.testutil.js';
import { captureOutput, err, out, run } from './cli.testutil.js';
import { parseWeights } from './models.js';
import { labWithModel } from './models.testutil.js';

captureOutput();

const work = mkdtempSync(join(tmpdir(), 'autolab-models-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('parseWeights', () => {
  it('reads SLOT=PERCENT pairs and gives the other slot the rest', () => {
    expect(parseWeights('blue=90,green=10')).toEqual({ blue: 90, green: 10 });
    expect(parseWeights('green=25')).toEqual({ blue: 75, green: 25 });
    expect(() => parseWeights('blue=ninety')).toThrow(/'blue=ninety' is not SLOT=PERCENT/);
    expect(() => parseWeights('')).toThrow(/name no slot/);
  });
});

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`autolab models, approve and deploy on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('lists, approves, promotes and deploys a version, with one-line errors', async () => {
      const root = join(work, backend.name);
      await labWithModel(root, await backend.fresh());
      process.chdir(root);

      expect(await run('models', 'list')).toBe(0);
      expect(out).toMatch(/version\s+stage\s+metric\s+out of sample \[95 %\]/);
      expect(out).toMatch(/\n\s+1\s+none\s+auc\s+0\.\d+ \[0\.\d+, (0\.\d+|1)\]/);
      expect(await run('status')).toBe(0);
      expect(out).toContain('waits on you: a newly registered model waits for approval: autolab models list churn, then autolab approve VERSION --project churn');

      expect(await run('models', 'promote', '1', '--to', 'production')).toBe(1);
      expect(err).toBe('autolab: model version 1 of churn is not approved — approve it first: autolab approve 1 --project churn\n');
      expect(await run('models', 'promote', 'one', '--to', 'production')).toBe(2);
      expect(err).toMatch(/^autolab: model version 'one' is not a positive whole number/);
      expect(await run('approve', '3')).toBe(1);
      expect(err).toMatch(/^autolab: project churn has no model version 3 — see `autolab models list churn`/);

      expect(await run('approve', '1', '--by', 'ana', '--note', 'read the card')).toBe(0);
      expect(out).toContain('approved model version 1 of churn (by ana)');
      expect(await run('models', 'promote', '1', '--to', 'production')).toBe(0);
      expect(out).toBe('model version 1 of churn is in production\n');
      expect(await run('deploy', '1', '--slot', 'blue')).toBe(0);
      expect(out).toContain('blue: version 1, live, 100 % of traffic');
      expect(await run('deploy', 'switch')).toBe(1);
      expect(err).toMatch(/^autolab: slot green holds no model — deploy one first: autolab deploy VERSION --slot green/);
      expect(await run('deploy', 'weights', 'blue=90,green=10')).toBe(1);
      expect(await run('deploy', '1', '--slot', 'red')).toBe(2);
      expect(await run('models', 'archive', '1')).toBe(1);
      expect(err).toMatch(/takes traffic in slot blue/);

      expect(await run('deploy', '--json')).toBe(0);
      expect(JSON.parse(out)).toMatchObject({ project: 'churn', deployment: { slots: { blue: 1, green: null }, live: 'blue', weights: { blue: 100, green: 0 } } });
      expect(await run('models', 'show', '--json')).toBe(0);
      const shown = JSON.parse(out) as { versions: { stage: string; approvals: { by: string; note: string }[] }[] };
      expect(shown.versions[0]).toMatchObject({ stage: 'production', approvals: [{ by: 'ana', note: 'read the card' }] });
      expect(await run('models', 'show', '--only', '1')).toBe(0);
      expect(out).toMatch(/version 1 — production, slot blue \(live\)/);
      expect(out).toMatch(/approved by ana at .*: read the card/);
      expect(out).toMatch(/data: 300 rows of customers, snapshot customers v1/);
      expect(out).toMatch(/\n {2}features: plan [0-9a-f]{12}, \d+ steps\n/);
      expect(await run('models', 'card', '1', '--out', join(root, 'card.html'))).toBe(0);
      expect(out).toBe(`wrote the card of model version 1 of churn: ${join(root, 'card.html')} and ${join(root, 'card.json')}\n`);
      expect(JSON.parse(readFileSync(join(root, 'card.json'), 'utf8'))).toMatchObject({ project: 'churn', version: 1, stage: 'production', intendedUse: { target: 'churn' } });
      expect(await run('models', 'card', '2')).toBe(1);
      expect(err).toMatch(/^autolab: project churn has no model version 2/);
      expect(await run('models', 'export', '1', '--out', join(root, 'model.onnx'))).toBe(0);
      expect(out).toMatch(/^wrote .*model\.onnx \(\d+ KiB\): model version 1 of churn, checked with onnxruntime on 300 holdout rows/);
      expect(await run('models', 'export', '1', '--out', join(root, 'model.onnx'))).toBe(2);
      expect(err).toMatch(/model\.onnx exists already — add --force to replace it/);
      expect(await run('models', 'export', '1', '--out', join(root, 'model.onnx'), '--format', 'pmml')).toBe(2);
      expect(await run('status', '--json')).toBe(0);
      const stages = (JSON.parse(out) as { projects: { stages: { stage: string; state: string }[] }[] }).projects[0]!.stages;
      expect(Object.fromEntries(stages.map((s) => [s.stage, s.state]))).toMatchObject({ registered: 'done', approved: 'done', deployed: 'done' });
    }, 120_000);
  });
}
