import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '../automl/index.js';
import type { ModelVersionRecord } from '../catalog/index.js';
import { isUserError } from '../common/index.js';
import { readFrame, takeRows } from '../features/index.js';
import { materializeBundle, modelMetrics, readHoldout, type HoldoutPredictions, type ModelLineage, type ModelMetrics } from '../registry/index.js';
import { serveOptionsShape, startServing, type ServingProcess } from '../serve/index.js';
import { compareEndpoint, listComparisons } from './compare-endpoint.js';
import { initLab } from './lab.js';
import { labBackends } from './lab-backends.testutil.js';
import type { Lab } from './lab-types.js';
import { listModels } from './models.js';
import { createProject } from './project.js';
import { currentGold } from './stages/gold-stage.js';
import { setTargetExpressionTag } from './target-expression.js';
import { runProject } from './run.js';
import { addSource } from './sources.js';
import { acceptTags, setTags } from './tags.js';
import { trainProject } from './train.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 300 customers; `churn` follows `usage` below 4, one row in seven against the rule. */
function customersCsv(): string {
  const lines = ['customer_id,usage,calls,plan,churn'];
  for (let i = 0; i < 300; i++) {
    const usage = ((i * 37) % 100) / 10;
    const calls = ((i * 53 + 11) % 100) / 10;
    const churns = (usage < 4) !== (i % 7 === 3);
    lines.push(`${i},${usage},${calls},${['basic', 'plus', 'pro'][i % 3]},${churns ? 'yes' : 'no'}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * A small MLflow scoring server written here, not autolab's: `/invocations` reads
 * `dataframe_split` and answers a threshold rule's labels (`usage < cut` → yes). `mangle` spoils
 * the answer for the error cases.
 */
function thresholdServer(cut: number, mangle: 'none' | 'one-short' | 'not-json' | 'hang' = 'none'): Promise<{ url: string; server: Server; requests: number[] }> {
  const requests: number[] = [];
  const server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    request.on('end', () => {
      if (request.url !== '/invocations' || request.method !== 'POST') {
        response.writeHead(404).end();
        return;
      }
      const body = JSON.parse(text) as { dataframe_split: { columns: string[]; data: unknown[][] } };
      const at = body.dataframe_split.columns.indexOf('usage');
      const labels = body.dataframe_split.data.map((row) => ((row[at] as number) < cut ? 'yes' : 'no'));
      requests.push(labels.length);
      if (mangle === 'hang') return;
      if (mangle === 'not-json') return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html>gateway says hello</html>');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ predictions: mangle === 'one-short' ? labels.slice(1) : labels }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, requests })));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function failure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(isUserError(error)).toBe(true);
  const message = (error as Error).message;
  expect(message).not.toContain('\n');
  return message;
}

/** What a bundle predicts itself for a version's holdout rows, scored by the registry: the figure an endpoint serving it must tie. */
async function ownFigures(lab: Lab, bundle: ModelVersionRecord, of: ModelVersionRecord): Promise<ModelMetrics> {
  const ofDir = await materializeBundle(lab, of);
  const holdout = readHoldout(ofDir)!;
  const manifest = loadBundle(ofDir).model.manifest;
  const lineage = of.lineage as unknown as ModelLineage;
  const frame = await readFrame(await lab.store.localPathFor(lineage.silverLakeKey!), { textColumns: ['churn'], workDir: lab.workDir });
  const predicted = loadBundle(await materializeBundle(lab, bundle)).model.predictFrame(takeRows(frame, holdout.rows));
  return modelMetrics(manifest, { ...holdout, predictions: Array.from(predicted.probabilities!) });
}

for (const backend of labBackends) {
  describe.skipIf(backend.skip)(`autolab compare on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ''}: any endpoint scored on a version holdout`, () => {
    let lab: Lab;
    let v1: ModelVersionRecord;
    let v2: ModelVersionRecord;
    let holdout: HoldoutPredictions;
    let usage: Float64Array;
    const servers: ServingProcess[] = [];

    beforeAll(async () => {
      await backend.start();
      const root = join(dir, backend.name);
      lab = await initLab(root, { ...(await backend.fresh()), project: 'churn' });
      const data = join(root, 'customers.csv');
      writeFileSync(data, customersCsv());
      await addSource(lab, 'churn', 'customers', data, { cwd: root });
      const project = (await lab.catalog.getProject('churn'))!;
      await runProject(lab, project, { trials: 1 });
      await acceptTags(lab.catalog, project, 0.9);
      await setTags(lab.catalog, project, 'customers.churn', ['role=target']);
      await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
      v1 = (await runProject(lab, project, { trials: 1 })).model!;
      // another bundle: trained again with another seed and budget (a larger one: refitted on all
      // rows, the same booster with another seed is the same model)
      await trainProject(lab, project, { trials: 5, seed: 7, force: true });
      v2 = (await listModels(lab, 'churn')).versions.at(-1)!;
      holdout = readHoldout(await materializeBundle(lab, v1))!;
      const frame = await readFrame(await lab.store.localPathFor((v1.lineage as unknown as ModelLineage).silverLakeKey!), { textColumns: ['churn'], workDir: lab.workDir });
      const column = frame.columns.find((c) => c.name === 'usage')!;
      usage = Float64Array.from(holdout.rows, (r) => column.values[r] as number);
    }, 120_000);

    afterAll(async () => {
      for (const s of servers) await s.close();
      await lab.close();
      await backend.stop();
    });

    async function serveBundle(model: ModelVersionRecord): Promise<string> {
      const serving = await startServing(serveOptionsShape.parse({ modelDir: await materializeBundle(lab, model), port: 0, host: '127.0.0.1', workers: 1 }));
      servers.push(serving);
      return `http://127.0.0.1:${serving.port}`;
    }

    it('a second autolab server on the same bundle ties the bundle own figures exactly, in each of the three protocols', async () => {
      expect(v2.version).toBe(2);
      const own = await ownFigures(lab, v1, v1);
      for (const [path, format] of [['/predict', 'json'], ['/invocations', 'mlflow'], [`/v2/models/${v1.bundleHash}/infer`, 'kserve']] as const) {
        const served = await serveBundle(v1);
        const done = await compareEndpoint(lab, 'churn', { endpoint: `${served}${path}`, batch: 64, version: 1 });
        expect(done.format).toBe(format);
        expect(done.answered).toBe('probabilities');
        // the same rows, the same draws, the same answers: every value and bound to the last bit
        expect(done.metrics.values).toEqual(own.values);
        expect(done.metrics.evaluation).toEqual(own.evaluation);
        expect(done.latency.requests).toBe(Math.ceil(holdout.rows.length / 64));
        expect(done.latency.p99Ms).toBeGreaterThanOrEqual(done.latency.p50Ms);
        expect(done.latency.rowsPerSecond).toBeGreaterThan(0);
      }
    });

    it('another bundle behind the endpoint: its own predictions of version 1 holdout, not version 1 figures', async () => {
      const served = await serveBundle(v2);
      const done = await compareEndpoint(lab, 'churn', { endpoint: `${served}/invocations`, version: 1, costPer1000: 0.25 });
      const own = await ownFigures(lab, v2, v1);
      expect(done.metrics.values).toEqual(own.values);
      // and not version 1's own (out-of-fold) figures, nor what version 1's bundle says of those rows
      expect(done.metrics.values.auc).not.toEqual((v1.metrics as unknown as ModelMetrics).values.auc);
      expect(done.metrics.values.logloss).not.toEqual((await ownFigures(lab, v1, v1)).values.logloss);
      expect(done.costPer1000).toBe(0.25);
      expect(done.version).toBe(1);
    });

    it('an MLflow-protocol server with a threshold rule: accuracy and AUC recomputed by hand on the holdout', async () => {
      const { url, server, requests } = await thresholdServer(4);
      try {
        const done = await compareEndpoint(lab, 'churn', { endpoint: `${url}/invocations`, batch: 50 });
        expect(done.answered).toBe('labels');
        expect(requests).toEqual(Array.from({ length: Math.ceil(holdout.rows.length / 50) }, (_, i) => Math.min(50, holdout.rows.length - i * 50)));
        // by hand: the rule's labels against the truth (classes sorted: no = 0, yes = 1)
        const yes = holdout.classes.indexOf('yes');
        let right = 0;
        let tp = 0;
        let tn = 0;
        let positives = 0;
        holdout.y.forEach((truth, i) => {
          const said = usage[i]! < 4 ? yes : 1 - yes;
          if (said === truth) right++;
          if (truth === 1) positives++;
          if (truth === 1 && said === 1) tp++;
          if (truth === 0 && said === 0) tn++;
        });
        const n = holdout.y.length;
        expect(done.metrics.values.accuracy!.value).toBeCloseTo(right / n, 12);
        // hard labels as scores: AUC is the mean of sensitivity and specificity
        expect(done.metrics.values.auc!.value).toBeCloseTo((tp / positives + tn / (n - positives)) / 2, 12);
        expect(done.metrics.values.auc!.low).toBeLessThan(done.metrics.values.auc!.value);
        // the gain over the version compared with (the newest, 2) is in AUC's direction
        const v2Auc = (v2.metrics as unknown as ModelMetrics).values.auc!.value;
        expect(done.gain.value).toBeCloseTo(done.metrics.values.auc!.value - v2Auc, 12);
        expect(done.gain.low).toBeLessThanOrEqual(done.gain.value);
        // one row in seven goes against the rule
        expect(right / n).toBeGreaterThan(0.75);
        expect(right / n).toBeLessThan(0.95);
      } finally {
        await close(server);
      }
    });

    it('a model learned from gold is sent its gold rows (the features its schema reads), and ties the bundle own figures', async () => {
      const project = await createProject(lab, 'busy');
      await addSource(lab, 'busy', 'customers', join(lab.root, 'customers.csv'), { cwd: lab.root });
      await runProject(lab, project, { trials: 1 });
      await acceptTags(lab.catalog, project, 0.9);
      await setTags(lab.catalog, project, 'customers.customer_id', ['role=id']);
      await setTargetExpressionTag(lab, project, 'customers.busy', 'calls > 5');
      const model = (await runProject(lab, project, { trials: 1 })).model!;
      const gold = await currentGold(lab, project);
      if (!gold.applies || !gold.table) throw new Error('project busy learned without gold');
      const dir = await materializeBundle(lab, model);
      const bundle = loadBundle(dir).model;
      const goldHoldout = readHoldout(dir)!;
      const frame = await readFrame(await lab.store.localPathFor(gold.table.lakeKey), { textColumns: [bundle.manifest.target], workDir: lab.workDir });
      const own = modelMetrics(bundle.manifest, { ...goldHoldout, predictions: Array.from(bundle.predictFrame(takeRows(frame, goldHoldout.rows)).probabilities!) });
      const served = await serveBundle(model);
      const done = await compareEndpoint(lab, 'busy', { endpoint: `${served}/predict` });
      expect(done.metrics.values).toEqual(own.values);
      expect(done.metrics.target).toBe(bundle.manifest.target);
    });

    it('keeps every comparison in the log, and models list shows them beside the versions', async () => {
      const comparisons = await listComparisons(lab, 'churn');
      expect(comparisons.length).toBeGreaterThanOrEqual(5);
      // the threshold rule's, compared without --version: no production version, so the newest
      expect(comparisons.at(-1)).toMatchObject({ format: 'mlflow', answered: 'labels', version: 2 });
      const listed = await listModels(lab, 'churn');
      expect(listed.comparisons.map((c) => c.endpoint)).toEqual(comparisons.map((c) => c.endpoint));
    });

    it('refused, timed out, short, unreadable answers and bad URLs are one line naming the URL without its password', async () => {
      const closed = await thresholdServer(4);
      const closedUrl = closed.url;
      await close(closed.server);
      expect(await failure(compareEndpoint(lab, 'churn', { endpoint: `http://someone:hunter2@${closedUrl.slice(7)}/invocations` }))).toMatch(
        new RegExp(`^endpoint http://someone:\\*\\*\\*@${closedUrl.slice(7).replace(/\./g, '\\.')}/invocations could not be reached \\(ECONNREFUSED\\)`),
      );
      const short = await thresholdServer(4, 'one-short');
      const junk = await thresholdServer(4, 'not-json');
      const hang = await thresholdServer(4, 'hang');
      try {
        expect(await failure(compareEndpoint(lab, 'churn', { endpoint: `${short.url}/invocations`, batch: 40 }))).toMatch(/^endpoint http:\/\/127\.0\.0\.1:\d+\/invocations's answer to rows 1–40 is not MLflow's: it answered 39 predictions for 40 rows — check that the endpoint speaks mlflow and predicts churn \(binary\)$/);
        expect(await failure(compareEndpoint(lab, 'churn', { endpoint: `${junk.url}/invocations` }))).toMatch(/answered a body that is not JSON: <html>gateway says hello/);
        expect(await failure(compareEndpoint(lab, 'churn', { endpoint: `${hang.url}/invocations`, timeoutMs: 300 }))).toMatch(/did not answer within 0.3 s/);
        expect(await failure(compareEndpoint(lab, 'churn', { endpoint: `${short.url}/elsewhere` }))).toMatch(/answered 404/);
        const password = await failure(compareEndpoint(lab, 'churn', { endpoint: `${junk.url.replace('//', '//me:s3cret@')}/invocations` }));
        expect(password).toContain('//me:***@');
        expect(password).not.toContain('s3cret');
      } finally {
        for (const s of [short, junk, hang]) await close(s.server);
      }
      expect(await failure(compareEndpoint(lab, 'churn', { endpoint: 'ftp://example.com/model' }))).toMatch(/not an http\(s\) URL/);
    });
  });
}
