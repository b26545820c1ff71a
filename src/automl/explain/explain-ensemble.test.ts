import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPipelineWithSources, frameFromRows, type Frame } from '../../features/index.js';
import { Rng, trainForest, trainGbdt, trainLinear } from '../../learn/index.js';
import type { FeatureTable, Predictor, Task } from '../../learn/types.js';
import { AutoModel, type FittedMember } from '../auto-model.js';
import type { BundleManifest, BundleMember } from '../bundle-types.js';
import type { ModelConfig } from '../model-config.js';
import { STACK_EPS, stackFeatures } from '../stacking.js';
import { trainModel } from '../train-model.js';
import { explainEnsemble } from './explain-ensemble.js';
import { explainModel, sourceColumnsOf } from './member-contributions.js';
import { topContributions } from './top-contributions.js';

/** rows with a numeric signal, a categorical one, a date and noise */
function makeRows(n: number, seed: number, task: Task): Record<string, unknown>[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const size = rng.next() * 10;
    const colour = ['red', 'green', 'blue', 'grey'][rng.int(4)]!;
    const day = new Date(Date.UTC(2024, rng.int(12), 1 + rng.int(28)));
    const noise = rng.next();
    const signal = size + (colour === 'red' ? 3 : colour === 'blue' ? -2 : 0) + day.getUTCMonth() * 0.3 + noise;
    const label = task === 'regression' ? signal : task === 'binary' ? (signal > 6 ? 'yes' : 'no') : signal < 4 ? 'low' : signal < 8 ? 'mid' : 'high';
    return { size, colour, day, noise, label };
  });
}

const GBDT: ModelConfig = { kind: 'gbdt', learningRate: 0.1, maxLeaves: 15, maxDepth: 0, minDataInLeaf: 10, lambdaL2: 0, featureFraction: 1, baggingFraction: 1, maxRounds: 40, minSplitGain: 0 };
const FOREST: ModelConfig = { kind: 'forest', extraTrees: false, trees: 20, maxFeatures: 0.7, minDataInLeaf: 5 };
const LINEAR: ModelConfig = { kind: 'linear', lambda: 1 };

interface Setup {
  readonly manifest: BundleManifest;
  readonly frame: Frame;
  readonly table: FeatureTable;
  readonly y: Float64Array;
}

const dirs: string[] = [];
const setups = new Map<Task, Setup>();

/** a real bundle's manifest (its pipeline turns source columns into one-hot / encoded / date-part features) */
async function setUp(task: Task): Promise<Setup> {
  const rows = makeRows(400, task.length, task);
  const dir = await mkdtemp(join(tmpdir(), 'autolab-explain-'));
  dirs.push(dir);
  const { model } = await trainModel(frameFromRows(rows), { target: 'label', trials: 2, seed: 3, out: join(dir, 'm') });
  const frame = frameFromRows(rows.map(({ label: _label, ...rest }) => rest));
  const { table } = applyPipelineWithSources(model.manifest.pipeline, frame);
  const classes = model.manifest.classes;
  const y = Float64Array.from(rows, (r) => (task === 'regression' ? (r['label'] as number) : classes.indexOf(r['label'] as string)));
  return { manifest: model.manifest, frame, table, y };
}

function member(id: number, weight: number, config: ModelConfig): BundleMember {
  return { id, weight, config, models: [] };
}

/** an ensemble of these fitted members under the bundle's pipeline */
function ensemble(setup: Setup, parts: readonly { config: ModelConfig; weight: number; models: Predictor[] }[], stackers: Predictor[] = []): AutoModel {
  const manifest: BundleManifest = {
    ...setup.manifest,
    members: parts.map((p, i) => member(i + 1, p.weight, p.config)),
    combiner: stackers.length > 0 ? { kind: 'stack', config: LINEAR, models: [] } : { kind: 'average' },
  };
  const members: FittedMember[] = parts.map((p) => ({ weight: p.weight, models: p.models }));
  return new AutoModel(manifest, members, stackers);
}

/** base + Σ contributions of row r, output k */
function summed(explanation: ReturnType<typeof explainEnsemble>, r: number, k = 0): number {
  const width = explanation.columns.length;
  let total = explanation.base[k]!;
  for (let c = 0; c < width; c++) total += explanation.contributions[k]![r * width + c]!;
  return total;
}

/** a 1-nearest-neighbour regressor on the first numeric feature: a model kind nothing here explains */
class NearestNeighbour implements Predictor {
  readonly task: Task = 'regression';
  readonly numClasses = 1;
  readonly featureNames: readonly string[];
  constructor(
    private readonly train: Float64Array,
    private readonly y: Float64Array,
    name: string,
  ) {
    this.featureNames = [name];
  }
  predict(table: FeatureTable): Float64Array {
    const x = table.columns.find((c) => c.name === this.featureNames[0])!.values;
    return Float64Array.from({ length: table.rows }, (_, i) => {
      let best = 0;
      for (let j = 1; j < this.train.length; j++) if (Math.abs(this.train[j]! - x[i]!) < Math.abs(this.train[best]! - x[i]!)) best = j;
      return this.y[best]!;
    });
  }
  toJSON(): { kind: string } {
    return { kind: 'knn' };
  }
}

beforeAll(async () => {
  for (const task of ['regression', 'binary', 'multiclass'] as const) setups.set(task, await setUp(task));
}, 120_000);

afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('member contributions per source column', () => {
  it('tree and linear members: base + Σ contributions = the raw score (log-odds, margins, probabilities) within 1e-6', () => {
    for (const task of ['binary', 'multiclass', 'regression'] as const) {
      const setup = setups.get(task)!;
      const { table, y, manifest } = setup;
      const k = Math.max(1, manifest.classes.length);
      const columns = [...new Set(manifest.pipeline.steps.map((s) => s.column))];
      const index = new Map(columns.map((c, i) => [c, i]));
      const { sources } = applyPipelineWithSources(manifest.pipeline, setup.frame);
      const gbdt = trainGbdt(table, y, { objective: task, numClasses: k, numRounds: 30, maxLeaves: 15, seed: 1 });
      const forest = trainForest(table, y, { task, numClasses: k, numTrees: 15, seed: 2 });
      const linear = trainLinear(table, y, { task, numClasses: k, lambda: 1 });
      const outputs = task === 'multiclass' ? k : 1;
      const raws: [Predictor, Float64Array, number][] = [
        [gbdt, gbdt.predictRaw(table), outputs],
        [linear, linear.decisionFunction(table), outputs],
        // forests explain their probabilities: class 1 for binary (one output), every class for multiclass
        [forest, forest.predict(table), task === 'regression' ? 1 : k],
      ];
      for (const [model, raw, stride] of raws) {
        const result = explainModel(model, table, sourceColumnsOf(table, sources, index), task, k);
        expect(result.explained).toBe(true);
        if (!result.explained) continue;
        for (let o = 0; o < outputs; o++) {
          const offset = task === 'binary' && stride === 2 ? 1 : o;
          for (let r = 0; r < table.rows; r++) {
            let total = result.contributions.base[o]!;
            for (let c = 0; c < columns.length; c++) total += result.contributions.values[o]![r * columns.length + c]!;
            expect(Math.abs(total - raw[r * stride + offset]!)).toBeLessThan(1e-6);
          }
        }
      }
    }
  });

  it('every engineered feature is summed into its source column: a model reading only colour credits only colour', () => {
    const setup = setups.get('regression')!;
    const colourOnly = setup.table.columns.filter((_, f) => setup.manifest.pipeline.steps.length > 0 && applyPipelineWithSources(setup.manifest.pipeline, setup.frame).sources[f] === 'colour');
    expect(colourOnly.length).toBeGreaterThan(0);
    const linear = trainLinear({ rows: setup.table.rows, columns: colourOnly }, setup.y, { task: 'regression', lambda: 0.1 });
    const explanation = explainEnsemble(ensemble(setup, [{ config: LINEAR, weight: 1, models: [linear] }]), setup.frame);
    const width = explanation.columns.length;
    const colour = explanation.columns.indexOf('colour');
    const byColumn = new Float64Array(width);
    for (let r = 0; r < explanation.rows; r++) for (let c = 0; c < width; c++) byColumn[c] = byColumn[c]! + Math.abs(explanation.contributions[0]![r * width + c]!);
    expect(byColumn[colour]).toBeGreaterThan(0);
    byColumn.forEach((v, c) => c !== colour && expect(v).toBe(0));
    // the date's parts are one column in the explanation
    expect(explanation.columns).toEqual(expect.arrayContaining(['size', 'colour', 'day', 'noise']));
    expect(new Set(explanation.columns).size).toBe(explanation.columns.length);
  });
});

describe('ensemble explanations', () => {
  it('regression, weighted average of boosting (two folds), forest and linear: base + Σ = the prediction within 1e-6', () => {
    const setup = setups.get('regression')!;
    const { table, y } = setup;
    const half = (start: number): FeatureTable => ({ rows: 200, columns: table.columns.map((c) => ({ ...c, values: c.values.slice(start, start + 200) })) });
    const gbdtFolds = [0, 200].map((start) => trainGbdt(half(start), y.slice(start, start + 200), { objective: 'regression', numRounds: 25, seed: start }));
    const model = ensemble(setup, [
      { config: GBDT, weight: 0.5, models: gbdtFolds },
      { config: FOREST, weight: 0.3, models: [trainForest(table, y, { task: 'regression', numTrees: 10, seed: 4 })] },
      { config: LINEAR, weight: 0.2, models: [trainLinear(table, y, { task: 'regression', lambda: 1 })] },
    ]);
    const explanation = explainEnsemble(model, setup.frame);
    const predicted = model.predictFrame(setup.frame).prediction as number[];
    for (let r = 0; r < explanation.rows; r++) expect(Math.abs(summed(explanation, r) - predicted[r]!)).toBeLessThan(1e-6);
    expect(explanation.members.map((m) => m.weights[0])).toEqual([0.5, 0.3, 0.2]);
    expect(explanation.members.map((m) => m.scale)).toEqual(['value', 'value', 'value']);
  });

  it('classification averages probabilities: base + Σ = the weighted mean of member raw scores, which is not the probability', () => {
    const setup = setups.get('binary')!;
    const { table, y } = setup;
    const gbdt = trainGbdt(table, y, { objective: 'binary', numRounds: 30, seed: 1 });
    const forest = trainForest(table, y, { task: 'binary', numClasses: 2, numTrees: 15, seed: 2 });
    const linear = trainLinear(table, y, { task: 'binary', lambda: 1 });
    const model = ensemble(setup, [
      { config: GBDT, weight: 0.6, models: [gbdt] },
      { config: FOREST, weight: 0.25, models: [forest] },
      { config: LINEAR, weight: 0.15, models: [linear] },
    ]);
    const explanation = explainEnsemble(model, setup.frame);
    expect(explanation.outputs).toEqual([setup.manifest.classes[1]]);
    expect(explanation.members.map((m) => m.scale)).toEqual(['log-odds', 'probability', 'log-odds']);
    const margin = gbdt.predictRaw(table);
    const p = forest.predict(table);
    const lin = linear.decisionFunction(table);
    const probability = model.predictFrame(setup.frame).probabilities!;
    let differs = 0;
    for (let r = 0; r < explanation.rows; r++) {
      const expected = 0.6 * margin[r]! + 0.25 * p[2 * r + 1]! + 0.15 * lin[r]!;
      expect(Math.abs(summed(explanation, r) - expected)).toBeLessThan(1e-6);
      if (Math.abs(summed(explanation, r) - probability[2 * r + 1]!) > 1e-3) differs++;
    }
    expect(differs).toBeGreaterThan(0);
    expect(explanation.sumEquals).toMatch(/not the ensemble's probability/);
  });

  it('a stack (regression, two fold stackers): base + Σ = the stacked prediction within 1e-6', () => {
    const setup = setups.get('regression')!;
    const { table, y } = setup;
    const gbdt = trainGbdt(table, y, { objective: 'regression', numRounds: 25, seed: 1 });
    const linear = trainLinear(table, y, { task: 'regression', lambda: 1 });
    const level2 = stackFeatures([gbdt.predict(table), linear.predict(table)], 'regression', 1);
    const stackers = [0.3, 30].map((lambda) => trainLinear(level2, y, { task: 'regression', lambda }));
    const model = ensemble(setup, [
      { config: GBDT, weight: 0, models: [gbdt] },
      { config: LINEAR, weight: 0, models: [linear] },
    ], stackers);
    const explanation = explainEnsemble(model, setup.frame);
    const predicted = model.predictFrame(setup.frame).prediction as number[];
    for (let r = 0; r < explanation.rows; r++) expect(Math.abs(summed(explanation, r) - predicted[r]!)).toBeLessThan(1e-6);
    expect(explanation.members.every((m) => m.weights[0] !== 0)).toBe(true);
  });

  it('a binary stack of boosting and linear members: base + Σ = the fold stackers mean margin', () => {
    const setup = setups.get('binary')!;
    const { table, y } = setup;
    const gbdt = trainGbdt(table, y, { objective: 'binary', numRounds: 20, seed: 1 });
    const linear = trainLinear(table, y, { task: 'binary', lambda: 1 });
    const level2 = stackFeatures([gbdt.predict(table), linear.predict(table)], 'binary', 2);
    const stackers = [0.3, 3].map((lambda) => trainLinear(level2, y, { task: 'binary', lambda }));
    const model = ensemble(setup, [
      { config: GBDT, weight: 0, models: [gbdt] },
      { config: LINEAR, weight: 0, models: [linear] },
    ], stackers);
    const explanation = explainEnsemble(model, setup.frame);
    const margins = stackers.map((s) => s.decisionFunction(level2));
    // a member's probability enters the stack as log-odds held within [1e-6, 1 − 1e-6]: rows past it differ
    const clip = Math.log((1 - STACK_EPS) / STACK_EPS);
    const gbdtRaw = gbdt.predictRaw(table);
    const linearRaw = linear.decisionFunction(table);
    let checked = 0;
    for (let r = 0; r < explanation.rows; r++) {
      if (Math.abs(gbdtRaw[r]!) >= clip || Math.abs(linearRaw[r]!) >= clip) continue;
      checked++;
      expect(Math.abs(summed(explanation, r) - (margins[0]![r]! + margins[1]![r]!) / 2)).toBeLessThan(1e-6);
    }
    expect(checked).toBeGreaterThan(explanation.rows / 2);
  });

  it('a member no explanation covers is named and left out; the others are weighed over the rest', () => {
    const setup = setups.get('regression')!;
    const { table, y } = setup;
    const gbdt = trainGbdt(table, y, { objective: 'regression', numRounds: 25, seed: 1 });
    const size = table.columns.find((c) => c.type === 'numeric')!;
    const model = ensemble(setup, [
      { config: GBDT, weight: 0.6, models: [gbdt] },
      { config: LINEAR, weight: 0.4, models: [new NearestNeighbour(size.values, y, size.name)] },
    ]);
    const explanation = explainEnsemble(model, setup.frame);
    expect(explanation.members[1]!.notExplained).toMatch(/knn/);
    expect(explanation.members[0]!.weights[0]).toBeCloseTo(1, 12);
    const raw = gbdt.predictRaw(table);
    for (let r = 0; r < explanation.rows; r++) expect(Math.abs(summed(explanation, r) - raw[r]!)).toBeLessThan(1e-6);
  });

  it('multiclass: one output per class, each summing to the weighted mean of the members margins; top contributions per row', () => {
    const setup = setups.get('multiclass')!;
    const { table, y, manifest } = setup;
    const k = manifest.classes.length;
    const gbdt = trainGbdt(table, y, { objective: 'multiclass', numClasses: k, numRounds: 20, seed: 1 });
    const linear = trainLinear(table, y, { task: 'multiclass', numClasses: k, lambda: 1 });
    const model = ensemble(setup, [
      { config: GBDT, weight: 0.7, models: [gbdt] },
      { config: LINEAR, weight: 0.3, models: [linear] },
    ]);
    const explanation = explainEnsemble(model, setup.frame);
    expect(explanation.outputs).toEqual(manifest.classes);
    const margin = gbdt.predictRaw(table);
    const lin = linear.decisionFunction(table);
    for (let r = 0; r < explanation.rows; r++) {
      for (let j = 0; j < k; j++) expect(Math.abs(summed(explanation, r, j) - (0.7 * margin[r * k + j]! + 0.3 * lin[r * k + j]!))).toBeLessThan(1e-6);
    }
    const top = topContributions(explanation, setup.frame, 2, () => 2);
    expect(top).toHaveLength(setup.frame.rows);
    expect(top[0]!.output).toBe(manifest.classes[2]);
    expect(top[0]!.contributions).toHaveLength(2);
    const all = explanation.columns.map((_, c) => Math.abs(explanation.contributions[2]![c]!));
    expect(Math.abs(top[0]!.contributions[0]!.contribution)).toBe(Math.max(...all));
    const first = top[0]!.contributions[0]!;
    const source = setup.frame.columns.find((c) => c.name === first.column)!;
    const expected = source.kind === 'string' ? source.values[0] : source.kind === 'datetime' ? new Date(source.values[0]!).toISOString() : source.values[0];
    expect(first.value).toEqual(expected);
  });
});
