/**
 * The humility rules on a served model: compiled once per model (which rules can run on this
 * bundle, and why the others cannot), then run on every request's checked frame and scores. A
 * fired rule flags the record (`uncertain`, `outlying:<column>`, `unseen:<column>`,
 * `low-observation`); a fallback rule's value replaces the prediction; a refusing rule turns the
 * whole request into a 422 naming the rule, the record and the column.
 */
import { leafSupportOf, type AutoModel, type BatchPrediction } from '../automl/index.js';
import { findColumn, formatNumber, type Frame } from '../features/index.js';
import {
  lowObservationRecords,
  outlyingRecords,
  robustZ,
  RULE_NAMES,
  uncertainRecords,
  unseenRecords,
  type HumilityAction,
  type HumilityRuleKey,
  type HumilityRules,
} from '../monitor/index.js';
import { RequestError } from './request-error.js';

/** Records one rule fired on in one request. */
export interface HumilityCount {
  readonly rule: string;
  readonly action: HumilityAction;
  readonly records: number;
}

export interface HumilityVerdict {
  /** per record, what fired, in rule order */
  readonly flags: readonly (readonly string[])[];
  /** the predictions to answer: a fallback rule's value where one fired */
  readonly predictions: readonly (string | number)[];
  readonly counts: readonly HumilityCount[];
}

/** A request a refusing rule stopped: a 422, with what fired for the metrics. */
export class HumilityRefusal extends RequestError {
  constructor(
    message: string,
    field: string | undefined,
    readonly counts: readonly HumilityCount[],
  ) {
    super(422, message, field, 'the service is configured to refuse such records (humility rules); send records like the training data, or ask for the rule to flag instead');
  }
}

export interface HumilityJudge {
  /** the rules that run, e.g. `outlying (training range, robust z > 5): refuse` */
  readonly active: readonly string[];
  /** rules (or parts) configured that this bundle cannot run, and why */
  readonly unavailable: readonly string[];
  judge(frame: Frame, batch: BatchPrediction): HumilityVerdict;
}

/** A rule compiled for one model: per record, 1 where it fired, and the reason said for a refused record. */
interface CompiledRule {
  readonly key: HumilityRuleKey;
  readonly action: HumilityAction;
  readonly fallback: string | number | undefined;
  /** each firing: which column (none for whole-record rules), per record */
  fire(frame: Frame, batch: BatchPrediction): { column: string | undefined; fired: Uint8Array; why: (record: number) => string }[];
}

// the order rules are checked, flagged and (for fallbacks) answered in: the input's rules first
const ORDER: readonly HumilityRuleKey[] = ['unseen', 'outlying', 'lowObservation', 'uncertain'];

export function compileHumility(model: AutoModel, rules: HumilityRules): HumilityJudge {
  const { manifest } = model;
  const active: string[] = [];
  const unavailable: string[] = [];
  const compiled: CompiledRule[] = [];
  for (const key of ORDER) {
    const rule = rules[key];
    if (!rule) continue;
    const base = { key, action: rule.action, fallback: rule.fallback };
    switch (key) {
      case 'uncertain': {
        const r = rules.uncertain!;
        if (manifest.task === 'regression') {
          unavailable.push('uncertain: the model is a regression (it gives no probabilities)');
          break;
        }
        const binary = manifest.classes.length === 2;
        active.push(`uncertain (${binary ? `|p(${manifest.classes[1]}) − ${r.threshold}| < ${r.band}` : `top two probabilities within ${r.margin}`}): ${rule.action}`);
        compiled.push({
          ...base,
          fire: (_frame, batch) => {
            const k = batch.classes.length;
            const p = batch.probabilities!;
            return [{
              column: undefined,
              fired: uncertainRecords(p, k, r),
              why: (i) => binary ? `the probability ${formatNumber(p[i * 2 + 1]!)} of '${batch.classes[1]}' is within ${r.band} of the threshold ${r.threshold}` : `the top two probabilities are within ${r.margin} of each other`,
            }];
          },
        });
        break;
      }
      case 'outlying': {
        const r = rules.outlying!;
        const ranges = manifest.ranges;
        const numeric = manifest.schema.filter((c) => c.kind === 'number' && ranges?.[c.name] !== undefined).map((c) => ({ name: c.name, stats: ranges![c.name]! }));
        if (!ranges) {
          unavailable.push('outlying: the bundle keeps no training ranges (trained before them; train it again)');
          break;
        }
        if (numeric.length === 0) {
          unavailable.push('outlying: the model has no numeric input');
          break;
        }
        if (r.zScore !== undefined) {
          const without = numeric.filter((c) => c.stats.median === undefined || c.stats.mad === undefined);
          if (without.length > 0) unavailable.push(`outlying's robust z-score: the bundle predates training medians and MADs (${without.length === numeric.length ? 'every column' : without.map((c) => `'${c.name}'`).join(', ')}; train it again)`);
          const flat = numeric.filter((c) => c.stats.mad === 0);
          if (flat.length > 0) unavailable.push(`outlying's robust z-score for ${flat.map((c) => `'${c.name}'`).join(', ')}: its training MAD is 0 (most values equal); only its range is checked`);
        }
        if (!r.range && r.zScore === undefined) {
          unavailable.push('outlying: neither range nor zScore is asked for');
          break;
        }
        const tests = [...(r.range ? ['training range'] : []), ...(r.zScore !== undefined ? [`robust z > ${r.zScore}`] : [])].join(', ');
        active.push(`outlying (${tests}; ${numeric.length} column${numeric.length === 1 ? '' : 's'}): ${rule.action}`);
        compiled.push({
          ...base,
          fire: (frame) =>
            numeric.flatMap(({ name, stats }) => {
              const column = findColumn(frame, name);
              if (!column || column.kind !== 'number') return [];
              const values = column.values;
              return [{
                column: name,
                fired: outlyingRecords(values, stats, r),
                why: (i) => {
                  const x = values[i]!;
                  if (r.range && (x < stats.min || x > stats.max)) return `column '${name}' is ${formatNumber(x)}, outside the training range [${formatNumber(stats.min)}, ${formatNumber(stats.max)}]`;
                  return `column '${name}' is ${formatNumber(x)}, ${formatNumber(robustZ(x, stats.median!, stats.mad!))} robust z-scores from the training median ${formatNumber(stats.median!)} (limit ${r.zScore})`;
                },
              }];
            }),
        });
        break;
      }
      case 'unseen': {
        const categorical = manifest.schema.filter((c) => c.kind === 'string' && c.categories !== undefined).map((c) => ({ name: c.name, seen: new Set(c.categories) }));
        if (categorical.length === 0) {
          unavailable.push('unseen: the model has no categorical input');
          break;
        }
        active.push(`unseen (${categorical.length} categorical column${categorical.length === 1 ? '' : 's'}): ${rule.action}`);
        compiled.push({
          ...base,
          fire: (frame) =>
            categorical.flatMap(({ name, seen }) => {
              const column = findColumn(frame, name);
              if (!column || column.kind !== 'string') return [];
              const values = column.values;
              return [{ column: name, fired: unseenRecords(values, seen), why: (i) => `column '${name}' is '${String(values[i]).slice(0, 40)}', a category not seen in training` }];
            }),
        });
        break;
      }
      case 'lowObservation': {
        const r = rules.lowObservation!;
        const support = leafSupportOf(model);
        if (!support.available) {
          unavailable.push(`low-observation: ${support.reason}`);
          break;
        }
        active.push(`low-observation (median leaf of member ${support.member} under ${r.minRows} training rows): ${rule.action}`);
        compiled.push({
          ...base,
          fire: (frame) => {
            const rows = support.rows(frame);
            return [{ column: undefined, fired: lowObservationRecords(rows, r.minRows), why: (i) => `the leaves that decided held a median of ${formatNumber(rows[i]!)} training rows (at least ${r.minRows} asked)` }];
          },
        });
        break;
      }
    }
  }

  return {
    active,
    unavailable,
    judge(frame, batch) {
      const flags: string[][] = Array.from({ length: frame.rows }, () => []);
      const predictions = batch.prediction.slice();
      const fellBack = new Uint8Array(frame.rows);
      const counts: HumilityCount[] = [];
      let refusal: { record: number; rule: string; column: string | undefined; why: string } | undefined;
      for (const rule of compiled) {
        const name = RULE_NAMES[rule.key];
        const hit = new Uint8Array(frame.rows);
        for (const { column, fired, why } of rule.fire(frame, batch)) {
          for (let i = 0; i < frame.rows; i++) {
            if (fired[i] !== 1) continue;
            hit[i] = 1;
            flags[i]!.push(column === undefined ? name : `${name}:${column}`);
            if (rule.action === 'refuse' && (refusal === undefined || i < refusal.record)) refusal = { record: i, rule: name, column, why: why(i) };
            if (rule.action === 'fallback' && fellBack[i] === 0) {
              fellBack[i] = 1;
              predictions[i] = rule.fallback!;
            }
          }
        }
        const records = hit.reduce((s, h) => s + h, 0);
        if (records > 0) counts.push({ rule: name, action: rule.action, records });
      }
      if (refusal) throw new HumilityRefusal(`record ${refusal.record} refused by the humility rule ${refusal.rule}: ${refusal.why}`, refusal.column, counts);
      return { flags, predictions, counts };
    },
  };
}
