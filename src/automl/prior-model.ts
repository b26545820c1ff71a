import type { FeatureTable, Predictor, Task } from '../learn/types.js';

export type PriorModelJSON = {
  readonly kind: 'prior';
  readonly task: Task;
  readonly numClasses: number;
  /** class probabilities, or the mean for regression */
  readonly output: readonly number[];
};

/**
 * The model that ignores the features: class frequencies or the mean. It is the floor every other
 * candidate must beat, and the answer when the budget allows nothing else.
 */
export class PriorModel implements Predictor {
  readonly featureNames: readonly string[] = [];

  private constructor(
    readonly task: Task,
    readonly numClasses: number,
    private readonly output: readonly number[],
  ) {}

  static fit(task: Task, numClasses: number, y: Float64Array): PriorModel {
    if (task === 'regression') {
      let sum = 0;
      for (const v of y) sum += v;
      return new PriorModel(task, 1, [y.length ? sum / y.length : 0]);
    }
    // one pseudo-count per class keeps a class absent from this fold above zero probability
    const counts = new Array<number>(numClasses).fill(1);
    for (const v of y) counts[v] = counts[v]! + 1;
    const total = counts.reduce((a, b) => a + b, 0);
    return new PriorModel(task, numClasses, counts.map((c) => c / total));
  }

  static fromJSON(json: PriorModelJSON): PriorModel {
    return new PriorModel(json.task, json.numClasses, json.output);
  }

  predict(table: FeatureTable): Float64Array {
    const k = this.output.length;
    const out = new Float64Array(table.rows * k);
    for (let i = 0; i < table.rows; i++) for (let j = 0; j < k; j++) out[i * k + j] = this.output[j]!;
    return out;
  }

  toJSON(): PriorModelJSON {
    return { kind: 'prior', task: this.task, numClasses: this.numClasses, output: [...this.output] };
  }
}
