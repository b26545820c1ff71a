import type { FeatureTable, Predictor, Task } from '../learn/types.js';

export type LogTargetModelJSON = {
  readonly kind: 'log-target';
  readonly inner: { readonly kind: string } & Record<string, unknown>;
};

/**
 * A regression model fitted on log1p of a positive, skewed target; predicts back on the original
 * scale. Prices and counts are often modelled better so, and it adds diversity to the ensemble.
 */
export class LogTargetModel implements Predictor {
  readonly task: Task = 'regression';
  readonly numClasses = 1;

  constructor(private readonly inner: Predictor) {}

  get featureNames(): readonly string[] {
    return this.inner.featureNames;
  }

  static transform(y: Float64Array): Float64Array {
    return Float64Array.from(y, (v) => Math.log1p(v));
  }

  predict(table: FeatureTable): Float64Array {
    return this.inner.predict(table).map((v) => Math.expm1(v));
  }

  toJSON(): LogTargetModelJSON {
    return { kind: 'log-target', inner: this.inner.toJSON() };
  }
}

/** Whether a log transform suits this target: all values ≥ 0 and strongly right-skewed. */
export function suitsLogTarget(y: Float64Array): boolean {
  let mean = 0;
  for (const v of y) {
    if (!(v >= 0)) return false;
    mean += v / y.length;
  }
  let m2 = 0;
  let m3 = 0;
  for (const v of y) {
    const d = v - mean;
    m2 += (d * d) / y.length;
    m3 += (d * d * d) / y.length;
  }
  return m2 > 0 && m3 / m2 ** 1.5 > 1;
}
