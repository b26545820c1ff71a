import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { JsonText, PredictionEntry } from './prediction-entry.js';
import { buildServer } from './server.js';
import { loadServedModel } from './served-model.js';
import { SlotRouter } from './slots.js';
import { listenLocally, trainTinyBundle } from './serve.testutil.js';

/**
 * Random bodies at every route: the server answers each with a 2xx, or a 4xx whose body is a JSON
 * `{ error }` — never a 5xx, never a crash.
 */
describe('the prediction server under random input', () => {
  let app: FastifyInstance;
  let base: string;
  const badEntries: string[] = [];
  const checkEntry = (entry: PredictionEntry): void => {
    const text = (entry.inputs as JsonText).text;
    let inputs: unknown;
    try {
      inputs = JSON.parse(text);
    } catch {
      inputs = undefined;
    }
    if (/[\t\n\r]/.test(text) || !Array.isArray(inputs) || inputs.length !== entry.rows) badEntries.push(text.slice(0, 200));
  };

  beforeAll(async () => {
    const model = loadServedModel(await trainTinyBundle(2));
    // a feedback sink that keeps nothing: this test checks answers only (the lab's writer is tested end to end in app/monitor-predictions.test.ts)
    // and a log that keeps what is wrong with an entry: the records it holds are a slice of the body's text when they can be
    app = buildServer({ router: new SlotRouter({ blue: model, live: 'blue' }), maxRows: 20, bodyLimit: 32 * 1024, feedback: { record: async () => {} }, log: { append: checkEntry } });
    base = await listenLocally(app);
  }, 60_000);
  afterAll(async () => app.close());

  const column = fc.constantFrom('x', 'color', 'flag', 'day', 'other', '__proto__', 'constructor');
  const value = fc.oneof(
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom('red', 'green', 'NaN', '1e999', '2024-02-30', 'true'),
    fc.array(fc.integer(), { maxLength: 3 }),
    fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
  );
  const record = fc.dictionary(column, value, { maxKeys: 6 });
  const json = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    record,
    fc.array(record, { maxLength: 25 }),
    fc.record({ dataframe_records: fc.oneof(fc.array(record, { maxLength: 4 }), value) }),
    fc.record({ dataframe_split: fc.record({ columns: fc.array(fc.oneof(column, value), { maxLength: 5 }), data: fc.array(fc.array(value, { maxLength: 5 }), { maxLength: 4 }) }, { requiredKeys: [] }) }),
    fc.record({ instances: fc.oneof(fc.array(record), fc.array(fc.array(value, { maxLength: 5 }), { maxLength: 3 }), value) }),
    fc.record({ inputs: fc.oneof(fc.array(record, { maxLength: 3 }), fc.dictionary(column, fc.oneof(fc.array(value, { maxLength: 3 }), value), { maxKeys: 5 }), value) }),
    fc.record({
      id: fc.oneof(fc.string(), fc.integer()),
      inputs: fc.oneof(
        value,
        fc.array(fc.record({ name: fc.oneof(column, value), shape: fc.oneof(fc.array(fc.integer({ min: -1, max: 4 }), { maxLength: 3 }), value), datatype: fc.string(), data: fc.oneof(fc.array(value, { maxLength: 4 }), value) }, { requiredKeys: [] }), { maxLength: 5 }),
      ),
    }, { requiredKeys: [] }),
  );
  const body = fc.oneof(
    json.map((v) => ({ type: 'application/json', text: JSON.stringify(v) })),
    fc.string({ maxLength: 200 }).map((text) => ({ type: 'application/json', text })),
    fc.string({ maxLength: 200 }).map((text) => ({ type: 'text/csv', text })),
    fc.array(fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.double().map(String)), { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }).map((rows) => ({ type: 'text/csv', text: ['x,color,flag,day', ...rows.map((r) => r.join(','))].join('\n') })),
    fc.string({ maxLength: 50 }).map((text) => ({ type: 'application/x-www-form-urlencoded', text })),
    fc.constant({ type: 'application/json', text: '[' + '{"x":1},'.repeat(5000) + '{"x":1}]' }),
  );
  const target = fc.oneof(
    fc.constantFrom('POST /predict', 'POST /invocations', 'POST /v2/models/tiny/infer', 'POST /v2/models/nope/infer', 'GET /health', 'GET /ready', 'GET /model', 'GET /metrics', 'GET /docs', 'GET /v2/models/tiny', 'GET /v2/health/ready', 'PUT /predict', 'POST /health', 'POST /feedback'),
    fc.string({ maxLength: 20 }).map((s) => `POST /${encodeURIComponent(s)}`),
  );

  it('answers every request with a 2xx, or a 4xx carrying a JSON error', async () => {
    await fc.assert(
      fc.asyncProperty(target, body, async (route, { type, text }) => {
        const [method, path] = route.split(' ') as [string, string];
        const response = await fetch(base + path, { method, headers: { 'content-type': type }, ...(method === 'GET' ? {} : { body: text }) });
        const answer = await response.text();
        expect(response.status, `${route} ${text.slice(0, 80)} → ${answer.slice(0, 200)}`).toBeLessThan(500);
        if (response.status >= 400) {
          const parsed = JSON.parse(answer) as { error?: unknown };
          expect(typeof parsed.error).toBe('string');
        }
      }),
      { numRuns: 400 },
    );
    expect(badEntries).toEqual([]);
    // and the server still scores afterwards
    const ok = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 1, color: 'red', flag: true, day: '2024-01-02' }) });
    expect(ok.status).toBe(200);
  }, 120_000);
});
