import { describe, expect, it } from 'vitest';
import { trainLinear } from '../learn/index.js';
import type { FeatureTable } from '../learn/types.js';
import { LogTargetModel } from './log-target-model.js';
import { restoreModel } from './model-factory.js';

describe('LogTargetModel', () => {
  const x = Float64Array.from({ length: 200 }, (_, i) => i / 20);
  const y = Float64Array.from(x, (v) => Math.exp(v) * 10);
  const logY = LogTargetModel.transform(y);
  const model = new LogTargetModel(trainLinear({ rows: 200, columns: [{ name: 'x', type: 'numeric', values: x }] }, logY, { task: 'regression', lambda: 1e-6 }), LogTargetModel.rangeOf(logY));
  const far: FeatureTable = { rows: 3, columns: [{ name: 'x', type: 'numeric', values: Float64Array.of(5, 1000, -1000) }] };

  it('predicts on the original scale within the training range, at most twice the largest target', () => {
    const p = model.predict(far);
    expect(Math.abs(p[0]! / (Math.exp(5) * 10) - 1)).toBeLessThan(0.02);
    const largest = Math.max(...y);
    expect(p[1]).toBeLessThanOrEqual(2 * largest + 2);
    // the line clamps its input to the training range: a far input scores as the edge of it
    expect(p[1]).toBeCloseTo(model.predict({ rows: 1, columns: [{ name: 'x', type: 'numeric', values: Float64Array.of(Math.max(...x)) }] })[0]!, 6);
    expect(p[1]).toBeGreaterThan(0.95 * largest);
    expect(p[2]).toBeCloseTo(Math.min(...y), 6);
  });

  it('keeps its range through JSON', () => {
    const restored = restoreModel(JSON.parse(JSON.stringify(model.toJSON())) as { kind: string });
    expect(Array.from(restored.predict(far))).toEqual(Array.from(model.predict(far)));
  });
});
