import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { explainEnsemble } from '../automl/index.js';
import { frameFromRows } from '../features/index.js';
import { buildServer } from './server.js';
import { loadServedModel, type ServedModel } from './served-model.js';
import { SlotRouter } from './slots.js';
import { listenLocally, postJson, tinyRows, trainTinyBundle } from './serve.testutil.js';

interface Explained {
  prediction: string;
  probabilities: Record<string, number>;
  explanation?: { output: string; base: number; contributions: { column: string; value: unknown; contribution: number }[] };
}

describe('explanations on /predict, through HTTP', () => {
  let app: FastifyInstance;
  let base: string;
  let model: ServedModel;
  const records = tinyRows(4, 21).map((r) => ({ x: r['x'] as number, color: r['color'] as string, flag: r['flag'] as boolean, day: (r['day'] as Date).toISOString() }));

  beforeAll(async () => {
    model = loadServedModel(await trainTinyBundle(4, 'explained'));
    app = buildServer({ router: new SlotRouter({ blue: model, live: 'blue' }), maxRows: 50 });
    base = await listenLocally(app);
  }, 60_000);
  afterAll(async () => app.close());

  it('"explain": true beside "records": each record gets its top contributions towards class 1, as the library computes them', async () => {
    const { status, body } = await postJson(`${base}/predict`, { records, explain: true, top: 2 });
    expect(status).toBe(200);
    const answer = (body as { predictions: Explained[] }).predictions;
    const local = explainEnsemble(model.model, frameFromRows(records.map((r) => ({ ...r, day: new Date(r.day) }))));
    const width = local.columns.length;
    answer.forEach((p, i) => {
      expect(p.explanation!.output).toBe('yes');
      expect(p.explanation!.base).toBeCloseTo(local.base[0]!, 12);
      expect(p.explanation!.contributions).toHaveLength(2);
      const mine = local.columns.map((column, c) => ({ column, contribution: local.contributions[0]![i * width + c]! }));
      mine.sort((a, b) => Math.abs(b.contribution) - Math.abs(a.contribution));
      p.explanation!.contributions.forEach((c, rank) => {
        expect(c.column).toBe(mine[rank]!.column);
        expect(c.contribution).toBeCloseTo(mine[rank]!.contribution, 12);
        expect(c.value).toEqual((records[i] as Record<string, unknown>)[c.column]);
      });
    });
  });

  it('without the flag the answer has no explanation; ?explain=true explains a CSV body', async () => {
    const plain = await postJson(`${base}/predict`, records);
    expect(plain.status).toBe(200);
    expect((plain.body as { predictions: Explained[] }).predictions.every((p) => !('explanation' in p))).toBe(true);
    const off = await postJson(`${base}/predict`, { records, explain: false });
    expect((off.body as { predictions: Explained[] }).predictions.every((p) => !('explanation' in p))).toBe(true);

    const csv = ['x,color,flag,day', ...records.map((r) => `${r.x},${r.color},${r.flag},${r.day}`)].join('\n') + '\n';
    const response = await fetch(`${base}/predict?explain=true&top=3`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
    expect(response.status).toBe(200);
    const answer = ((await response.json()) as { predictions: Explained[] }).predictions;
    expect(answer).toHaveLength(records.length);
    expect(answer.every((p) => p.explanation?.contributions.length === 3)).toBe(true);
    const json = ((await postJson(`${base}/predict`, { records, explain: true, top: 3 })).body as { predictions: Explained[] }).predictions;
    answer.forEach((p, i) => expect(p.explanation!.contributions.map((c) => c.column)).toEqual(json[i]!.explanation!.contributions.map((c) => c.column)));
  });

  it('a one-record body may carry "explain" itself (no input column has that name)', async () => {
    const { status, body } = await postJson(`${base}/predict`, { ...records[0], explain: true, top: 1 });
    expect(status).toBe(200);
    const [answer] = (body as { predictions: Explained[] }).predictions;
    expect(answer!.explanation!.contributions).toHaveLength(1);
    const wrapped = ((await postJson(`${base}/predict`, { records: [records[0]], explain: true, top: 1 })).body as { predictions: Explained[] }).predictions[0]!;
    expect(answer!.explanation).toEqual(wrapped.explanation);
    expect(answer!.prediction).toBe(wrapped.prediction);
  });

  it('a number no Date can hold, sent for the date, is a 400 naming the column, explained or not (it was a 500)', async () => {
    for (const explain of [true, false]) {
      const { status, body } = await postJson(`${base}/predict`, { records: [{ ...records[0], day: 1e20 }], explain });
      expect(status).toBe(400);
      expect(body).toMatchObject({ field: 'day' });
    }
  });

  it('a bad flag or count is a 400 naming it', async () => {
    const notFlag = await postJson(`${base}/predict`, { records, explain: 'please' });
    expect(notFlag).toMatchObject({ status: 400, body: { field: 'explain' } });
    const zero = await postJson(`${base}/predict`, { records, explain: true, top: 0 });
    expect(zero).toMatchObject({ status: 400, body: { field: 'top' } });
    const query = await fetch(`${base}/predict?explain=maybe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(records) });
    expect(query.status).toBe(400);
    expect(((await query.json()) as { field: string }).field).toBe('explain');
  });
});
