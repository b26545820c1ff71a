import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, InputError } from '../../common/index.js';
import { Rng } from '../random.js';
import type { FeatureColumn, FeatureTable } from '../types.js';
import { bestCommonShift } from './coordinate-descent.js';
import { encodeDesign, fitDesign, linearPredictor, predictDesign } from './design.js';
import { minimizeLbfgs } from './lbfgs.js';
import { LinearModel, trainLinear } from './linear-model.js';

function numeric(name: string, values: number[]): FeatureColumn {
  return { name, type: 'numeric', values: Float64Array.from(values) };
}

function categorical(name: string, values: number[], categories: string[]): FeatureColumn {
  return { name, type: 'categorical', values: Float64Array.from(values), categories };
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (Math.abs(actual[i]! - expected[i]!) > tolerance) {
      throw new Error(`element ${i}: ${actual[i]} differs from ${expected[i]} by more than ${tolerance}`);
    }
  }
}

// The small set below was also fitted with scikit-learn 1.2.1 (/usr/bin/python3) on
// StandardScaler-ed columns; its outputs are written here as constants.
const X1 = [1, 2, 3, 4, 5, 6, 7, 8, 2.5, 6.5];
const X2 = [5, 3, 4.5, 1, 2, 0.5, 3.5, 2.5, 1.5, 4];
const small: FeatureTable = { rows: 10, columns: [numeric('a', X1), numeric('b', X2)] };
const yBinary = Float64Array.of(0, 0, 0, 1, 0, 1, 1, 1, 1, 0);
const yRegression = Float64Array.of(3.1, 2.0, 4.2, 1.1, 2.9, 0.7, 5.5, 4.9, 1.0, 6.2);
const yClasses = Float64Array.of(0, 0, 1, 2, 1, 2, 2, 1, 0, 1);

/** A random table with numeric (some missing) and categorical columns, and a linear signal. */
function randomProblem(seed: number, n: number): { table: FeatureTable; signal: Float64Array } {
  const rng = new Rng(seed);
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const c = new Float64Array(n);
  const signal = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    x1[i] = rng.normal() * 3 + 10;
    x2[i] = rng.next() < 0.1 ? Number.NaN : rng.normal();
    c[i] = rng.int(4);
    signal[i] = 0.8 * (x1[i]! - 10) / 3 - 1.2 * (Number.isNaN(x2[i]!) ? 0.5 : x2[i]!) + [0, 1, -1, 0.5][c[i]!]!;
  }
  return {
    table: { rows: n, columns: [{ name: 'x1', type: 'numeric', values: x1 }, { name: 'x2', type: 'numeric', values: x2 }, { name: 'c', type: 'categorical', values: c, categories: ['p', 'q', 'r', 's'] }] },
    signal,
  };
}

/** Gradient of Σ wᵢ·lossᵢ w.r.t. each design slot, computed directly from an explicit dense design. */
function denseDesign(table: FeatureTable): { x: number[][]; width: number } {
  const spec = fitDesign(table);
  const encoded = encodeDesign(spec, table);
  const x = Array.from({ length: table.rows }, () => new Array<number>(spec.width).fill(0));
  for (const { slot, values } of encoded.dense) for (let i = 0; i < table.rows; i++) x[i]![slot] = values[i]!;
  for (const { offset, codes } of encoded.categorical) for (let i = 0; i < table.rows; i++) if (codes[i]! >= 0) x[i]![offset + codes[i]!] = 1;
  return { x, width: spec.width };
}

describe('minimizeLbfgs', () => {
  it('finds the minimum of the Rosenbrock function', () => {
    const result = minimizeLbfgs(
      (p, g) => {
        const [a, b] = [p[0]!, p[1]!];
        g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
        g[1] = 200 * (b - a * a);
        return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
      },
      Float64Array.of(-1.2, 1),
      { maxIter: 1000, tol: 1e-10 },
    );
    expect(result.converged).toBe(true);
    expectClose(result.x, [1, 1], 1e-6);
  });

  it('stops at its deadline with where it got to, not converged', () => {
    const rosenbrock = (p: Float64Array, g: Float64Array): number => {
      const [a, b] = [p[0]!, p[1]!];
      g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
      g[1] = 200 * (b - a * a);
      return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
    };
    const result = minimizeLbfgs(rosenbrock, Float64Array.of(-1.2, 1), { maxIter: 1000, tol: 1e-10, deadline: Date.now() - 1 });
    expect(result).toMatchObject({ iterations: 0, converged: false });
    expect(Array.from(result.x)).toEqual([-1.2, 1]);
  });
});

describe('bestCommonShift', () => {
  it('moves a one-hot block to the minimum of its penalty', () => {
    // pure L1: the median; pure L2: the mean; both: in between, on the L1 kink here
    expect(bestCommonShift([1, 2, 3], 1, 0)).toBe(-2);
    expect(bestCommonShift([1, 2, 6], 0, 1)).toBeCloseTo(-3, 12);
    expect(bestCommonShift([0, 0, 0], 1, 1)).toBe(0);
    const t = bestCommonShift([1, 2, 6], 1, 0.1);
    expect(t).toBe(-2);
  });
});

describe('trainLinear against scikit-learn', () => {
  it('binary logistic regression (C = 1/λ)', () => {
    const model = trainLinear(small, yBinary, { task: 'binary', lambda: 0.5, tol: 1e-10 });
    const p = model.predict(small);
    const p1 = Array.from({ length: 10 }, (_, i) => p[2 * i + 1]!);
    expectClose(p1, [0.03086907366889062, 0.2264677071872229, 0.0929320422923295, 0.792591121686592, 0.6808164401022232, 0.9247641849715624, 0.5145566724297191, 0.792939083013216, 0.5860523651352669, 0.3580122636440047], 1e-6);
    for (let i = 0; i < 10; i++) expect(p[2 * i]! + p[2 * i + 1]!).toBeCloseTo(1, 12);
  });

  it('multinomial logistic regression', () => {
    // scikit-learn's own multinomial fit stops with a gradient of 2e-5 here, so the constants are the
    // same objective minimised to a gradient below 1e-10 with scipy's BFGS
    const model = trainLinear(small, yClasses, { task: 'multiclass', lambda: 0.5, tol: 1e-10 });
    expect(model.numClasses).toBe(3);
    expectClose(
      model.predict(small),
      [
        0.7966873544512411, 0.18691038459555046, 0.01640226095320847, 0.7211498477978093, 0.18914722858956828, 0.08970292361262229, 0.38792008790452415, 0.5394415479209564, 0.07263836417451935,
        0.259730379169548, 0.2072240244849592, 0.5330455963454929, 0.12263019817223453, 0.4153088626396381, 0.46206093918812735, 0.040992041151851163, 0.19385344102802138, 0.7651545178201274,
        0.015303320015568053, 0.7476546101040822, 0.23704206988034973, 0.006705713813393228, 0.5713889195113375, 0.4219053666752693, 0.6269893115784497, 0.1392123742350356, 0.23379831418651467,
        0.021891704600168146, 0.8098586266665001, 0.16824966873333166,
      ],
      1e-7,
    );
  });

  it('ridge regression (alpha = λ)', () => {
    const model = trainLinear(small, yRegression, { task: 'regression', lambda: 2, tol: 1e-12 });
    expectClose(model.predict(small), [3.537806122448979, 2.2056632653061223, 4.0306632653061225, 1.345459183673469, 2.719438775510204, 1.838316326530612, 5.016377551020408, 4.586275510204081, 1.088571428571428, 5.231428571428571], 1e-7);
  });

  it('scores an input beyond the training range as the edge of the range (no line run past what it was fitted on)', () => {
    const model = trainLinear(small, yRegression, { task: 'regression', lambda: 2, tol: 1e-12 });
    const edge = (x1: number): FeatureTable => ({ rows: 1, columns: small.columns.map((c) => (c.name === 'a' ? numeric('a', [x1]) : { ...c, values: c.values.slice(0, 1) })) });
    const max = Math.max(...X1);
    const min = Math.min(...X1);
    expect(model.predict(edge(1000))[0]).toBe(model.predict(edge(max))[0]);
    expect(model.predict(edge(-1000))[0]).toBe(model.predict(edge(min))[0]);
    expect(model.predict(edge(max))[0]).not.toBe(model.predict(edge(min))[0]);
  });

  it('elastic net (alpha = λ/n) by coordinate descent', () => {
    const model = trainLinear(small, yRegression, { task: 'regression', lambda: 0.3, l1Ratio: 0.5, tol: 1e-12, maxIter: 100000 });
    const coef = model.coefficients();
    expectClose(
      coef.map((c) => c.values[0]!),
      [1.3020414380940297, 1.5773599313603142],
      1e-7,
    );
    expect(model.weights.intercept[0]).toBeCloseTo(3.16, 9);
  });
});

describe('trainLinear optimality', () => {
  it('binary logistic with missing values and categories: the penalised gradient vanishes', () => {
    const { table, signal } = randomProblem(1, 300);
    const rng = new Rng(2);
    const y = Float64Array.from(signal, (s) => (rng.next() < 1 / (1 + Math.exp(-s)) ? 1 : 0));
    const lambda = 0.7;
    const model = trainLinear(table, y, { task: 'binary', lambda, tol: 1e-10 });
    // 300 rows: the gradient's terms are O(300), so 1e-4 is ~1e-7 relative, near the precision of f
    const { x, width } = denseDesign(table);
    const p = model.predict(table);
    const { coef } = model.weights;
    for (let j = 0; j < width; j++) {
      let g = lambda * coef[j]!;
      for (let i = 0; i < table.rows; i++) g += x[i]![j]! * (p[2 * i + 1]! - y[i]!);
      expect(Math.abs(g)).toBeLessThan(1e-4);
    }
    let gi = 0;
    for (let i = 0; i < table.rows; i++) gi += p[2 * i + 1]! - y[i]!;
    expect(Math.abs(gi)).toBeLessThan(1e-4);
    // 6 slots: x1, x2, x2 (missing), c=p, c=q, c=r, c=s
    expect(width).toBe(7);
    expect(model.coefficients().map((c) => c.term)).toEqual(['x1', 'x2', 'x2 (missing)', 'c=p', 'c=q', 'c=r', 'c=s']);
  });

  it('logistic lasso (IRLS + coordinate descent) meets the subgradient conditions', () => {
    const { table, signal } = randomProblem(3, 400);
    const rng = new Rng(4);
    const y = Float64Array.from(signal, (s) => (rng.next() < 1 / (1 + Math.exp(-2 * s)) ? 1 : 0));
    const lambda = 8;
    const l1Ratio = 0.9;
    const model = trainLinear(table, y, { task: 'binary', lambda, l1Ratio, tol: 1e-10 });
    const { x, width } = denseDesign(table);
    const p = model.predict(table);
    const { coef } = model.weights;
    let zeros = 0;
    for (let j = 0; j < width; j++) {
      let g = lambda * (1 - l1Ratio) * coef[j]!;
      for (let i = 0; i < table.rows; i++) g += x[i]![j]! * (p[2 * i + 1]! - y[i]!);
      if (coef[j] === 0) {
        zeros++;
        expect(Math.abs(g)).toBeLessThanOrEqual(lambda * l1Ratio + 1e-4);
      } else expect(Math.abs(g + lambda * l1Ratio * Math.sign(coef[j]!))).toBeLessThan(1e-4);
    }
    expect(zeros).toBeGreaterThan(0);
  });

  it('multinomial logistic lasso meets the subgradient conditions of every class', () => {
    const { table, signal } = randomProblem(5, 300);
    const y = Float64Array.from(signal, (s) => (s < -0.7 ? 0 : s < 0.7 ? 1 : 2));
    const lambda = 3;
    const l1Ratio = 1;
    const model = trainLinear(table, y, { task: 'multiclass', lambda, l1Ratio, tol: 1e-12, maxIter: 2000 });
    const { x, width } = denseDesign(table);
    const p = model.predict(table);
    const { coef } = model.weights;
    for (let k = 0; k < 3; k++) {
      for (let j = 0; j < width; j++) {
        let g = 0;
        for (let i = 0; i < table.rows; i++) g += x[i]![j]! * (p[3 * i + k]! - (y[i] === k ? 1 : 0));
        const b = coef[k * width + j]!;
        if (b === 0) expect(Math.abs(g)).toBeLessThanOrEqual(lambda + 1e-3);
        else expect(Math.abs(g + lambda * Math.sign(b))).toBeLessThan(1e-3);
      }
    }
  });

  it('regression with a large L1 penalty predicts the weighted mean', () => {
    const { table, signal } = randomProblem(6, 100);
    const model = trainLinear(table, signal, { task: 'regression', lambda: 1e6, l1Ratio: 1 });
    expect(model.weights.coef.every((b) => b === 0)).toBe(true);
    const mean = signal.reduce((a, b) => a + b, 0) / signal.length;
    expect(model.predict(table)[0]).toBeCloseTo(mean, 10);
  });

  it('a row weight of 2 equals the row twice', () => {
    const { table, signal } = randomProblem(7, 60);
    const y = Float64Array.from(signal, (s) => (s > 0 ? 1 : 0));
    const weights = Float64Array.from({ length: 60 }, (_, i) => (i < 10 ? 2 : 1));
    const doubled: FeatureTable = {
      rows: 70,
      columns: table.columns.map((c) => ({ ...c, values: Float64Array.from([...c.values, ...c.values.subarray(0, 10)]) })),
    };
    const yDoubled = Float64Array.from([...y, ...y.subarray(0, 10)]);
    // weights are rescaled to mean 1, so λ scales with n/Σw to compare the two fits
    const a = trainLinear(table, y, { task: 'binary', lambda: 1, tol: 1e-11 }, { weights });
    const b = trainLinear(doubled, yDoubled, { task: 'binary', lambda: 70 / 60, tol: 1e-11 });
    // the design of `b` is standardised on the doubled rows, so compare predictions, not coefficients
    expectClose(a.predict(table), b.predict(table), 0.05);
  });
});

describe('LinearModel prediction input', () => {
  const train: FeatureTable = { rows: 6, columns: [numeric('x', [1, 2, Number.NaN, 4, 5, 6]), categorical('c', [0, 1, 2, 0, 1, 2], ['a', 'b', 'c'])] };
  const y = Float64Array.of(1, 2, 3, 4, 5, 7);
  const model = trainLinear(train, y, { task: 'regression', lambda: 0.1 });

  it('imputes missing and ±Infinity with the mean, and sets the indicator', () => {
    const table: FeatureTable = { rows: 2, columns: [numeric('x', [Number.NaN, Infinity]), categorical('c', [0, 0], ['a', 'b', 'c'])] };
    const [a, b] = model.predict(table);
    expect(a).toBe(b);
    const coef = model.coefficients();
    const missing = coef.find((c) => c.term === 'x (missing)')!.values[0]!;
    expect(missing).not.toBe(0);
  });

  it('gives unseen categories no one-hot slot and remaps a different dictionary by label', () => {
    const relabelled: FeatureTable = { rows: 3, columns: [numeric('x', [2, 2, 2]), categorical('c', [0, 1, 2], ['c', 'z', 'a'])] };
    const original: FeatureTable = { rows: 2, columns: [numeric('x', [2, 2]), categorical('c', [2, 0], ['a', 'b', 'c'])] };
    const p = model.predict(relabelled);
    const q = model.predict(original);
    expect(p[0]).toBe(q[0]);
    expect(p[2]).toBe(q[1]);
    const intercept = model.weights.intercept[0]!;
    const xCoef = model.coefficients()[0]!.values[0]!;
    const spec = model.designSpec.columns[0]!;
    if (spec.kind !== 'numeric') throw new Error('expected numeric');
    expect(p[1]).toBeCloseTo(intercept + ((2 - spec.mean) / spec.scale) * xCoef, 12);
  });

  it('matches columns by name and reports a missing one', () => {
    const reordered: FeatureTable = { rows: 6, columns: [train.columns[1]!, train.columns[0]!] };
    expect(model.predict(reordered)).toEqual(model.predict(train));
    expect(() => model.predict({ rows: 6, columns: [train.columns[0]!] })).toThrow(InputError);
  });

  it('rejects empty data, one class and bad labels with clear errors', () => {
    expect(() => trainLinear({ rows: 0, columns: [] }, new Float64Array(0), { task: 'regression', lambda: 1 })).toThrow(DataError);
    expect(() => trainLinear(train, Float64Array.of(1, 1, 1, 1, 1, 1), { task: 'binary', lambda: 1 })).toThrow(/one class/);
    expect(() => trainLinear(train, Float64Array.of(0, 1, 2, 0, 1, 0), { task: 'binary', lambda: 1 })).toThrow(InputError);
    expect(() => trainLinear(train, Float64Array.of(0, 1, 0.5, 0, 1, 0), { task: 'multiclass', lambda: 1 })).toThrow(InputError);
    expect(() => trainLinear(train, y, { task: 'regression', lambda: -1 })).toThrow(/lambda/);
    const extreme: FeatureTable = { rows: 3, columns: [numeric('x', [1e308, 1e308, -1e308])] };
    expect(() => trainLinear(extreme, Float64Array.of(1, 2, 3), { task: 'regression', lambda: 1 })).toThrow(/too large to standardise/);
  });
});

describe('predictDesign', () => {
  it('gives the sums of encodeDesign then linearPredictor, bit for bit (missing, ±Infinity, out of range, unseen and relabelled categories, zero coefficients)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 1, max: 4 }), (seed, outputs) => {
        const { table } = randomProblem(seed, 60);
        const spec = fitDesign(table);
        const rng = new Rng(seed + 1);
        // a third of the coefficients exactly zero, as a lasso leaves them
        const coef = Float64Array.from({ length: outputs * spec.width }, () => (rng.next() < 0.33 ? 0 : rng.normal() * 3));
        const intercept = Float64Array.from({ length: outputs }, () => rng.normal());
        const x1 = Float64Array.from(table.columns[0]!.values, (v, i) => (i % 7 === 0 ? Infinity : i % 11 === 0 ? -1e6 : i % 13 === 0 ? 1e6 : v));
        const codes = Float64Array.from(table.columns[2]!.values, (v, i) => (i % 5 === 0 ? 7 : i % 9 === 0 ? Number.NaN : v));
        const scored: FeatureTable = {
          rows: table.rows,
          columns: [{ ...table.columns[2]!, values: codes, categories: ['s', 'r', 'q', 'p', 'new'] }, table.columns[1]!, { ...table.columns[0]!, values: x1 }],
        };
        const encoded = encodeDesign(spec, scored);
        const expected = new Float64Array(table.rows * outputs);
        const column = new Float64Array(table.rows);
        for (let c = 0; c < outputs; c++) {
          linearPredictor(encoded, coef, c * spec.width, intercept[c]!, column);
          for (let i = 0; i < table.rows; i++) expected[i * outputs + c] = column[i]!;
        }
        expect(predictDesign(spec, scored, coef, intercept)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });
});

describe('LinearModel serialisation', () => {
  it('predicts bit-identically after a JSON round trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1000 }), fc.constantFrom('binary' as const, 'multiclass' as const, 'regression' as const), fc.double({ min: 1e-3, max: 10, noNaN: true }), fc.constantFrom(0, 0.5), (seed, task, lambda, l1Ratio) => {
        const { table, signal } = randomProblem(seed, 80);
        const y = Float64Array.from(signal, (s) => (task === 'regression' ? s : task === 'binary' ? (s > 0 ? 1 : 0) : s < -0.5 ? 0 : s < 0.5 ? 1 : 2));
        if (task !== 'regression' && new Set(y).size < 2) return;
        const model = trainLinear(table, y, { task, lambda, l1Ratio, maxIter: 100 });
        const restored = LinearModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
        const { table: fresh } = randomProblem(seed + 1, 40);
        expect(restored.predict(fresh)).toEqual(model.predict(fresh));
        expect(restored.toJSON()).toEqual(model.toJSON());
      }),
      { numRuns: 30 },
    );
  });
});
