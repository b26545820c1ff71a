import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainModel } from '../automl/index.js';
import { humilityRulesShape, type HumilityRules } from '../monitor/index.js';
import type { JsonText, PredictionEntry } from './prediction-entry.js';
import { humilityLines } from './run-serve.js';
import { buildServer } from './server.js';
import { loadServedModel, type ServedModel } from './served-model.js';
import { SlotRouter } from './slots.js';

const PENGUINS = join(dirname(fileURLToPath(import.meta.url)), '../../node_modules/vega-datasets/data/penguins.json');
const MASS = 'Body Mass (g)';

/** vega-datasets' penguins with a known sex (333 rows): Species, Island, four measures; the target is Sex. */
function penguins(): Record<string, unknown>[] {
  const rows = JSON.parse(readFileSync(PENGUINS, 'utf8')) as Record<string, unknown>[];
  return rows.filter((r) => (r['Sex'] === 'MALE' || r['Sex'] === 'FEMALE') && r[MASS] !== null);
}

interface Answer {
  predictions: { prediction: string; probabilities: Record<string, number>; humility?: string[] }[];
}

const temp = mkdtempSync(join(tmpdir(), 'autolab-humility-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

describe('humility rules in the prediction service (penguins, a real bundle)', () => {
  const rows = penguins();
  const records = rows.slice(0, 20).map(({ Sex: _sex, ...r }) => r);
  const odd = { ...records[0]!, Island: 'Atlantis', [MASS]: 20000 };
  let dir: string;
  let model: ServedModel;

  beforeAll(async () => {
    dir = join(temp, 'penguins');
    await trainModel(rows, { target: 'Sex', trials: 3, seed: 1, out: dir, threads: 1 });
    model = loadServedModel(dir);
  }, 60_000);

  const rules = (raw: unknown): HumilityRules => humilityRulesShape.parse(raw);
  const serve = (humility: HumilityRules, log?: PredictionEntry[]) =>
    buildServer({ router: new SlotRouter({ blue: model, live: 'blue' }), humility, ...(log ? { log: { append: (e: PredictionEntry) => log.push(e) } } : {}) });
  const predict = async (app: ReturnType<typeof serve>, body: unknown, url = '/predict') => {
    const reply = await app.inject({ method: 'POST', url, payload: body as object });
    return { status: reply.statusCode, body: reply.json<unknown>() };
  };

  it('keeps each numeric input\'s training median and MAD beside its range', () => {
    const masses = Float64Array.from(rows, (r) => r[MASS] as number).sort();
    const range = model.manifest.ranges![MASS]!;
    expect(range.min).toBe(2700);
    expect(range.max).toBe(6300);
    // 333 values: the 167th is the median
    expect(range.median).toBe(masses[166]);
    const deviations = masses.map((m) => Math.abs(m - range.median!)).sort();
    expect(range.mad).toBe(deviations[166]);
  });

  it('flags: the answer names the rules and columns per record, the prediction stays', async () => {
    const log: PredictionEntry[] = [];
    const app = serve(rules({ outlying: { action: 'flag' }, unseen: { action: 'flag' } }), log);
    const plain = model.score([records[0]!, odd]);
    const { status, body } = await predict(app, [records[0], odd]);
    expect(status).toBe(200);
    const answer = body as Answer;
    expect(answer.predictions.map((p) => p.humility)).toEqual([[], ['unseen:Island', `outlying:${MASS}`]]);
    expect(answer.predictions.map((p) => p.prediction)).toEqual(plain.predictions);
    // the log keeps each record's flags with the outputs
    expect((JSON.parse((log[0]!.outputs as JsonText).text) as { humility: string[][] }).humility).toEqual([[], ['unseen:Island', `outlying:${MASS}`]]);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('autolab_humility_records_total{slot="blue",rule="unseen",action="flag"} 1');
    expect(metrics).toContain(`autolab_humility_records_total{slot="blue",rule="outlying",action="flag"} 1`);
    await predict(app, [odd, odd, records[1]]);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toContain('autolab_humility_records_total{slot="blue",rule="unseen",action="flag"} 3');
  });

  it('falls back: a set value instead of the prediction, still flagged, on every route', async () => {
    const app = serve(rules({ outlying: { action: 'fallback', fallback: 'unknown' }, unseen: { action: 'flag' } }));
    const plain = model.score([records[0]!]).predictions[0];
    const answer = (await predict(app, [records[0], odd])).body as Answer;
    expect(answer.predictions.map((p) => p.prediction)).toEqual([plain, 'unknown']);
    expect(answer.predictions[1]!.humility).toEqual(['unseen:Island', `outlying:${MASS}`]);
    const mlflow = (await predict(app, { dataframe_records: [odd] }, '/invocations')).body as { predictions: string[]; humility: string[][] };
    expect(mlflow.predictions).toEqual(['unknown']);
    expect(mlflow.humility).toEqual([['unseen:Island', `outlying:${MASS}`]]);
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toContain('autolab_humility_records_total{slot="blue",rule="outlying",action="fallback"} 2');
  });

  it('refuses: a 422 naming the rule, the record and the column', async () => {
    const app = serve(rules({ unseen: { action: 'refuse' }, outlying: { action: 'flag', zScore: 4 } }));
    const { status, body } = await predict(app, [records[0], records[1], odd]);
    expect(status).toBe(422);
    expect(body).toMatchObject({ error: "record 2 refused by the humility rule unseen: column 'Island' is 'Atlantis', a category not seen in training", field: 'Island' });
    const range = model.manifest.ranges![MASS]!;
    const outlying = serve(rules({ outlying: { action: 'refuse', range: false, zScore: 4 } }));
    const z = (20000 - range.median!) / (1.4826 * range.mad!);
    const refused = await predict(outlying, [{ ...records[0], [MASS]: 20000 }]);
    expect(refused.status).toBe(422);
    expect((refused.body as { error: string }).error).toMatch(new RegExp(`^record 0 refused by the humility rule outlying: column 'Body Mass \\(g\\)' is 20,?000, ${z.toFixed(1)}\\d* robust z-scores from the training median`));
    expect((await app.inject({ method: 'GET', url: '/metrics' })).body).toContain('autolab_humility_records_total{slot="blue",rule="unseen",action="refuse"} 1');
    // records inside what the model saw pass
    expect((await predict(app, records)).status).toBe(200);
  });

  it('uncertain: |p(MALE) − threshold| below the band, as the probabilities say', async () => {
    const scored = model.score(records);
    const distance = scored.predictions.map((_, i) => Math.abs(scored.probabilities![i * 2 + 1]! - 0.5));
    // a band between the distances: some records inside, some out
    const band = [...distance].sort((a, b) => a - b)[10]!;
    const app = serve(rules({ uncertain: { band, action: 'flag' } }));
    const answer = (await predict(app, records)).body as Answer;
    const flagged = answer.predictions.map((p) => p.humility!.includes('uncertain'));
    expect(flagged).toEqual(distance.map((d) => d < band));
    expect(flagged.filter(Boolean).length).toBe(10);
  });

  it('low-observation: the leaves that decided held fewer training rows than asked', async () => {
    const few = serve(rules({ lowObservation: { minRows: 1_000_000, action: 'flag' } }));
    expect(((await predict(few, records)).body as Answer).predictions.every((p) => p.humility!.includes('low-observation'))).toBe(true);
    const any = serve(rules({ lowObservation: { minRows: 1, action: 'flag' } }));
    expect(((await predict(any, records)).body as Answer).predictions.every((p) => p.humility!.length === 0)).toBe(true);
    const described = (await any.inject({ method: 'GET', url: '/model' })).json<{ humility: { active: string[]; unavailable: string[] } }>();
    expect(described.humility.active).toEqual([expect.stringMatching(/^low-observation \(median leaf of member \d+ under 1 training rows\): flag$/)]);
    expect(described.humility.unavailable).toEqual([]);
  });

  it('a bundle that predates the statistics says which rules it cannot run, and does not pass them silently', async () => {
    const old = join(temp, 'old');
    cpSync(dir, old, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(old, 'bundle.json'), 'utf8')) as { ranges: Record<string, Record<string, number>> };
    for (const range of Object.values(manifest.ranges)) {
      delete range['median'];
      delete range['mad'];
    }
    writeFileSync(join(old, 'bundle.json'), JSON.stringify(manifest));
    for (const file of readdirSync(join(old, 'models'))) {
      const path = join(old, 'models', file);
      writeFileSync(path, readFileSync(path, 'utf8').replace(/,"count":"[^"]*"/g, ''));
    }
    const stale = loadServedModel(old);
    const all = rules({ outlying: { zScore: 4 }, unseen: {}, lowObservation: {}, uncertain: {} });
    const lines = humilityLines([stale], all);
    expect(lines[0]).toMatch(/^humility rules on old \w+: unseen \(2 categorical columns\): flag; outlying \(training range, robust z > 4; 4 columns\): flag; uncertain/);
    expect(lines.slice(1)).toEqual([
      `humility rule unavailable on old ${stale.version}: outlying's robust z-score: the bundle predates training medians and MADs (every column; train it again)`,
      `humility rule unavailable on old ${stale.version}: low-observation: the bundle predates training-row counts in its trees (train it again)`,
    ]);
    // the range is still checked; the z-score and the leaves are not, and the answer says nothing of them
    const app = buildServer({ router: new SlotRouter({ blue: stale, live: 'blue' }), humility: all });
    const answer = (await predict(app, [{ ...records[0], [MASS]: 20000 }])).body as Answer;
    expect(answer.predictions[0]!.humility).toEqual([`outlying:${MASS}`, ...(answer.predictions[0]!.humility!.includes('uncertain') ? ['uncertain'] : [])]);
  });
});
