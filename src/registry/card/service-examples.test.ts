import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel, type AutoModel } from '../../automl/index.js';
import { frameFromRows, type Frame } from '../../features/index.js';
import { buildServer, loadServedModel, SlotRouter } from '../../serve/index.js';
import { listenLocally, tinyRows } from '../../serve/serve.testutil.js';
import type { HoldoutPredictions } from '../holdout.js';
import { serviceExamples } from './service-examples.js';

const run = promisify(execFile);

interface Answer {
  prediction: string;
  probabilities: Record<string, number>;
}

describe('the model card\'s "how to call the service" examples, run against a server on the bundle', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  let model: AutoModel;
  let frame: Frame;
  let holdout: HoldoutPredictions;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'autolab-card-service-'));
    // a quote in a category: the curl command's shell quoting has to hold
    const rows = tinyRows(300, 5).map((r) => ({ ...r, color: r['color'] === 'red' ? "o'red" : r['color'] }));
    frame = frameFromRows(rows);
    const trained = await trainModel(frame, { target: 'label', trials: 2, seed: 5, out: join(dir, 'bundle'), threads: 1 });
    model = trained.model;
    const { outOfFold } = trained;
    // the example row should be one the quote reaches
    const quoted = Array.from(outOfFold.rows).filter((r) => rows[r]!['color'] === "o'red");
    holdout = { kind: outOfFold.kind, rows: [...quoted, ...outOfFold.rows], y: Array.from(outOfFold.y), predictions: Array.from(outOfFold.predictions), classes: model.classes };
    app = buildServer({ router: new SlotRouter({ blue: loadServedModel(join(dir, 'bundle')), live: 'blue' }) });
    base = await listenLocally(app);
  }, 120_000);

  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the record is a held-out row of the training table, in the types a request takes', () => {
    const examples = serviceExamples(model.manifest, frame, holdout, base);
    expect(examples.recordFrom).toBe('holdout');
    const row = holdout.rows[0]!;
    expect(examples.record).toEqual({
      x: (frame.columns.find((c) => c.name === 'x')!.values as Float64Array)[row],
      color: "o'red",
      flag: (frame.columns.find((c) => c.name === 'flag')!.values as Float64Array)[row] === 1,
      day: new Date((frame.columns.find((c) => c.name === 'day')!.values as Float64Array)[row]!).toISOString(),
    });
  });

  for (const source of ['holdout', 'schema'] as const) {
    it(`the curl command and the TypeScript snippet both get 200 and the model's prediction (record from the ${source})`, async () => {
      const examples = source === 'holdout' ? serviceExamples(model.manifest, frame, holdout, base) : serviceExamples(model.manifest, null, null, base);
      expect(examples.recordFrom).toBe(source);
      const expected = model.predict([{ ...examples.record, day: new Date(examples.record['day'] as string) }])[0]!;

      // curl as a person would paste it into a shell; --fail-with-body makes any 4xx/5xx a failure
      const curl = await run('sh', ['-c', examples.curl]);
      const curlAnswer = (JSON.parse(curl.stdout) as { predictions: Answer[] }).predictions[0]!;
      expect(curlAnswer.prediction).toBe(expected.prediction);
      expect(curlAnswer.probabilities['yes']).toBeCloseTo(expected.probabilities!['yes']!, 12);

      // the TypeScript snippet, transpiled as it stands (syntax errors reported), then run by Node as a module
      const checked = ts.transpileModule(examples.typescript, { reportDiagnostics: true, compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, strict: true } });
      expect(checked.diagnostics ?? []).toEqual([]);
      const node = await run(process.execPath, ['--input-type=module', '-e', checked.outputText]);
      const tsAnswer = JSON.parse(node.stdout) as Answer;
      expect(tsAnswer.prediction).toBe(expected.prediction);
      expect(tsAnswer.probabilities['yes']).toBeCloseTo(expected.probabilities!['yes']!, 12);
    }, 30_000);
  }
});
