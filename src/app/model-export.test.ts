import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../automl/index.js';
import { frameFromRows } from '../features/index.js';
import { bundleDirFor } from '../registry/index.js';
import { initLab } from './lab.js';
import { labBackends } from './lab-backends.testutil.js';
import { exportModelVersion } from './model-export.js';
import { runProject } from './run.js';
import { addSource } from './sources.js';
import { acceptTags, setTags } from './tags.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 300 customers: numbers, a category, a date; `churn` follows usage and plan. */
function customersCsv(): string {
  const lines = ['customer_id,usage,plan,signup,churn'];
  for (let i = 0; i < 300; i++) {
    const usage = ((i * 37) % 100) / 10;
    const plan = ['basic', 'plus', 'pro'][i % 3]!;
    const day = String(1 + (i % 28)).padStart(2, '0');
    const churns = (usage < 4 || plan === 'basic') !== (i % 11 === 5);
    lines.push(`${i},${i % 17 === 0 ? '' : usage},${plan},2024-03-${day},${churns ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`ONNX export of a registered version on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('names the step it cannot express, then exports a graph onnxruntime scores like the bundle', async () => {
      const root = join(dir, backend.name);
      const lab = await initLab(root, { ...(await backend.fresh()), project: 'churn' });
      try {
        writeFileSync(join(root, 'customers.csv'), customersCsv());
        await addSource(lab, 'churn', 'customers', join(root, 'customers.csv'), { cwd: root });
        const project = (await lab.catalog.getProject('churn'))!;
        await runProject(lab, project, { trials: 2 });
        await acceptTags(lab.catalog, project, 0.9);
        await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
        await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
        expect((await runProject(lab, project, { trials: 2 })).model?.version).toBe(1);
        const out = join(root, 'model.onnx');
        await expect(exportModelVersion(lab, 'churn', 1, { out })).rejects.toThrow(/^the datetime step of column 'signup' cannot be expressed in ONNX/);
        expect(existsSync(out)).toBe(false);

        await setTags(lab.catalog, project, 'customers.signup', ['role=ignore']);
        expect((await runProject(lab, project, { trials: 2 })).model?.version).toBe(2);
        const exported = await exportModelVersion(lab, 'churn', 2, { out });
        expect(exported).toMatchObject({ version: 2, path: out, checkedRows: 300 });
        expect(exported.maxDifference).toBeLessThan(1e-4);
        await expect(exportModelVersion(lab, 'churn', 2, { out })).rejects.toThrow(/exists already/);

        // the file on its own: new rows, raw categories, a missing number and an unseen plan
        const rows = [
          { usage: 1.5, plan: 'pro' },
          { usage: 9.5, plan: 'plus' },
          { usage: 8, plan: 'basic' },
          { usage: Number.NaN, plan: 'gold' },
        ];
        const session = await ort.InferenceSession.create(readFileSync(out));
        try {
          expect(session.inputNames).toEqual(['usage', 'plan']);
          const result = await session.run({
            usage: new ort.Tensor('float64', Float64Array.from(rows, (r) => r.usage), [4, 1]),
            plan: new ort.Tensor('string', rows.map((r) => r.plan), [4, 1]),
          });
          const bundle = loadBundle(await bundleDirFor(lab, 'churn', 2)).model;
          const ours = bundle.predictFrame(frameFromRows(rows.map((r) => ({ usage: Number.isNaN(r.usage) ? null : r.usage, plan: r.plan }))));
          expect(Array.from(result['label']!.data as string[])).toEqual(ours.prediction);
          const probabilities = result['probabilities']!.data as Float32Array;
          ours.probabilities!.forEach((p, i) => expect(probabilities[i]).toBeCloseTo(p, 5));
          expect(ours.prediction.slice(0, 3)).toEqual(['yes', 'no', 'yes']);
        } finally {
          await session.release();
        }
        const [logged] = await lab.catalog.listActions({ project: 'churn', kind: 'model.export' });
        expect(logged?.detail).toMatchObject({ version: 2, format: 'onnx', path: out, checkedRows: 300 });
      } finally {
        await lab.close();
      }
    }, 240_000);
  });
}
