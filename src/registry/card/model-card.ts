import type { ModelVersionRecord } from '../../catalog/index.js';
import { columnPermutationImportance, METRICS, partialDependence, type AutoModel, type LeaderboardRow } from '../../automl/index.js';
import { fmtInt, fmtNum, fmtPct } from '../../explore/index.js';
import { applyPipelineWithSources, coerceToTexts, findColumn, takeRows, type Frame } from '../../features/index.js';
import { argmaxLabels, modelShap, positiveColumn, reliabilityBins, topLabel, type Predictor } from '../../learn/index.js';
import type { HoldoutPredictions } from '../holdout.js';
import type { ModelLineage } from '../lineage.js';
import type { ModelMetrics } from '../model-metrics.js';
import type { CardAlert, CardDriftCheck, ModelCard } from './model-card-types.js';
import { serviceExamples } from './service-examples.js';

export interface ModelCardInput {
  readonly project: string;
  readonly model: ModelVersionRecord;
  readonly bundle: AutoModel;
  readonly holdout: HoldoutPredictions | null;
  /** the training table (silver) as it was read for training, or null when it is no longer in the lake */
  readonly frame: Frame | null;
  readonly targetDescription: string | null;
  /** the training table's tagged time column, if any */
  readonly timeColumn: string | null;
  /** exploration's alerts on the snapshot trained on (all of them: the card keeps those about the model's columns), or null when the lab has no profile of it */
  readonly alerts: readonly CardAlert[] | null;
  /** the monitoring checks of this version so far, oldest first */
  readonly driftChecks: readonly CardDriftCheck[];
  readonly generatedAt: string;
  /** rows TreeSHAP explains (evenly spaced over the holdout); default 200 */
  readonly shapRows?: number;
  /** where the service examples send their request; default http://localhost:8080 (`autolab serve`'s port) */
  readonly serviceUrl?: string;
}

/** Builds a model version's card from its registry record, its bundle, its holdout predictions and its training table. */
export function buildModelCard(input: ModelCardInput): ModelCard {
  const { model, bundle, holdout } = input;
  const manifest = bundle.manifest;
  const metrics = model.metrics as unknown as ModelMetrics;
  const lineage = model.lineage as unknown as ModelLineage;
  const classification = manifest.task !== 'regression' && holdout !== null;
  const importance = importanceOf(bundle, holdout, input.frame, input.shapRows ?? 200);
  const confusion = classification ? confusionOf(holdout, manifest.classes) : null;
  const schema = manifest.schema.map((column) => ({ ...column, ...rangeOf(input.frame, column.name, column.kind) }));
  const read = new Set([manifest.target, ...manifest.schema.map((c) => c.name)]);
  const limitations: ModelCard['limitations'] = {
    alerts: input.alerts === null ? null : input.alerts.filter((a) => a.column === null || read.has(a.column)),
    drift: input.driftChecks,
    notes: limitationNotes({ rows: lineage.rows, table: lineage.table, confusion, schema, holdout: manifest.task === 'regression' ? holdout : null, treeMembers: importance.members.length, driftChecks: input.driftChecks.length, target: manifest.target }),
  };
  return {
    cardVersion: 1,
    project: input.project,
    version: model.version,
    stage: model.stage,
    bundleHash: model.bundleHash,
    generatedAt: input.generatedAt,
    intendedUse: { target: manifest.target, task: manifest.task, classes: manifest.classes, description: input.targetDescription, metric: manifest.metric },
    data: {
      table: lineage.table,
      rows: lineage.rows,
      snapshots: lineage.snapshots,
      tagVersion: lineage.tagVersion,
      period: periodOf(input.frame, input.timeColumn ?? manifest.schema.find((c) => c.kind === 'datetime')?.name ?? null),
      excluded: [
        ...lineage.excluded,
        ...manifest.pipeline.dropped.map((d) => ({ column: d.column, why: d.reason === 'duplicate' ? `a copy of ${d.of ?? 'another column'}` : d.reason })),
      ],
    },
    metrics,
    confusion,
    calibration: classification ? calibrationOf(holdout, manifest.classes) : null,
    residuals: manifest.task === 'regression' && holdout !== null ? residualsOf(holdout) : null,
    importance,
    global: holdout && input.frame ? globalOf(bundle, holdout, input.frame) : null,
    segments: holdout && input.frame ? segmentsOf(manifest, holdout, input.frame, importance) : [],
    limitations,
    schema,
    service: serviceExamples(manifest, input.frame, holdout, input.serviceUrl),
    lineage,
    approvals: model.approvals,
    leaderboard: (model.leaderboard as LeaderboardRow[]).slice(0, 10),
  };
}

/** fewer training rows than this: a small sample; fewer held-out rows of a class: a rare class; a larger missing share: a column mostly missing */
const FEW_ROWS = 1_000;
const RARE_CLASS = 20;
const MOSTLY_MISSING = 0.5;

/** What the card's own figures say the model is weak at, one sentence each. */
export function limitationNotes(facts: {
  readonly rows: number;
  readonly table: string;
  readonly target: string;
  readonly confusion: ModelCard['confusion'];
  readonly schema: ModelCard['schema'];
  /** regression only */
  readonly holdout: HoldoutPredictions | null;
  readonly treeMembers: number;
  readonly driftChecks: number;
}): string[] {
  const notes: string[] = [];
  if (facts.rows < FEW_ROWS) notes.push(`Trained on ${fmtInt(facts.rows)} rows, a small sample: the intervals are wide and cases rare in it are barely learnt.`);
  facts.confusion?.classes.forEach((name, k) => {
    const count = facts.confusion!.counts[k]!.reduce((a, b) => a + b, 0);
    if (count < RARE_CLASS) notes.push(`Class ${name} has ${count} held-out example${count === 1 ? '' : 's'}: its predictions and their figures are the least reliable.`);
  });
  for (const column of facts.schema) {
    if (column.missingShare >= MOSTLY_MISSING) notes.push(`${column.name} was missing in ${fmtPct(column.missingShare)} of the training rows: the model learnt little from it.`);
  }
  if (facts.holdout && facts.treeMembers > 0 && facts.holdout.y.length > 0) {
    // out of fold, the held-out rows are every training row: their range is training's
    let min = Infinity;
    let max = -Infinity;
    for (const y of facts.holdout.y) {
      if (y < min) min = y;
      if (y > max) max = y;
    }
    const range = facts.holdout.kind === 'out-of-fold' ? ` (${fmtNum(min)} to ${fmtNum(max)})` : '';
    notes.push(`The tree members predict no ${facts.target} outside what training saw${range}: values beyond it come out near its edge.`);
  }
  if (facts.driftChecks === 0) notes.push(`Not checked for drift yet: no newer snapshot of ${facts.table} and no logged prediction of this version has been compared with its training rows.`);
  return notes;
}

/** rows shuffled per input column (each repeat scores them all), and rows averaged per partial-dependence point */
const PERMUTATION_ROWS = 500;
const DEPENDENCE_ROWS = 200;
const DEPENDENCE_COLUMNS = 3;

/** Permutation importance and partial dependence of the whole ensemble on evenly spaced holdout rows. */
function globalOf(bundle: AutoModel, holdout: HoldoutPredictions, frame: Frame): NonNullable<ModelCard['global']> | null {
  const spaced = (limit: number): number[] => {
    const step = Math.max(1, Math.ceil(holdout.rows.length / limit));
    return holdout.rows.map((_, i) => i).filter((i) => i % step === 0 && holdout.rows[i]! < frame.rows);
  };
  const picked = spaced(PERMUTATION_ROWS);
  if (picked.length === 0) return null;
  const rows = takeRows(frame, picked.map((i) => holdout.rows[i]!));
  const y = Float64Array.from(picked, (i) => holdout.y[i]!);
  const permutation = columnPermutationImportance(bundle, rows, y, { repeats: 3, seed: bundle.manifest.seed });
  const top = permutation.columns.slice(0, DEPENDENCE_COLUMNS).map((c) => c.column);
  const dependenceRows = takeRows(frame, spaced(DEPENDENCE_ROWS).map((i) => holdout.rows[i]!));
  return { rows: rows.rows, permutation, partialDependence: partialDependence(bundle, dependenceRows, top) };
}

const SEGMENT_COLUMNS = 3;
const SEGMENT_VALUES = 8;

/** Per value of the (up to three) categorical columns that matter most to the model, its metric on the holdout rows. */
function segmentsOf(manifest: AutoModel['manifest'], holdout: HoldoutPredictions, frame: Frame, importance: ModelCard['importance']): ModelCard['segments'] {
  const categorical = manifest.schema.filter((c) => c.categories !== undefined).map((c) => c.name);
  const rank = new Map((importance.members[0]?.byColumn ?? []).map((c, i) => [c.column, i]));
  const columns = [...categorical].sort((a, b) => (rank.get(a) ?? Infinity) - (rank.get(b) ?? Infinity)).slice(0, SEGMENT_COLUMNS);
  const metric = METRICS[manifest.metric];
  const width = manifest.task === 'regression' ? 1 : manifest.classes.length;
  return columns.flatMap((name) => {
    const column = findColumn(frame, name);
    if (!column) return [];
    const texts = coerceToTexts(column);
    const byValue = new Map<string, number[]>();
    holdout.rows.forEach((row, i) => {
      const value = texts[row] ?? '(missing)';
      const rows = byValue.get(value);
      if (rows) rows.push(i);
      else byValue.set(value, [i]);
    });
    const ordered = [...byValue].sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
    const shown = ordered.slice(0, SEGMENT_VALUES);
    const rest = ordered.slice(SEGMENT_VALUES).flatMap(([, rows]) => rows);
    const groups = [...shown, ...(rest.length > 0 ? [['(other)', rest] as [string, number[]]] : [])].map(([value, rows]) => {
      const y = Float64Array.from(rows, (i) => holdout.y[i]!);
      const p = new Float64Array(rows.length * width);
      rows.forEach((i, r) => {
        for (let j = 0; j < width; j++) p[r * width + j] = holdout.predictions[i * width + j]!;
      });
      const score = metric.score(y, p, width);
      return { value, rows: rows.length, metric: Number.isFinite(score) ? score : null };
    });
    return [{ column: name, groups }];
  });
}

function confusionOf(holdout: HoldoutPredictions, classes: readonly string[]): NonNullable<ModelCard['confusion']> {
  const k = classes.length;
  const predicted = argmaxLabels(holdout.predictions, k);
  const counts = classes.map(() => new Array<number>(k).fill(0));
  holdout.y.forEach((truth, i) => counts[truth]![predicted[i]!]!++);
  return { classes, counts };
}

/** Binary: the positive class's probability; multiclass: the top class's probability against being right. */
function calibrationOf(holdout: HoldoutPredictions, classes: readonly string[]): NonNullable<ModelCard['calibration']> {
  const k = classes.length;
  const y = Float64Array.from(holdout.y);
  const { confidence, hit } = k === 2 ? { confidence: positiveColumn(holdout.predictions), hit: y } : topLabel(y, holdout.predictions, k);
  return {
    of: k === 2 ? `probability of ${classes[1]}` : 'probability of the most probable class',
    bins: reliabilityBins(confidence, hit, 10),
  };
}

function residualsOf(holdout: HoldoutPredictions): NonNullable<ModelCard['residuals']> {
  const residuals = holdout.y.map((y, i) => y - holdout.predictions[i]!).filter(Number.isFinite);
  const n = Math.max(1, residuals.length);
  const mean = residuals.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(residuals.reduce((a, r) => a + (r - mean) ** 2, 0) / n);
  const lo = Math.min(...residuals);
  const hi = Math.max(...residuals);
  const width = hi > lo ? (hi - lo) / 20 : 1;
  const histogram = Array.from({ length: hi > lo ? 20 : 1 }, (_, b) => ({ lower: lo + b * width, upper: lo + (b + 1) * width, count: 0 }));
  for (const r of residuals) histogram[Math.min(histogram.length - 1, Math.floor((r - lo) / width))]!.count++;
  const step = Math.max(1, Math.ceil(holdout.y.length / 500));
  const sample = holdout.y.flatMap((actual, i) => (i % step === 0 ? [{ actual, predicted: holdout.predictions[i]! }] : []));
  return { mean, std, histogram, sample };
}

/**
 * Mean |SHAP| per source column for every tree member, on evenly spaced holdout rows, from the
 * member's first fold model (members average their folds, which learnt from overlapping rows).
 * Features made from one column (`plan__pro`, date parts) add up to it.
 */
function importanceOf(bundle: AutoModel, holdout: HoldoutPredictions | null, frame: Frame | null, maxRows: number): ModelCard['importance'] {
  const manifest = bundle.manifest;
  const method = 'mean |SHAP| (TreeSHAP, exact), each tree member\'s first fold model, summed over outputs and over the features made from one column';
  const describe = (id: number) => manifest.leaderboard.find((r) => r.id === id)?.model ?? `member ${id}`;
  if (!holdout || !frame || holdout.rows.length === 0) {
    return { method, rows: 0, members: [], skipped: manifest.members.map((m) => ({ id: m.id, model: describe(m.id), why: 'the training table or its holdout predictions are not available' })) };
  }
  const step = Math.max(1, Math.ceil(holdout.rows.length / maxRows));
  const rows = holdout.rows.filter((_, i) => i % step === 0);
  const { table, sources } = applyPipelineWithSources(manifest.pipeline, takeRows(frame, rows));
  const sourceOf = (feature: string): string => sources[table.columns.findIndex((c) => c.name === feature)] ?? feature;
  const members: ModelCard['importance']['members'][number][] = [];
  const skipped: ModelCard['importance']['skipped'][number][] = [];
  bundle.fittedMembers.forEach((fitted, m) => {
    const member = manifest.members[m]!;
    const first: Predictor | undefined = fitted.models[0];
    if (!first) return;
    let shap;
    try {
      shap = modelShap(first, table);
    } catch {
      skipped.push({ id: member.id, model: describe(member.id), why: `TreeSHAP explains tree models; this is a ${member.config.kind} model` });
      return;
    }
    const byColumn = new Map<string, number>();
    const f = shap.featureNames.length;
    for (const values of shap.values) {
      for (let j = 0; j < f; j++) {
        let sum = 0;
        for (let i = 0; i < table.rows; i++) sum += Math.abs(values[i * f + j]!);
        const column = sourceOf(shap.featureNames[j]!);
        byColumn.set(column, (byColumn.get(column) ?? 0) + sum / table.rows);
      }
    }
    members.push({
      id: member.id,
      model: describe(member.id),
      weight: member.weight,
      space: member.config.kind === 'gbdt' ? 'margin' : 'output',
      byColumn: [...byColumn].map(([column, value]) => ({ column, value })).sort((a, b) => b.value - a.value || a.column.localeCompare(b.column)),
    });
  });
  return { method, rows: table.rows, members, skipped };
}

/** The earliest and latest time in `column` of the training table. */
function periodOf(frame: Frame | null, name: string | null): ModelCard['data']['period'] {
  const column = frame && name !== null ? findColumn(frame, name) : undefined;
  if (!column || column.kind !== 'datetime') return null;
  const { min, max } = rangeOf(frame, column.name, 'datetime');
  return min !== undefined && max !== undefined ? { column: column.name, from: new Date(min).toISOString(), to: new Date(max).toISOString() } : null;
}

function rangeOf(frame: Frame | null, name: string, kind: string): { min?: number; max?: number; missingShare: number } {
  const column = frame ? findColumn(frame, name) : undefined;
  if (!column || frame!.rows === 0) return { missingShare: 0 };
  if (column.kind === 'string') return { missingShare: column.values.filter((v) => v === null || v === '').length / frame!.rows };
  let min = Infinity;
  let max = -Infinity;
  let missing = 0;
  for (const v of column.values) {
    if (Number.isNaN(v)) missing++;
    else {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const numeric = kind === 'number' || kind === 'datetime';
  return { ...(numeric && min <= max ? { min, max } : {}), missingShare: missing / frame!.rows };
}
