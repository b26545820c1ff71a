import type { FeatureTable, Predictor, Task } from '../learn/types.js';

export type LogTargetModelJSON = {
  readonly kind: 'log-target';
  readonly inner: { readonly kind: string } & Record<string, unknown>;
  /** the log-scale predictions are held in [lo, hi] (absent in bundles written before it existed) */
  readonly range?: readonly [number, number];
};

/**
 * A regression model fitted on log1p of a positive, skewed target; predicts back on the original
 * scale. Prices and counts are often modelled better so, and it adds diversity to the ensemble.
 */
export class LogTargetModel implements Predictor {
  readonly task: Task = 'regression';
  readonly numClasses = 1;

  /**
   * `range`: bounds of the inner model's log-scale output. A linear model extrapolates on the log
   * scale, and exp turns a modest overshoot into an absurd prediction; `LogTargetModel.rangeOf`
   * allows up to twice the largest training target.
   */
  constructor(
    private readonly inner: Predictor,
    private readonly range?: readonly [number, number],
  ) {}

  static rangeOf(logY: Float64Array): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of logY) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return [lo, hi + Math.LN2];
  }

  static fromJSON(json: LogTargetModelJSON, restore: (inner: LogTargetModelJSON['inner']) => Predictor): LogTargetModel {
    return new LogTargetModel(restore(json.inner), json.range);
  }

  get featureNames(): readonly string[] {
    return this.inner.featureNames;
  }

  /** the model fitted on the log scale, and the bounds its output is held in (for exporters) */
  get logScale(): { readonly inner: Predictor; readonly range: readonly [number, number] | undefined } {
    return { inner: this.inner, range: this.range };
  }

  static transform(y: Float64Array): Float64Array {
    return Float64Array.from(y, (v) => Math.log1p(v));
  }

  predict(table: FeatureTable): Float64Array {
    return this.#back(this.inner.predict(table));
  }

  predictLater(table: FeatureTable): () => Float64Array {
    const inner = this.inner.predictLater?.(table);
    if (!inner) {
      const values = this.inner.predict(table);
      return () => this.#back(values);
    }
    return () => this.#back(inner());
  }

  /** the log-scale output, held in the range, on the original scale */
  #back(values: Float64Array): Float64Array {
    const [lo, hi] = this.range ?? [-Infinity, Infinity];
    return values.map((v) => Math.expm1(Math.min(hi, Math.max(lo, v))));
  }

  toJSON(): LogTargetModelJSON {
    return { kind: 'log-target', inner: this.inner.toJSON(), ...(this.range ? { range: this.range } : {}) };
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
