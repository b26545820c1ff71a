/**
 * Global explanations of a bundle over its input (source) columns: permutation importance (how much
 * the bundle's metric worsens when one input column's values are shuffled across rows — every
 * feature made from it moves together) and partial dependence (the mean prediction with one column
 * set to each value of a grid, the other columns as they are).
 */
import { findColumn, takeRows, type Frame, type RawColumn } from '../../features/index.js';
import { permutationImportance } from '../../learn/index.js';
import type { FeatureTable, Predictor } from '../../learn/types.js';
import type { AutoModel } from '../auto-model.js';
import { METRICS } from '../metrics.js';
import { shownTime } from './top-contributions.js';

export interface ColumnPermutationImportance {
  readonly metric: string;
  /** the metric on the rows as they are */
  readonly baseline: number;
  readonly repeats: number;
  /** largest first: mean worsening of the metric (positive = the model uses the column) and its std over repeats */
  readonly columns: readonly { readonly column: string; readonly importance: number; readonly std: number }[];
}

/**
 * The bundle seen as a model whose features are its input columns, each holding row numbers into
 * `frame`: shuffling one such column hands every row another row's value of that input column
 * alone, which is permutation of a source column, done by learn's one `permutationImportance`.
 */
function rowIndexPredictor(model: AutoModel, frame: Frame, columns: readonly string[]): { predictor: Predictor; table: FeatureTable } {
  const identity = Float64Array.from({ length: frame.rows }, (_, i) => i);
  const table: FeatureTable = { rows: frame.rows, columns: columns.map((name) => ({ name, type: 'numeric', values: identity })) };
  const predictor: Predictor = {
    task: model.task,
    numClasses: Math.max(1, model.classes.length),
    featureNames: columns,
    predict: (rows: FeatureTable) => {
      const moved = frame.columns.map((column): RawColumn => {
        const index = rows.columns.find((c) => c.name === column.name)?.values;
        return index ? takeRows({ rows: frame.rows, columns: [column] }, index).columns[0]! : column;
      });
      return predictionOutput(model, { rows: frame.rows, columns: moved });
    },
    toJSON: () => ({ kind: 'autolab-bundle-by-input-column' }),
  };
  return { predictor, table };
}

/** What the metrics score: probabilities (rows × classes) or values. */
function predictionOutput(model: AutoModel, frame: Frame): Float64Array {
  const batch = model.predictFrame(frame);
  return batch.probabilities ?? Float64Array.from(batch.prediction as number[]);
}

/** `y`: class indices into the bundle's classes, or values. */
export function columnPermutationImportance(model: AutoModel, frame: Frame, y: Float64Array, options: { readonly repeats?: number; readonly seed?: number } = {}): ColumnPermutationImportance {
  const metric = METRICS[model.manifest.metric];
  const columns = [...new Set(model.manifest.pipeline.steps.map((s) => s.column))];
  const { predictor, table } = rowIndexPredictor(model, frame, columns);
  const k = Math.max(1, model.classes.length);
  const repeats = options.repeats ?? 3;
  const result = permutationImportance(predictor, table, y, (truth, p) => metric.score(truth, p, k), { repeats, seed: options.seed ?? 0, greaterIsBetter: metric.higherIsBetter });
  return {
    metric: metric.name,
    baseline: result.baseline,
    repeats,
    columns: columns
      .map((column, f) => ({ column, importance: result.importances[f]!, std: result.std[f]! }))
      .sort((a, b) => b.importance - a.importance || a.column.localeCompare(b.column)),
  };
}

export interface PartialDependence {
  readonly column: string;
  readonly kind: RawColumn['kind'];
  /** what `mean` holds per point: the predicted value, or each class's mean probability */
  readonly outputs: readonly string[];
  readonly points: readonly { readonly value: string | number | boolean; readonly mean: readonly number[] }[];
}

const GRID_POINTS = 12;

/** The grid of a column: its quantiles (numbers, dates), both values (booleans) or its most frequent categories. */
function gridOf(column: RawColumn, points: number): (string | number)[] {
  if (column.kind === 'string') {
    const counts = new Map<string, number>();
    for (const v of column.values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, points).map(([v]) => v);
  }
  const present = Array.from(column.values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (present.length === 0) return [];
  if (column.kind === 'boolean') return [...new Set(present)];
  const grid = Array.from({ length: points }, (_, i) => present[Math.round((i * (present.length - 1)) / (points - 1))]!);
  return [...new Set(grid)];
}

/** Partial dependence of the bundle's prediction on each of `columns`, over the rows of `frame`. */
export function partialDependence(model: AutoModel, frame: Frame, columns: readonly string[], points = GRID_POINTS): PartialDependence[] {
  const outputs = model.task === 'regression' ? [model.manifest.target] : [...model.classes];
  const k = outputs.length;
  return columns.flatMap((name): PartialDependence[] => {
    const column = findColumn(frame, name);
    if (!column) return [];
    const grid = gridOf(column, points);
    const result = grid.map((value) => {
      const fixed: RawColumn =
        column.kind === 'string' ? { name, kind: 'string', values: new Array<string | null>(frame.rows).fill(value as string) } : { ...column, values: new Float64Array(frame.rows).fill(value as number) };
      const out = predictionOutput(model, { rows: frame.rows, columns: frame.columns.map((c) => (c.name === name ? fixed : c)) });
      const mean = new Array<number>(k).fill(0);
      for (let i = 0; i < frame.rows; i++) for (let j = 0; j < k; j++) mean[j] = mean[j]! + out[i * k + j]! / frame.rows;
      const shown = column.kind === 'boolean' ? value === 1 : column.kind === 'datetime' ? shownTime(value as number) : value;
      return { value: shown, mean };
    });
    return [{ column: name, kind: column.kind, outputs, points: result }];
  });
}
