import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../automl/index.js';
import { readFrame, textColumnsOf } from '../features/index.js';
import { openDuckEngine, queryRows } from '../lake/index.js';
import { bundleDirFor } from '../registry/index.js';
import { predictProject } from './batch-predictions.js';
import { exportTable } from './export.js';
import { initLab } from './lab.js';
import { labBackends } from './lab-backends.testutil.js';
import { approveModel, promoteModel } from './models.js';
import { runProject } from './run.js';
import { addSource } from './sources.js';
import { currentGold } from './stages/gold-stage.js';
import { acceptTags, setTags } from './tags.js';
import { setTargetExpressionTag } from './target-expression.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-batch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Customers `from` … `to - 1`; churn follows usage, one row in seven against the rule. */
function customerLines(from: number, to: number): string[] {
  const lines: string[] = [];
  for (let i = from; i < to; i++) {
    const usage = ((i * 37) % 100) / 10;
    const calls = ((i * 53 + 11) % 100) / 10;
    const churns = (usage < 4) !== (i % 7 === 3);
    lines.push(`c${i},${usage},${calls},${['basic', 'plus', 'pro'][i % 3]},${churns ? 'yes' : 'no'}`);
  }
  return lines;
}
const HEADER = 'customer_id,usage,calls,plan,churn';

/** A CSV file as records of text, header first. */
function csvRecords(path: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(path, 'utf8').trimEnd().split('\n');
  const names = header!.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i]!, v])));
}

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`batch scoring into gold on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('writes the production version\'s predictions for every row as gold.TABLE_predictions, once per version and snapshot, exportable', async () => {
      const root = join(dir, backend.name);
      const data = join(root, 'customers.csv');
      const lab = await initLab(root, { ...(await backend.fresh()), project: 'churn' });
      try {
        writeFileSync(data, [HEADER, ...customerLines(0, 400)].join('\n') + '\n');
        await addSource(lab, 'churn', 'customers', data, { cwd: root });
        const project = (await lab.catalog.getProject('churn'))!;
        await runProject(lab, project, { trials: 1 });
        await acceptTags(lab.catalog, project, 0.9);
        await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
        await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
        expect((await runProject(lab, project, { trials: 1 })).waitsOn).toMatch(/waits for approval/);
        // nothing in production: the project form says what to do
        await expect(predictProject(lab, project)).rejects.toThrow(/project churn has no model in production to score with/);
        expect(await lab.catalog.listActions({ project: 'churn', kind: 'gold.predictions' })).toHaveLength(0);

        await approveModel(lab, 'churn', 1, { by: 'ana' });
        await promoteModel(lab, 'churn', 1, 'production');
        // the reconciler puts the production version live (no slot holds it yet), then scores with it
        const run = await runProject(lab, project, { trials: 1 });
        expect(run.stale.map((s) => s.stage)).toEqual(['model.rollout', 'gold.predictions']);
        const [scoring] = await lab.catalog.listActions({ project: 'churn', kind: 'gold.predictions', status: 'done' });
        expect(scoring?.detail).toMatchObject({ table: 'customers', name: 'customers_predictions', version: 1, rows: 400, ids: ['customer_id'] });
        // a rerun with nothing changed does nothing, by the reconciler or by the command
        expect((await runProject(lab, project, { trials: 1 })).ran).toBe(0);
        const again = await predictProject(lab, project);
        expect(again).toMatchObject({ scored: false, version: 1, rows: 400, name: 'customers_predictions' });
        expect(await lab.catalog.listActions({ project: 'churn', kind: 'gold.predictions' })).toHaveLength(1);

        // rows in = rows out, exported like any gold table; each row's prediction is the bundle's for that customer
        const out = join(root, 'predictions.csv');
        expect(await exportTable(lab, project, 'gold.customers_predictions', out)).toMatchObject({ layer: 'gold', table: 'customers_predictions', rows: 400 });
        const exported = csvRecords(out);
        expect(Object.keys(exported[0]!)).toEqual(['customer_id', 'prediction', 'proba_no', 'proba_yes', 'model_version', 'scored_at']);
        expect(exported.map((r) => r['customer_id'])).toEqual(customerLines(0, 400).map((l) => l.split(',')[0]));
        const { model } = loadBundle(await bundleDirFor(lab, 'churn', 1));
        const sources = csvRecords(data);
        const picked = [0, 3, 57, 211, 399];
        const expected = model.predict(picked.map((i) => sources[i]!));
        for (const [n, i] of picked.entries()) {
          expect(exported[i]!.prediction).toBe(expected[n]!.prediction);
          expect(Number(exported[i]!['proba_yes'])).toBeCloseTo(expected[n]!.probabilities!['yes']!, 9);
        }
        expect(new Set(exported.map((r) => r['model_version']))).toEqual(new Set(['1']));
        for (const r of exported) expect(Number(r['proba_no']) + Number(r['proba_yes'])).toBeCloseTo(1, 9);

        // a newer snapshot: the run retrains and waits on the new version, and the production one scores the new rows when asked
        appendFileSync(data, customerLines(400, 450).join('\n') + '\n');
        expect((await runProject(lab, project, { trials: 1 })).waitsOn).toMatch(/model version 2 of churn waits for approval/);
        const newer = await predictProject(lab, project, { version: 1 });
        expect(newer).toMatchObject({ scored: true, version: 1, rows: 450 });
        expect(await exportTable(lab, project, 'gold.customers_predictions', join(root, 'newer.parquet'))).toMatchObject({ rows: 450 });
        await expect(predictProject(lab, project, { version: 9 })).rejects.toThrow(/project churn has no model version 9/);
      } finally {
        await lab.close();
      }
    }, 240_000);
  });
}

describe('batch scoring of a model trained on gold', () => {
  it('computes the bundle\'s features for the silver rows as the gold table had them, and scores them alike', async () => {
    const root = join(dir, 'gold');
    const data = join(root, 'customers.csv');
    const lab = await initLab(root, { project: 'churn' });
    try {
      writeFileSync(data, [HEADER, ...customerLines(0, 300)].join('\n') + '\n');
      await addSource(lab, 'churn', 'customers', data, { cwd: root });
      const project = (await lab.catalog.getProject('churn'))!;
      await runProject(lab, project, { trials: 1 });
      await acceptTags(lab.catalog, project, 0.9);
      await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
      await setTargetExpressionTag(lab, project, 'customers.busy', 'calls > 5');
      await runProject(lab, project, { trials: 1 });
      const gold = await currentGold(lab, project);
      if (!gold.applies || !gold.table) throw new Error('the gold table was not built');
      // any registered version scores, approved or not
      const done = await predictProject(lab, project, { version: 1 });
      expect(done).toMatchObject({ scored: true, rows: 300, name: 'customers_predictions' });

      // the training's gold table (built with the label by the gold stage) scored by the same bundle
      const { model } = loadBundle(await bundleDirFor(lab, 'churn', 1));
      expect(model.manifest.gold).toBeDefined();
      const trainingRows = await readFrame(await lab.store.localPathFor(gold.table.lakeKey), { textColumns: textColumnsOf(model.manifest.pipeline) });
      const expected = model.predictFrame(trainingRows);
      const engine = await openDuckEngine(lab.workDir);
      try {
        const rows = (await queryRows(engine.conn, 'SELECT customer_id, prediction, proba_true FROM read_parquet($p)', { p: await lab.store.localPathFor(done.lakeKey) })) as [string, string, number][];
        expect(rows.map((r) => r[0])).toEqual(customerLines(0, 300).map((l) => l.split(',')[0]));
        expect(rows.map((r) => r[1])).toEqual(expected.prediction.map(String));
        const k = expected.classes.length;
        const yes = expected.classes.indexOf('true');
        rows.forEach((r, i) => expect(r[2]).toBeCloseTo(expected.probabilities![i * k + yes]!, 12));
      } finally {
        engine.close();
      }
    } finally {
      await lab.close();
    }
  }, 120_000);
});
