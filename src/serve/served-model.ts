import { basename, resolve } from 'node:path';
import { explainEnsemble, loadBundle, topContributions, type AutoModel, type BundleManifest, type RowExplanation } from '../automl/index.js';
import { isUserError } from '../common/index.js';
import type { InputColumnSchema } from '../features/index.js';
import type { HumilityRules } from '../monitor/index.js';
import { compileHumility, type HumilityCount, type HumilityJudge } from './humility-judge.js';
import { compileRecordCleaner } from './record-cleaning.js';
import { compileRecordValidator, type CheckedRecords, type RecordValues } from './record-validator.js';
import { RequestError } from './request-error.js';

/** One request's scores: labels (or values), per-class probabilities, and the warnings of the check. */
export interface Scored {
  readonly predictions: readonly (string | number)[];
  /** rows × classes, row-major, classes in `classes` order; undefined for regression */
  readonly probabilities: Float64Array | undefined;
  readonly classes: readonly string[];
  readonly warnings: readonly string[];
  /** each record's top contributions, when asked for */
  readonly explanations?: readonly RowExplanation[];
  /** with humility rules: per record, the rules that fired (`outlying:age`), and records per rule */
  readonly humility?: { readonly flags: readonly (readonly string[])[]; readonly counts: readonly HumilityCount[] };
}

/**
 * A model bundle ready to serve: the loaded model, its input check compiled from the bundle's
 * schema, and the name and version the service reports (the bundle's hash when no version is
 * given: two folders with the same bundle are the same model).
 */
export class ServedModel {
  readonly #check: (records: readonly RecordValues[]) => CheckedRecords;
  readonly #clean: ((records: readonly RecordValues[]) => RecordValues[]) | undefined;
  readonly #inputColumns: ReadonlySet<string>;
  readonly #judges = new WeakMap<HumilityRules, HumilityJudge>();

  constructor(
    readonly model: AutoModel,
    readonly name: string,
    readonly version: string,
    readonly dir: string | undefined,
  ) {
    this.#inputColumns = new Set(model.manifest.schema.map((c) => c.name));
    this.#check = compileRecordValidator(model.manifest.schema, model.manifest.ranges ?? {});
    const { clean } = model.manifest;
    this.#clean = clean ? compileRecordCleaner(clean, model.manifest.schema.map((c) => c.name)) : undefined;
  }

  get manifest(): BundleManifest {
    return this.model.manifest;
  }

  get schema(): readonly InputColumnSchema[] {
    return this.model.manifest.schema;
  }

  /** the names of the input columns, for telling a field of a record from a request's option */
  get inputColumns(): ReadonlySet<string> {
    return this.#inputColumns;
  }

  /** The humility rules compiled for this model (once per rules object): what runs, what cannot, and the check. */
  humility(rules: HumilityRules): HumilityJudge {
    let judge = this.#judges.get(rules);
    if (!judge) {
      judge = compileHumility(this.model, rules);
      this.#judges.set(rules, judge);
    }
    return judge;
  }

  /**
   * Checks and scores records; a bad record is a `RequestError` naming its field. With `explain`,
   * each record's `top` contributions per input column too (towards class 1 for binary, the
   * predicted class for multiclass); without, nothing of explanations is computed. With `humility`
   * (this model's judge), each record's fired rules, fallback values in place of predictions, or a
   * `HumilityRefusal` (422).
   */
  score(records: readonly RecordValues[], explain?: { readonly top: number }, humility?: HumilityJudge): Scored {
    const { frame, warnings } = this.#check(this.#clean ? this.#clean(records) : records);
    let batch;
    let explanations: RowExplanation[] | undefined;
    try {
      batch = this.model.predictFrame(frame);
      if (explain) {
        const predicted = batch.prediction;
        const classes = this.model.classes;
        const outputOf = this.model.task === 'multiclass' ? (row: number) => classes.indexOf(String(predicted[row])) : () => 0;
        explanations = topContributions(explainEnsemble(this.model, frame), frame, explain.top, outputOf);
      }
    } catch (error) {
      // a value the feature pipeline cannot read (a date that is not one): the input's fault
      if (isUserError(error)) throw new RequestError(400, error.what, fieldNamed(error.what), error.hint);
      throw error;
    }
    const verdict = humility?.judge(frame, batch);
    return {
      predictions: verdict?.predictions ?? batch.prediction,
      probabilities: batch.probabilities,
      classes: batch.classes,
      warnings,
      ...(explanations ? { explanations } : {}),
      ...(verdict ? { humility: { flags: verdict.flags, counts: verdict.counts } } : {}),
    };
  }

  /**
   * Scores and explains one record of nulls, so that what a first request would otherwise pay for
   * happens at load: the trees laid out for TreeSHAP (~0.1 s on a 1,000-tree bundle) and the
   * prediction path compiled. A record the model's own check refuses is left unscored.
   */
  warm(): void {
    const record = Object.fromEntries(this.schema.map((c) => [c.name, null]));
    try {
      this.score([record], { top: 1 });
    } catch (error) {
      if (!(error instanceof RequestError)) throw error;
    }
  }
}

function fieldNamed(message: string): string | undefined {
  return /column '([^']*)'/.exec(message)?.[1];
}

export interface LoadOptions {
  /** the name the service gives the model (default: the bundle folder's name) */
  readonly name?: string;
  /** the version the service reports (default: the first 12 characters of the bundle's hash) */
  readonly version?: string;
}

/** Loads a bundle folder for serving (a `UserError` naming what is wrong when it is not a bundle). */
export function loadServedModel(dir: string, options: LoadOptions = {}): ServedModel {
  const { model, run } = loadBundle(dir);
  const version = options.version ?? run?.bundleHash.slice(0, 12) ?? 'unversioned';
  const served = new ServedModel(model, options.name ?? basename(resolve(dir)), version, resolve(dir));
  served.warm();
  return served;
}
