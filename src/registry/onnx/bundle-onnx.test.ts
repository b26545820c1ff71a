import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AutoModel, LogTargetModel, stackFeatures, type BundleManifest, type FittedMember } from '../../automl/index.js';
import { applyPipeline, coerceToTexts, fitPipeline, frameFromRows, type Frame } from '../../features/index.js';
import { encodeOnnxModel, Rng, trainForest, trainGbdt, trainLinear, type Predictor, type Task } from '../../learn/index.js';
import { bundleOnnxModel } from './bundle-onnx.js';

/** Rows with a number, a flag, a small category and a many-valued one (target-encoded), and a target of `task`. */
function rows(seed: number, n: number, task: Task): Record<string, unknown>[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const x = rng.next() * 10;
    const city = `c${rng.int(120)}`;
    const plan = ['basic', 'plus', 'pro'][rng.int(3)]!;
    const signal = x + (plan === 'pro' ? 3 : 0) + (Number(city.slice(1)) % 7) * 0.5 + rng.normal();
    const y = task === 'regression' ? signal * 2 : signal < 5 ? 'low' : signal < 8 ? 'mid' : 'high';
    return { x: rng.next() < 0.05 ? null : x, flag: rng.next() < 0.5, plan, city, y };
  });
}

/** A bundle by hand: a pipeline, two fold models of a booster, a forest and a linear model, weighted. */
function handBundle(task: Task, stack = false): { model: AutoModel; manifest: BundleManifest } {
  const frame = frameFromRows(rows(1, 600, task));
  const yColumn = frame.columns.find((c) => c.name === 'y')!;
  const classes = task === 'regression' ? [] : ['high', 'low', 'mid'];
  const texts = coerceToTexts(yColumn);
  const y = task === 'regression' ? Float64Array.from(texts, (t) => Number(t)) : Float64Array.from(texts, (t) => classes.indexOf(t!));
  const fitted = fitPipeline(frame, 'y', { task, values: y, numClasses: task === 'regression' ? 1 : 3 }, { seed: 0 });
  expect(fitted.spec.steps.map((s) => s.kind).sort()).toEqual(['categorical', 'numeric', 'numeric', 'target-encoding']);
  const table = fitted.table;
  const half = (start: number) => Uint32Array.from({ length: table.rows / 2 }, (_, i) => start + 2 * i);
  const select = (idx: Uint32Array) => ({ rows: idx.length, columns: table.columns.map((c) => ({ ...c, values: Float64Array.from(idx, (i) => c.values[i]!) })) });
  const members: FittedMember[] = [
    { weight: 0.5, models: [0, 1].map((s) => trainGbdt(select(half(s)), Float64Array.from(half(s), (i) => y[i]!), { objective: task, numRounds: 30, maxLeaves: 15, minDataInLeaf: 5 })) },
    { weight: 0.3, models: [trainForest(table, y, { task, numTrees: 15, minDataInLeaf: 3 })] },
    { weight: 0.2, models: [trainLinear(table, y, { task, lambda: 1 }) as Predictor] },
  ];
  if (task === 'regression') {
    // a booster of log1p(target), held within its range: LogTargetModel as the search makes it
    const positive = Float64Array.from(y, (v) => Math.max(0, v));
    const logY = LogTargetModel.transform(positive);
    members[0] = { weight: 0.3, models: members[0]!.models };
    members.push({ weight: 0.2, models: [new LogTargetModel(trainGbdt(table, logY, { objective: 'regression', numRounds: 30, maxLeaves: 15 }), LogTargetModel.rangeOf(logY))] });
  }
  const manifest = {
    task,
    target: 'y',
    classes,
    pipeline: fitted.spec,
    members: members.map((m, i) => ({ id: i + 1, weight: stack ? 0 : m.weight, config: { kind: 'gbdt' }, models: [] })),
    combiner: stack ? { kind: 'stack', config: { kind: 'linear', lambda: 1 }, models: [] } : { kind: 'average' },
    leaderboard: [],
  } as unknown as BundleManifest;
  if (!stack) return { model: new AutoModel(manifest, members), manifest };
  // two fold stackers over the members' in-sample outputs (what matters here is that both runtimes apply the same ones)
  const outputs = members.map((m) => {
    const perFold = m.models.map((model) => model.predict(table));
    return perFold[0]!.map((_, i) => perFold.reduce((s, p) => s + p[i]! / perFold.length, 0));
  });
  const level2 = stackFeatures(outputs, task, task === 'regression' ? 1 : 3);
  const stackers = [0, 1].map((s) => trainLinear({ rows: level2.rows / 2, columns: level2.columns.map((c) => ({ ...c, values: Float64Array.from(half(s), (i) => c.values[i]!) })) }, Float64Array.from(half(s), (i) => y[i]!), { task, lambda: 1 }) as Predictor);
  return { model: new AutoModel(manifest, members.map((m) => ({ ...m, weight: 0 })), stackers), manifest };
}

function feeds(frame: Frame, manifest: BundleManifest): Record<string, ort.Tensor> {
  const table = applyPipeline(manifest.pipeline, frame);
  const out: Record<string, ort.Tensor> = {};
  for (const step of manifest.pipeline.steps) {
    if (step.kind === 'numeric') out[step.column] = new ort.Tensor('float64', Float64Array.from(table.columns.find((c) => c.name === step.column)!.values), [frame.rows, 1]);
    else out[step.column] = new ort.Tensor('string', coerceToTexts(frame.columns.find((c) => c.name === step.column)!).map((t) => t ?? ''), [frame.rows, 1]);
  }
  return out;
}

describe('bundleOnnxModel', () => {
  for (const [task, stack] of [['multiclass', false], ['regression', false], ['multiclass', true], ['regression', true]] as const) {
    it(`${task}: pipeline, fold models of three families and ${stack ? 'a stacker' : 'the weighted average'} score as the bundle does`, async () => {
      const { model, manifest } = handBundle(task, stack);
      const fresh = frameFromRows(rows(2, 300, task).map((r) => ({ ...r, city: r['city'] === 'c3' ? 'never-seen' : r['city'] })));
      const session = await ort.InferenceSession.create(encodeOnnxModel(bundleOnnxModel(manifest, model.fittedMembers, model.fittedStackers)));
      try {
        const result = await session.run(feeds(fresh, manifest));
        const ours = model.predictFrame(fresh);
        if (task === 'regression') {
          const got = result['prediction']!.data as Float32Array;
          (ours.prediction as number[]).forEach((p, i) => expect(Math.abs(got[i]! - p) / Math.max(1, Math.abs(p))).toBeLessThan(1e-5));
        } else {
          const got = result['probabilities']!.data as Float32Array;
          ours.probabilities!.forEach((p, i) => expect(Math.abs(got[i]! - p)).toBeLessThan(1e-5));
          expect(Array.from(result['label']!.data as string[])).toEqual(ours.prediction);
        }
      } finally {
        await session.release();
      }
    });
  }

  it('names what it cannot express: a datetime or a hashed-text step', () => {
    const { model, manifest } = handBundle('multiclass');
    const withDate = { ...manifest, pipeline: { ...manifest.pipeline, steps: [...manifest.pipeline.steps, { kind: 'datetime', column: 'signup', source: 'datetime', parts: ['year'] }] } } as BundleManifest;
    expect(() => bundleOnnxModel(withDate, model.fittedMembers)).toThrow(/^the datetime step of column 'signup' cannot be expressed in ONNX/);
    const withText = { ...manifest, pipeline: { ...manifest.pipeline, steps: [{ kind: 'text-hash', column: 'notes', buckets: 8 }, ...manifest.pipeline.steps] } } as BundleManifest;
    expect(() => bundleOnnxModel(withText, model.fittedMembers)).toThrow(/^the text-hash step of column 'notes' cannot be expressed/);
  });
});
