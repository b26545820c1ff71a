import { applyPipeline, frameFromRows, type Frame } from '../features/index.js';
import { shareColumns } from '../learn/index.js';
import type { Predictor, Task } from '../learn/types.js';
import { blend } from './ensemble-selection.js';
import { sourceImportance } from './source-importance.js';
import { stackFeatures } from './stacking.js';
import type { BundleManifest, LeaderboardRow } from './bundle-types.js';

export interface FittedMember {
  readonly weight: number;
  /** one model per fold; the member predicts their average */
  readonly models: readonly Predictor[];
}

/** Predictions for a batch: labels (or values) and, for classifiers, row-major probabilities. */
export interface BatchPrediction {
  readonly prediction: readonly (string | number)[];
  /** n × classes.length, classes in `classes` order; undefined for regression */
  readonly probabilities?: Float64Array;
  readonly classes: readonly string[];
}

/** One row's prediction from the TypeScript API. */
export interface RowPrediction {
  readonly prediction: string | number;
  /** class label → probability, for classifiers */
  readonly probabilities?: Readonly<Record<string, number>>;
}

/**
 * The fold models' predictions averaged: one model's (a refitted member's) as they are, which
 * blending with weight 1 would copy unchanged; else in the first fold's array (each is its call's own).
 */
function foldAverage(perFold: readonly Float64Array[]): Float64Array {
  return perFold.length === 1 ? perFold[0]! : blend(perFold, perFold.map(() => 1 / perFold.length), perFold[0]);
}

/** A trained model: the fitted preprocessing and a weighted ensemble of bagged models. */
export class AutoModel {
  constructor(
    readonly manifest: BundleManifest,
    private readonly members: readonly FittedMember[],
    /** one stacker per fold when the manifest's combiner is a stack */
    private readonly stackers: readonly Predictor[] = [],
  ) {}

  get task(): Task {
    return this.manifest.task;
  }

  get classes(): readonly string[] {
    return this.manifest.classes;
  }

  /** the members' fitted models (one per fold), in the manifest's member order: what explanations read */
  get fittedMembers(): readonly FittedMember[] {
    return this.members;
  }

  /** the stacker's fitted models (one per fold) when the combiner is a stack, else none */
  get fittedStackers(): readonly Predictor[] {
    return this.stackers;
  }

  get leaderboard(): readonly LeaderboardRow[] {
    return this.manifest.leaderboard;
  }

  /** Scores a frame; input columns are checked against the training schema. */
  predictFrame(frame: Frame): BatchPrediction {
    return this.predictFrameLater(frame)();
  }

  /**
   * `predictFrame` in two steps: the frame's features are made, its tree models start on the
   * prediction workers and the other models are scored now; the returned function gives the
   * predictions (this thread joins the workers). In between, the caller may do other work (write
   * the previous batch) while the workers score; the frame must be left as it is until then.
   */
  predictFrameLater(frame: Frame): () => BatchPrediction {
    // a big batch's columns go into shared memory once, for the worker threads of every tree model
    const table = shareColumns(applyPipeline(this.manifest.pipeline, frame));
    // tree models start on the prediction workers first; the others are scored meanwhile on this thread
    const started = this.members.map((member) => member.models.map((model) => model.predictLater?.(table)));
    const scored = this.members.map((member, m) => member.models.map((model, f) => (started[m]![f] ? undefined : model.predict(table))));
    return () => this.#combine(frame.rows, this.members.map((member, m) => foldAverage(member.models.map((_, f) => scored[m]![f] ?? started[m]![f]!()))));
  }

  /** The members' outputs (this call's own arrays) combined: blended or stacked, then labelled. */
  #combine(rows: number, outputs: Float64Array[]): BatchPrediction {
    // the members' arrays are this call's own (a refitted member's, a fold average): the first takes the blend
    const level2 = this.manifest.combiner.kind === 'stack' ? stackFeatures(outputs, this.task, this.classes.length) : undefined;
    const blended =
      level2
        ? foldAverage(this.stackers.map((stacker) => stacker.predict(level2)))
        : blend(outputs, this.members.map((m) => m.weight), outputs[0]);
    if (this.task === 'regression') return { prediction: Array.from(blended), classes: [] };
    const k = this.classes.length;
    const prediction = new Array<string>(rows);
    for (let i = 0; i < rows; i++) {
      let total = 0;
      for (let j = 0; j < k; j++) total += blended[i * k + j]!;
      let best = 0;
      for (let j = 0; j < k; j++) {
        if (total > 0) blended[i * k + j] = blended[i * k + j]! / total;
        if (blended[i * k + j]! > blended[i * k + best]!) best = j;
      }
      prediction[i] = this.classes[best]!;
    }
    return { prediction, probabilities: blended, classes: this.classes };
  }

  /**
   * Each input column's share of the model's mean |SHAP| on these rows (its tree members; see
   * source-importance.ts), or null when no member is a tree model.
   */
  importance(frame: Frame): Record<string, number> | null {
    return sourceImportance(this.manifest, this.members, frame);
  }

  /** Scores plain row objects, as the TypeScript API's `model.predict(rows)`. */
  predict(rows: readonly Record<string, unknown>[]): RowPrediction[] {
    const names = this.manifest.schema.map((c) => c.name);
    const batch = this.predictFrame(frameFromRows(rows, names.filter((n) => rows.some((r) => n in r))));
    const k = batch.classes.length;
    return batch.prediction.map((prediction, i) => {
      if (!batch.probabilities) return { prediction };
      const probabilities: Record<string, number> = {};
      batch.classes.forEach((c, j) => (probabilities[c] = batch.probabilities![i * k + j]!));
      return { prediction, probabilities };
    });
  }
}
