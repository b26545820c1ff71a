/**
 * The linear models' view of a FeatureTable: numeric columns clamped to their training range (a line
 * fitted on the range knows nothing beyond it: an input past it — a date after the training period,
 * say — scores as the range's edge instead of running the line on), standardised with the training
 * mean and standard deviation (missing and ±Infinity imputed with the mean, plus a 0/1
 * missing-indicator slot when the training column had any), categorical columns one-hot encoded (a missing or unseen
 * category sets no slot). The spec is plain JSON; the encoded design is columnar, with categorical
 * columns kept as codes so that one-hot never materialises n × levels numbers.
 */
import { InputError } from '../../common/index.js';
import type { FeatureColumn, FeatureTable } from '../types.js';

export type LinearColumnSpec =
  | {
      readonly kind: 'numeric';
      readonly name: string;
      readonly mean: number;
      readonly scale: number;
      /** coefficient slot of the standardised value */
      readonly slot: number;
      /** slot of the missing indicator, -1 when the training column had no missing value */
      readonly missingSlot: number;
      /** the training range inputs are clamped to (left out by models fitted before it was kept: no clamping) */
      readonly min?: number;
      readonly max?: number;
    }
  | {
      readonly kind: 'categorical';
      readonly name: string;
      readonly levels: number;
      /** training labels of the codes, used to remap a table whose dictionary differs */
      readonly labels?: readonly string[];
      /** slot of code 0; code c uses offset + c */
      readonly offset: number;
    };

export interface LinearDesignSpec {
  readonly columns: readonly LinearColumnSpec[];
  /** number of coefficient slots per output */
  readonly width: number;
}

/** A dense slot: its coefficient index and its n values. */
export interface DenseSlot {
  readonly slot: number;
  readonly values: Float64Array;
}

/** A one-hot block: row i sets slot offset + codes[i], or nothing when codes[i] is -1. */
export interface CategoricalBlock {
  readonly offset: number;
  readonly levels: number;
  readonly codes: Int32Array;
}

export interface EncodedDesign {
  readonly rows: number;
  readonly width: number;
  readonly dense: readonly DenseSlot[];
  readonly categorical: readonly CategoricalBlock[];
}

/** Learns standardisation and one-hot layout from the training table. */
export function fitDesign(table: FeatureTable): LinearDesignSpec {
  const columns: LinearColumnSpec[] = [];
  let width = 0;
  for (const column of table.columns) {
    if (column.type === 'categorical') {
      let levels = column.categories?.length ?? 0;
      if (column.categories === undefined) {
        for (const v of column.values) if (Number.isInteger(v) && v >= 0 && v + 1 > levels) levels = v + 1;
      }
      columns.push({ kind: 'categorical', name: column.name, levels, ...(column.categories ? { labels: [...column.categories] } : {}), offset: width });
      width += levels;
      continue;
    }
    let count = 0;
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (const v of column.values) {
      if (Number.isFinite(v)) {
        count++;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      }
    }
    const mean = count > 0 ? sum / count : 0;
    let squares = 0;
    for (const v of column.values) if (Number.isFinite(v)) squares += (v - mean) * (v - mean);
    const std = count > 0 ? Math.sqrt(squares / count) : 0;
    // a constant column gets scale 1: its standardised value is 0 and its coefficient stays 0
    const scale = std > 0 && Number.isFinite(std) ? std : 1;
    const slot = width++;
    const missingSlot = count < table.rows ? width++ : -1;
    columns.push({ kind: 'numeric', name: column.name, mean, scale, slot, missingSlot, ...(count > 0 ? { min, max } : {}) });
  }
  return { columns, width };
}

/** The spec's column; `at` is where training had it (the spec lists columns in training order), looked at first. */
function findColumn(table: FeatureTable, spec: LinearColumnSpec, at: number): FeatureColumn {
  const inPlace = table.columns[at];
  const column = inPlace?.name === spec.name ? inPlace : table.columns.find((c) => c.name === spec.name);
  if (!column) {
    throw new InputError(`column '${spec.name}' is missing from the table to predict`, 'pass every column the model was trained on');
  }
  if (column.type !== spec.kind) {
    throw new InputError(`column '${spec.name}' is ${column.type} but the model was trained on it as ${spec.kind}`, 'pass the column with the type used in training');
  }
  if (column.values.length < table.rows) {
    throw new InputError(`column '${spec.name}' has ${column.values.length} values for ${table.rows} rows`, 'give every column one value per row');
  }
  return column;
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A finite input as the model sees it: clamped to the training range, centred and scaled. */
function standardiser(spec: Extract<LinearColumnSpec, { kind: 'numeric' }>): (v: number) => number {
  const { mean, scale } = spec;
  const min = spec.min ?? -Infinity;
  const max = spec.max ?? Infinity;
  return (v) => ((v < min ? min : v > max ? max : v) - mean) / scale;
}

/** A categorical column's values as the training codes (-1: missing, unseen or out of range). */
function trainingCodes(spec: Extract<LinearColumnSpec, { kind: 'categorical' }>, column: FeatureColumn, n: number): Int32Array {
  const { levels, labels } = spec;
  const source = column.values;
  // a table with its own dictionary is remapped to the training codes by label
  let remap: Int32Array | undefined;
  if (labels && column.categories && !sameLabels(labels, column.categories)) {
    const index = new Map<string, number>();
    labels.forEach((label, code) => index.set(label, code));
    remap = Int32Array.from(column.categories, (label) => index.get(label) ?? -1);
  }
  const codes = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = source[i]!;
    let code = Number.isInteger(v) && v >= 0 ? v : -1;
    if (remap && code >= 0) code = code < remap.length ? remap[code]! : -1;
    codes[i] = code < levels ? code : -1;
  }
  return codes;
}

/** Applies the spec to a table (columns matched by name). */
export function encodeDesign(spec: LinearDesignSpec, table: FeatureTable): EncodedDesign {
  const n = table.rows;
  const dense: DenseSlot[] = [];
  const categorical: CategoricalBlock[] = [];
  for (let at = 0; at < spec.columns.length; at++) {
    const columnSpec = spec.columns[at]!;
    const column = findColumn(table, columnSpec, at);
    if (columnSpec.kind === 'categorical') {
      categorical.push({ offset: columnSpec.offset, levels: columnSpec.levels, codes: trainingCodes(columnSpec, column, n) });
      continue;
    }
    const source = column.values;
    const values = new Float64Array(n);
    const indicator = columnSpec.missingSlot >= 0 ? new Float64Array(n) : undefined;
    const standardise = standardiser(columnSpec);
    for (let i = 0; i < n; i++) {
      const v = source[i]!;
      if (Number.isFinite(v)) values[i] = standardise(v);
      else if (indicator) indicator[i] = 1;
    }
    dense.push({ slot: columnSpec.slot, values });
    if (indicator) dense.push({ slot: columnSpec.missingSlot, values: indicator });
  }
  return { rows: n, width: spec.width, dense, categorical };
}

/**
 * Every output's linear predictor straight from the table's columns, row-major n × outputs: what
 * `encodeDesign` then `linearPredictor` per output give, without the design's n numbers per slot
 * (a million rows of 13 numeric columns allocated 100 MB a call). The terms are added in the same
 * order — numeric slots in column order, then the categorical blocks — so the sums are the same.
 */
export function predictDesign(spec: LinearDesignSpec, table: FeatureTable, coef: Float64Array, intercept: Float64Array): Float64Array {
  const n = table.rows;
  const k = intercept.length;
  const out = new Float64Array(n * k);
  for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) out[i * k + c] = intercept[c]!;
  const columns = spec.columns.map((columnSpec, at) => findColumn(table, columnSpec, at));
  const weight = new Float64Array(k);
  const missingWeight = new Float64Array(k);
  spec.columns.forEach((columnSpec, at) => {
    if (columnSpec.kind !== 'numeric') return;
    let any = false;
    for (let c = 0; c < k; c++) {
      weight[c] = coef[c * spec.width + columnSpec.slot]!;
      missingWeight[c] = columnSpec.missingSlot >= 0 ? coef[c * spec.width + columnSpec.missingSlot]! : 0;
      any ||= weight[c] !== 0 || missingWeight[c] !== 0;
    }
    if (!any) return;
    const source = columns[at]!.values;
    const standardise = standardiser(columnSpec);
    for (let i = 0; i < n; i++) {
      const v = source[i]!;
      if (Number.isFinite(v)) {
        const x = standardise(v);
        for (let c = 0; c < k; c++) if (weight[c] !== 0) out[i * k + c] = out[i * k + c]! + x * weight[c]!;
      } else {
        for (let c = 0; c < k; c++) if (missingWeight[c] !== 0) out[i * k + c] = out[i * k + c]! + missingWeight[c]!;
      }
    }
  });
  spec.columns.forEach((columnSpec, at) => {
    if (columnSpec.kind !== 'categorical') return;
    const codes = trainingCodes(columnSpec, columns[at]!, n);
    for (let i = 0; i < n; i++) {
      const code = codes[i]!;
      if (code >= 0) for (let c = 0; c < k; c++) out[i * k + c] = out[i * k + c]! + coef[c * spec.width + columnSpec.offset + code]!;
    }
  });
  return out;
}

/** out[i] = intercept + Σ_slot x[i, slot] · coef[coefOffset + slot], for every row. */
export function linearPredictor(design: EncodedDesign, coef: Float64Array, coefOffset: number, intercept: number, out: Float64Array): void {
  const n = design.rows;
  out.fill(intercept, 0, n);
  for (const { slot, values } of design.dense) {
    const w = coef[coefOffset + slot]!;
    if (w === 0) continue;
    for (let i = 0; i < n; i++) out[i] = out[i]! + values[i]! * w;
  }
  for (const { offset, codes } of design.categorical) {
    const base = coefOffset + offset;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c >= 0) out[i] = out[i]! + coef[base + c]!;
    }
  }
}

/** grad[gradOffset + slot] += Σ_i x[i, slot] · residual[i], for every slot. */
export function accumulateGradient(design: EncodedDesign, residual: Float64Array, grad: Float64Array, gradOffset: number): void {
  const n = design.rows;
  for (const { slot, values } of design.dense) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[i]! * residual[i]!;
    grad[gradOffset + slot] = grad[gradOffset + slot]! + s;
  }
  for (const { offset, codes } of design.categorical) {
    const base = gradOffset + offset;
    for (let i = 0; i < n; i++) {
      const c = codes[i]!;
      if (c >= 0) grad[base + c] = grad[base + c]! + residual[i]!;
    }
  }
}
