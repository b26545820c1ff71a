import { InputError } from '../common/index.js';
import type { FeatureColumn, FeatureTable } from '../learn/types.js';
import { shareableColumn } from '../learn/index.js';
import { findColumn, type Frame, type RawColumn } from './frame.js';
import {
  coerceToBooleans,
  coerceToDatetimes,
  coerceToNumbers,
  coerceToTexts,
  parseNumber,
  type Coerced,
} from './coerce.js';
import { DEFAULT_ROLE_OPTIONS, inferColumnRole, type RoleOptions } from './column-roles.js';
import { chooseDatetimeParts, datetimePart } from './datetime-parts.js';
import { hashText, wordCount } from './text-hash.js';
import { applyTargetEncoding, codesOf, fitTargetEncoding, type TargetValues } from './target-encoding.js';
import { expectedKindOf, type DroppedColumn, type FeaturePipelineSpec, type FeatureStep } from './steps.js';

export interface FitPipelineOptions extends Partial<RoleOptions> {
  readonly seed?: number;
  /** hash buckets for each free-text column */
  readonly textBuckets?: number;
}

export interface FittedPipeline {
  readonly spec: FeaturePipelineSpec;
  /** the training rows as model features; target-encoded columns hold out-of-fold values */
  readonly table: FeatureTable;
}

/** Infers a preprocessing step for every column but the target, fits it, and transforms the training rows. */
export function fitPipeline(frame: Frame, target: string, y: TargetValues, options: FitPipelineOptions = {}): FittedPipeline {
  const roleOptions: RoleOptions = { ...DEFAULT_ROLE_OPTIONS, ...options };
  const seed = options.seed ?? 0;
  const steps: FeatureStep[] = [];
  const dropped: DroppedColumn[] = [];
  const columns: FeatureColumn[] = [];
  const duplicates = duplicateColumns(frame.columns.filter((c) => c.name !== target));
  for (const column of frame.columns) {
    if (column.name === target) continue;
    const original = duplicates.get(column);
    if (original !== undefined) {
      dropped.push({ column: column.name, reason: 'duplicate', of: original.name });
      continue;
    }
    const role = inferColumnRole(column, roleOptions);
    let step: FeatureStep;
    switch (role.role) {
      case 'drop':
        dropped.push({ column: column.name, reason: role.reason });
        continue;
      case 'numeric':
        step = { kind: 'numeric', column: column.name, source: role.source };
        break;
      case 'categorical':
        step = { kind: 'categorical', column: column.name, categories: role.categories };
        break;
      case 'datetime': {
        const values = coerceToDatetimes(column).values;
        step = { kind: 'datetime', column: column.name, source: role.source, parts: chooseDatetimeParts(values) };
        break;
      }
      case 'text':
        step = { kind: 'text-hash', column: column.name, buckets: options.textBuckets ?? 64 };
        break;
      case 'high-cardinality': {
        const fitted = fitTargetEncoding(column.name, coerceToTexts(column), role.categories, y, seed);
        steps.push(fitted.step);
        columns.push(...fitted.training.map((values, k) => numericColumn(targetEncodingName(column.name, fitted.training.length, k), values)));
        continue;
      }
    }
    steps.push(step);
    columns.push(...applyStep(step, column, frame.firstRow ?? 0));
  }
  const spec: FeaturePipelineSpec = { kind: 'feature-pipeline', version: 1, target, steps, dropped };
  return { spec, table: { rows: frame.rows, columns } };
}

/**
 * Columns that repeat an earlier column value for value (and kind), mapped to that earlier one: a
 * copy adds nothing to learn from and costs every model its share of the time.
 */
function duplicateColumns(columns: readonly RawColumn[]): Map<RawColumn, RawColumn> {
  const byHash = new Map<string, RawColumn[]>();
  const copies = new Map<RawColumn, RawColumn>();
  for (const column of columns) {
    const key = `${column.kind}:${columnHash(column)}`;
    const same = byHash.get(key);
    const original = same?.find((c) => sameValues(c, column));
    if (original) copies.set(column, original);
    else if (same) same.push(column);
    else byHash.set(key, [column]);
  }
  return copies;
}

/** FNV-1a over the values' text, or their bits (two lanes: low and high words): equal columns hash alike. */
function columnHash(column: RawColumn): number {
  let h = 0x811c9dc5;
  if (column.kind === 'string') {
    for (const v of column.values) {
      const text = v ?? '\u0000null';
      for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ 0xff, 0x01000193);
    }
    return h >>> 0;
  }
  // in two lanes each multiply need not wait for the one before: half the time on a wide table
  const words = new Uint32Array(column.values.buffer, column.values.byteOffset, column.values.length * 2);
  let g = 0x01000193;
  for (let i = 0; i + 1 < words.length; i += 2) {
    h = Math.imul(h ^ words[i]!, 0x01000193);
    g = Math.imul(g ^ words[i + 1]!, 0x01000193);
  }
  return (h ^ Math.imul(g, 0x85ebca6b)) >>> 0;
}

function sameValues(a: RawColumn, b: RawColumn): boolean {
  if (a.kind !== b.kind || a.values.length !== b.values.length) return false;
  // numbers compared as numbers: the generic loop below reads either kind of array, slowly
  if (a.kind !== 'string' && b.kind !== 'string') return sameNumbers(a.values, b.values);
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i];
    const y = b.values[i];
    if (x !== y && !(typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y))) return false;
  }
  return true;
}

/** Equal value for value, NaN equal to NaN (and −0 to +0). */
function sameNumbers(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y && (x === x || y === y)) return false;
  }
  return true;
}

function targetEncodingName(column: string, outputs: number, k: number): string {
  return outputs === 1 ? `${column}__te` : `${column}__te${k}`;
}

function numericColumn(name: string, values: Float64Array): FeatureColumn {
  return { name, type: 'numeric', values };
}

/** `firstRow`: the rows before the column's first in its file (a slice of a bigger read), so the message names the file's row */
function checked(coerced: Coerced<Float64Array>, column: string, expected: string, firstRow: number): Float64Array {
  if (coerced.badValue !== undefined) {
    throw new InputError(
      `column '${column}' should hold ${expected} but row ${firstRow + coerced.badRow! + 1} has '${coerced.badValue.slice(0, 40)}'`,
      `fix or blank that value (the model was trained with ${expected} in '${column}')`,
    );
  }
  return coerced.values;
}

/** The model features one fitted step makes from its raw column. */
function applyStep(step: FeatureStep, column: RawColumn, firstRow: number): FeatureColumn[] {
  switch (step.kind) {
    case 'numeric': {
      if (step.source === 'boolean') return [numericColumn(step.column, checked(coerceToBooleans(column), step.column, 'true/false values', firstRow))];
      if (step.source === 'numeric-text' && column.kind === 'string') {
        // text that was numeric in training: stray tokens become missing rather than errors, as they did then
        return [numericColumn(step.column, Float64Array.from(column.values, (v) => parseNumber(v)))];
      }
      return [numericColumn(step.column, checked(coerceToNumbers(column), step.column, 'numbers', firstRow))];
    }
    case 'categorical': {
      // where a batch's prediction workers read it (`shareColumns` would copy it there)
      const texts = coerceToTexts(column);
      const values = codesOf(texts, step.categories, shareableColumn(texts.length), NaN);
      return [{ name: step.column, type: 'categorical', values, categories: step.categories }];
    }
    case 'target-encoding': {
      const encoded = applyTargetEncoding(step, coerceToTexts(column));
      return encoded.map((values, k) => numericColumn(targetEncodingName(step.column, encoded.length, k), values));
    }
    case 'datetime': {
      const ms = checked(coerceToDatetimes(column), step.column, 'dates', firstRow);
      return step.parts.map((part) => numericColumn(`${step.column}__${part}`, Float64Array.from(ms, (v) => datetimePart(v, part))));
    }
    case 'text-hash': {
      const texts = coerceToTexts(column);
      const n = texts.length;
      const hashed = Array.from({ length: step.buckets }, () => new Float64Array(n));
      const words = new Float64Array(n);
      const row = new Float64Array(step.buckets);
      for (let i = 0; i < n; i++) {
        const text = texts[i];
        if (text === null || text === undefined) {
          words[i] = NaN;
          for (let b = 0; b < step.buckets; b++) hashed[b]![i] = NaN;
          continue;
        }
        hashText(text, row);
        words[i] = wordCount(text);
        for (let b = 0; b < step.buckets; b++) hashed[b]![i] = row[b]!;
      }
      return [numericColumn(`${step.column}__words`, words), ...hashed.map((v, b) => numericColumn(`${step.column}__h${b}`, v))];
    }
  }
}

/**
 * Replays a fitted pipeline on new rows. A missing input column is an error naming it; extra
 * columns are ignored; categories never seen in training become missing.
 */
export function applyPipeline(spec: FeaturePipelineSpec, frame: Frame): FeatureTable {
  return applyPipelineWithSources(spec, frame).table;
}

/**
 * `applyPipeline`, with the input column each feature comes from (one-hot levels, encodings, date
 * parts and text hashes all name their source), in the table's column order: what explanations
 * and importances add up per input column.
 */
export function applyPipelineWithSources(spec: FeaturePipelineSpec, frame: Frame): { readonly table: FeatureTable; readonly sources: readonly string[] } {
  const columns: FeatureColumn[] = [];
  const sources: string[] = [];
  for (const step of spec.steps) {
    const column = findColumn(frame, step.column);
    if (!column) {
      throw new InputError(
        `column '${step.column}' is missing from the input`,
        `the model needs it (${expectedKindOf(step)}); add it, empty if unknown`,
      );
    }
    for (const feature of applyStep(step, column, frame.firstRow ?? 0)) {
      columns.push(feature);
      sources.push(step.column);
    }
  }
  return { table: { rows: frame.rows, columns }, sources };
}
