import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPipelineWithSources, frameFromRows, type Frame } from '../../features/index.js';
import { Rng, trainLinear } from '../../learn/index.js';
import type { FeatureTable } from '../../learn/types.js';
import { AutoModel } from '../auto-model.js';
import type { BundleManifest } from '../bundle-types.js';
import { trainModel } from '../train-model.js';
import { columnPermutationImportance, partialDependence } from './global-explanations.js';

let dir: string;
let manifest: BundleManifest;
let frame: Frame;
let table: FeatureTable;
let sources: readonly string[];
let y: Float64Array;

beforeAll(async () => {
  const rng = new Rng(8);
  const rows = Array.from({ length: 300 }, () => {
    const size = rng.next() * 10;
    const colour = ['red', 'green', 'blue'][rng.int(3)]!;
    const noise = rng.next();
    return { size, colour, noise, price: 2 * size + (colour === 'red' ? 5 : 0) + noise * 0.1 };
  });
  dir = await mkdtemp(join(tmpdir(), 'autolab-global-'));
  const { model } = await trainModel(frameFromRows(rows), { target: 'price', trials: 2, seed: 1, out: join(dir, 'm') });
  manifest = model.manifest;
  frame = frameFromRows(rows.map(({ price: _price, ...rest }) => rest));
  ({ table, sources } = applyPipelineWithSources(manifest.pipeline, frame));
  y = Float64Array.from(rows, (r) => r.price);
}, 120_000);

afterAll(async () => rm(dir, { recursive: true, force: true }));

/** a bundle of one linear model fitted on the features of `columns` only */
function linearOn(columns: readonly string[]): AutoModel {
  const kept = table.columns.filter((_, f) => columns.includes(sources[f]!));
  const linear = trainLinear({ rows: table.rows, columns: kept }, y, { task: 'regression', lambda: 0.01 });
  return new AutoModel({ ...manifest, members: [{ id: 1, weight: 1, config: { kind: 'linear', lambda: 0.01 }, models: [] }], combiner: { kind: 'average' } }, [{ weight: 1, models: [linear] }]);
}

describe('permutation importance per input column', () => {
  it('shuffles an input column with every feature made from it: columns a model does not read count exactly 0', () => {
    const result = columnPermutationImportance(linearOn(['colour']), frame, y, { repeats: 2, seed: 3 });
    expect(result.metric).toBe(manifest.metric);
    const byColumn = Object.fromEntries(result.columns.map((c) => [c.column, c.importance]));
    expect(byColumn['colour']).toBeGreaterThan(0.5);
    expect(byColumn['size']).toBe(0);
    expect(byColumn['noise']).toBe(0);
    expect(result.columns[0]!.column).toBe('colour');
  });

  it('ranks the column the target follows first, in the metric\'s direction', () => {
    const result = columnPermutationImportance(linearOn(['size', 'colour', 'noise']), frame, y, { repeats: 3, seed: 1 });
    expect(result.columns.map((c) => c.column)).toEqual(['size', 'colour', 'noise']);
    expect(result.columns[2]!.importance).toBeLessThan(0.1);
  });
});

describe('partial dependence', () => {
  it('of a linear model: straight along a number (equal slopes between grid points), a step per category', () => {
    const model = linearOn(['size', 'colour']);
    const [size, colour] = partialDependence(model, frame, ['size', 'colour']);
    expect(size!.outputs).toEqual(['price']);
    expect(size!.points.length).toBeGreaterThan(5);
    const slopes = size!.points.slice(1).map((p, i) => (p.mean[0]! - size!.points[i]!.mean[0]!) / ((p.value as number) - (size!.points[i]!.value as number)));
    for (const s of slopes) expect(s).toBeCloseTo(slopes[0]!, 9);
    expect(slopes[0]).toBeGreaterThan(1.5);
    const red = colour!.points.find((p) => p.value === 'red')!.mean[0]!;
    const blue = colour!.points.find((p) => p.value === 'blue')!.mean[0]!;
    expect(red - blue).toBeGreaterThan(3);
    expect(colour!.points.map((p) => p.value).sort()).toEqual(['blue', 'green', 'red']);
  });
});
