import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { JsonText, PredictionEntry } from './prediction-entry.js';
import { buildServer } from './server.js';
import { loadServedModel, type ServedModel } from './served-model.js';
import { SlotRouter } from './slots.js';
import { listenLocally, postJson, tinyRows, trainTinyBundle } from './serve.testutil.js';

interface PredictAnswer {
  predictions: { prediction: string; probabilities: Record<string, number> }[];
  model: { name: string; version: string; slot: string };
  warnings: string[];
}

describe('the prediction server', () => {
  let app: FastifyInstance;
  let base: string;
  let model: ServedModel;
  const records = tinyRows(5, 9).map((r) => ({ x: r['x'] as number, color: r['color'] as string, flag: r['flag'] as boolean, day: (r['day'] as Date).toISOString() }));

  beforeAll(async () => {
    model = loadServedModel(await trainTinyBundle());
    app = buildServer({ router: new SlotRouter({ blue: model, live: 'blue' }), maxRows: 50, bodyLimit: 64 * 1024 });
    base = await listenLocally(app);
  }, 60_000);
  afterAll(async () => app.close());

  it('scores records on /predict with the probabilities batch scoring gives', async () => {
    const { status, body } = await postJson(`${base}/predict`, records);
    expect(status).toBe(200);
    const answer = body as PredictAnswer;
    const expected = model.model.predict(records.map((r) => ({ ...r, day: new Date(r.day) })));
    expect(answer.predictions.map((p) => p.prediction)).toEqual(expected.map((p) => p.prediction));
    answer.predictions.forEach((p, i) => {
      expect(p.probabilities['yes']).toBeCloseTo(expected[i]!.probabilities!['yes']!, 12);
      expect(p.probabilities['yes']! + p.probabilities['no']!).toBeCloseTo(1, 12);
    });
    expect(answer.model).toEqual({ name: 'tiny', version: model.version, slot: 'blue' });
    expect(answer.warnings).toEqual([]);
  });

  it("reads every MLflow scoring format and the inference protocol's tensors alike", async () => {
    const names = model.schema.map((c) => c.name);
    const labels = ((await postJson(`${base}/predict`, records)).body as PredictAnswer).predictions.map((p) => p.prediction);
    const bodies = [
      { dataframe_records: records },
      { dataframe_split: { columns: names, data: records.map((r) => names.map((n) => (r as Record<string, unknown>)[n])) } },
      { instances: records },
      { inputs: records },
      { inputs: Object.fromEntries(names.map((n) => [n, records.map((r) => (r as Record<string, unknown>)[n])])) },
    ];
    for (const body of bodies) {
      const answer = await postJson(`${base}/invocations`, body);
      expect(answer.status, JSON.stringify(body).slice(0, 40)).toBe(200);
      expect((answer.body as { predictions: string[] }).predictions).toEqual(labels);
    }
    const v2 = await postJson(`${base}/v2/models/tiny/infer`, {
      id: 'r1',
      inputs: names.map((n) => ({ name: n, shape: [records.length], datatype: 'BYTES', data: records.map((r) => (r as Record<string, unknown>)[n]) })),
    });
    expect(v2.status).toBe(200);
    const outputs = (v2.body as { id: string; outputs: { name: string; shape: number[]; data: unknown[] }[] });
    expect(outputs.id).toBe('r1');
    expect(outputs.outputs[0]!.data).toEqual(labels);
    expect(outputs.outputs[1]!.shape).toEqual([records.length, 2]);
  });

  it("logs every format's records as sent, and the scores as answered", async () => {
    const logged: PredictionEntry[] = [];
    const logging = buildServer({ router: new SlotRouter({ blue: model, live: 'blue' }), log: { append: (e) => logged.push(e) } });
    const names = model.schema.map((c) => c.name);
    const bodies = [
      JSON.stringify(records),
      JSON.stringify({ records }, null, 2),
      JSON.stringify({ records, explain: false }),
      JSON.stringify(records[0]),
      `\ufeff{ "dataframe_records" :\n${JSON.stringify(records, null, '\t')}\r\n}`,
      JSON.stringify({ dataframe_split: { columns: names, data: records.map((r) => names.map((n) => (r as Record<string, unknown>)[n])) } }),
      JSON.stringify({ instances: records }),
      JSON.stringify({ inputs: Object.fromEntries(names.map((n) => [n, records.map((r) => (r as Record<string, unknown>)[n])])) }),
    ];
    for (const [i, body] of bodies.entries()) {
      const url = i < 4 ? '/predict' : '/invocations';
      const answer = await logging.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: body });
      expect(answer.statusCode, body).toBe(200);
      const entry = logged.at(-1)!;
      const inputs = (entry.inputs as JsonText).text;
      expect(inputs, body).not.toMatch(/[\t\n\r]/);
      expect(JSON.parse(inputs), body).toEqual(i === 3 ? [records[0]] : records);
      const predictions = url === '/predict' ? (answer.json() as PredictAnswer).predictions.map((p) => p.prediction) : (answer.json() as { predictions: string[] }).predictions;
      expect((JSON.parse((entry.outputs as JsonText).text) as { predictions: string[] }).predictions).toEqual(predictions);
    }
    expect(logged).toHaveLength(bodies.length);
    // the body parser the log puts in refuses what Fastify's own does, alike
    for (const payload of ['', '{"x":', '{"__proto__":{"x":1}}']) {
      const [plain, withLog] = await Promise.all([app, logging].map((a) => a.inject({ method: 'POST', url: '/predict', headers: { 'content-type': 'application/json' }, payload })));
      expect(withLog!.statusCode, payload).toBe(plain!.statusCode);
      expect(withLog!.json(), payload).toEqual(plain!.json());
    }
    await logging.close();
  });

  it('answers health, readiness, the model, its v2 metadata and the OpenAPI document', async () => {
    for (const path of ['/health', '/ready', '/v2/health/live', '/v2/health/ready', '/v2/models/tiny/ready']) {
      expect((await fetch(base + path)).status, path).toBe(200);
    }
    const described = (await (await fetch(`${base}/model`)).json()) as { schema: { name: string; range?: unknown }[]; classes: string[] };
    expect(described.classes).toEqual(['no', 'yes']);
    expect(described.schema.find((c) => c.name === 'x')?.range).toBeDefined();
    const meta = (await (await fetch(`${base}/v2/models/tiny`)).json()) as { inputs: { name: string }[] };
    expect(meta.inputs.map((i) => i.name).sort()).toEqual(['color', 'day', 'flag', 'x']);
    expect((await fetch(`${base}/v2/models/other`)).status).toBe(404);
    const docs = (await (await fetch(`${base}/docs`)).json()) as { openapi: string; components: { schemas: { Record: { required: string[] } } } };
    expect(docs.openapi).toBe('3.1.0');
    expect(docs.components.schemas.Record.required.sort()).toEqual(['color', 'day', 'flag', 'x']);
  });

  it('refuses a missing column, a wrong type, malformed JSON, too many rows and too large a body, naming what', async () => {
    const { x: _x, ...noX } = records[0]!;
    const missing = await postJson(`${base}/predict`, [noX]);
    expect(missing).toMatchObject({ status: 400, body: { field: 'x' } });
    expect((missing.body as { error: string }).error).toMatch(/column 'x' is missing from record 0/);
    const wrong = await postJson(`${base}/predict`, [{ ...records[0], x: 'ten' }]);
    expect(wrong).toMatchObject({ status: 400, body: { field: 'x' } });
    expect((wrong.body as { error: string }).error).toMatch(/'ten'/);
    expect(await postJson(`${base}/predict`, [{ ...records[0], flag: 'maybe' }])).toMatchObject({ status: 400, body: { field: 'flag' } });
    expect(await postJson(`${base}/predict`, [{ ...records[0], day: 'not a date' }])).toMatchObject({ status: 400, body: { field: 'day' } });
    expect(await postJson(`${base}/predict`, '{"x": 1,')).toMatchObject({ status: 400, body: { error: 'the body is not valid JSON' } });
    expect((await postJson(`${base}/predict`, Array.from({ length: 51 }, () => records[0]))).status).toBe(413);
    const big = await postJson(`${base}/predict`, [{ ...records[0], note: 'z'.repeat(70 * 1024) }]);
    expect(big.status).toBe(413);
    expect(typeof (big.body as { error: string }).error).toBe('string');
    expect(await postJson(`${base}/invocations`, { dataframe_records: records, instances: records })).toMatchObject({ status: 400, body: { field: 'body' } });
  });

  it('scores an unseen category as missing and a value outside the training range as given, each with a warning', async () => {
    const unseen = (await postJson(`${base}/predict`, [{ ...records[0], color: 'purple' }])).body as PredictAnswer;
    const asNull = (await postJson(`${base}/predict`, [{ ...records[0], color: null }])).body as PredictAnswer;
    expect(unseen.warnings).toEqual(["column 'color': 'purple' was not seen in training; scored as missing"]);
    expect(unseen.predictions[0]!.probabilities).toEqual(asNull.predictions[0]!.probabilities);
    expect(asNull.warnings).toEqual([]);
    const outside = (await postJson(`${base}/predict`, [{ ...records[0], x: 1000 }])).body as PredictAnswer;
    expect(outside.warnings).toHaveLength(1);
    expect(outside.warnings[0]).toMatch(/^column 'x': 1000 is outside the training range \[0\.\d+, 9\.\d+\]; scored as given$/);
  });

  it('reads a CSV body as batch scoring reads a file', async () => {
    const csv = 'x,color,flag,day\n' + records.map((r) => `${r.x},${r.color},${r.flag},${r.day}`).join('\n') + '\n';
    const response = await fetch(`${base}/predict`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(response.status).toBe(200);
    const fromCsv = (await response.json()) as PredictAnswer;
    const fromJson = (await postJson(`${base}/predict`, records)).body as PredictAnswer;
    expect(fromCsv.predictions.map((p) => p.prediction)).toEqual(fromJson.predictions.map((p) => p.prediction));
    fromCsv.predictions.forEach((p, i) => expect(p.probabilities['yes']).toBeCloseTo(fromJson.predictions[i]!.probabilities['yes']!, 12));
  });

  it('counts requests by route, code and slot, latency and predicted classes in Prometheus text', async () => {
    await postJson(`${base}/predict`, records);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/^autolab_requests_total\{route="\/predict",code="200",slot="blue"\} \d+$/m);
    expect(text).toMatch(/^autolab_requests_total\{route="\/predict",code="400",slot="blue"\} \d+$/m);
    expect(text).toMatch(/^autolab_request_duration_seconds_count\{slot="blue"\} \d+$/m);
    // buckets cumulative, in increasing bounds, +Inf last and equal to the count
    const buckets = [...text.matchAll(/^autolab_request_duration_seconds_bucket\{slot="blue",le="([^"]+)"\} (\d+)$/gm)].map((m) => [m[1]!, Number(m[2])] as const);
    expect(buckets.map(([le]) => le)).toEqual(['0.0005', '0.001', '0.002', '0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf']);
    expect(buckets.at(-1)![0]).toBe('+Inf');
    expect(buckets.every(([, n], i) => i === 0 || n >= buckets[i - 1]![1])).toBe(true);
    expect(buckets.at(-1)![1]).toBe(Number(/^autolab_request_duration_seconds_count\{slot="blue"\} (\d+)$/m.exec(text)![1]));
    const classes = [...text.matchAll(/^autolab_predictions_total\{slot="blue",version="[0-9a-f]+",class="(yes|no)"\} (\d+)$/gm)];
    expect(classes.length).toBeGreaterThan(0);
  });
});
