import { createHash } from 'node:crypto';
import { DataError, InputError, UsageError } from '../common/index.js';
import {
  findColumn,
  fitPipeline,
  frameFromRows,
  inputSchemaOf,
  numericRangesOf,
  readFrameWithNotes,
  takeRows,
  type DroppedColumn,
  type Frame,
} from '../features/index.js';
import { binTable, predictionThreads } from '../learn/index.js';
import type { FeatureTable, Fold, Task } from '../learn/index.js';
import { hashFile } from '../store/index.js';
import { AutoModel } from './auto-model.js';
import type { SilverPlan } from '../lake/index.js';
import { checkBundleFolder, manifestOf, saveBundle, type BundleContent } from './bundle.js';
import type { BundleGold, LeaderboardRow, RunRecord } from './bundle-types.js';
import { buildCvData, type CvData } from './cv-data.js';
import { evaluateCandidate, type CandidateResult } from './evaluate-candidate.js';
import type { Metric } from './metric-types.js';
import { PhaseClock } from './phase-clock.js';
import { firstBooster } from './portfolio.js';
import { choosePlan, describePlan, sampleRows, type FirstCandidateCost, type ValidationPlan } from './validation-plan.js';
import { chooseFoldCount, makeFolds } from './folds.js';
import { checkScorable, metricFor } from './metrics.js';
import { describeConfig, familyOf } from './model-config.js';
import { FoldWorkers } from './fold-workers.js';
import { blend, pruneForCost } from './ensemble-selection.js';
import { inferenceCost } from './inference-cost.js';
import { ensembleOf, runSearch, type SearchProgress, type SearchResult } from './search.js';
import { fullFold, refitMembers, type RefitOutcome } from './refit.js';
import { fitStack } from './stacking.js';
import { detectTask } from './task.js';

/** What `fit` and `autolab train` accept as training data. */
export type TrainingInput = string | Frame | readonly Record<string, unknown>[];

export interface TrainOptions {
  readonly target: string;
  /** seconds for the whole training; default 60 unless `trials` is given */
  readonly timeLimit?: number;
  /** exactly this many candidates, whatever the time: the same data and seed give the same bundle */
  readonly trials?: number;
  readonly seed?: number;
  readonly task?: Task;
  readonly metric?: string;
  /** folder to write the model bundle to */
  readonly out?: string;
  /** when the clock started (ms since epoch), if before this call, e.g. the process start */
  readonly startedAt?: number;
  readonly onProgress?: (progress: SearchProgress) => void;
  /** threads fitting folds side by side (default: AUTOLAB_THREADS, else the cores up to 4); the bundle is the same for any count */
  readonly threads?: number;
  /** how the training rows were cleaned (silver): kept in the bundle, so that raw rows are cleaned alike before scoring */
  readonly clean?: SilverPlan;
  /** the gold feature plan the training rows were made by: kept in the bundle for `predict` */
  readonly gold?: BundleGold;
  /**
   * refit each ensemble member once on all rows after a k-fold search (default true; refit.ts):
   * false keeps the k fold models of each
   */
  readonly refit?: boolean;
}

export interface TrainResult {
  readonly model: AutoModel;
  readonly run: RunRecord;
  readonly notes: readonly string[];
  /** the final model's predictions on the rows it was validated on, none of which trained the model that scored it */
  readonly outOfFold: OutOfFoldPredictions;
}

/**
 * The final model's out-of-sample predictions: under k-fold every row, each scored by the fold
 * models that did not see it (a stacker by its own folds over those); under a holdout the holdout's
 * rows. What the registry's confidence intervals and a champion's comparison are computed on.
 */
export interface OutOfFoldPredictions {
  /** 'out-of-fold' (k-fold bagging) or 'holdout' */
  readonly kind: 'out-of-fold' | 'holdout';
  /** indices into the training table as given (rows without a target never appear) */
  readonly rows: Uint32Array;
  /** the target at those rows: class indices (into the bundle's classes) or values */
  readonly y: Float64Array;
  /** row-major rows × classes probabilities, or one value per row */
  readonly predictions: Float64Array;
}

/** The first candidate is due by this share of the time limit, or this later share of it from when it starts. */
const FIRST_SHARE = 0.2;
const FIRST_MIN_SHARE = 0.05;
/** Share of the time limit the search may use; the rest covers the last fit, stacking, the refit and saving. */
const SEARCH_SHARE = 0.8;
/** The greedy ensemble selection stops adding members at this share of the time limit (one round at least), or this later share after the search ends. */
const ENSEMBLE_SHARE = 0.83;
const ENSEMBLE_MIN_SHARE = 0.03;
/** Stacking must end by this share of the time limit. */
const STACK_SHARE = 0.86;
/** Refits on all rows must end by this share of the time limit; a member that would not keeps its fold models. */
const REFIT_SHARE = 0.96;
/** A member of the weighted average is left out when the ensemble does as well without it, within this relative margin out of fold (its cost to score a row saved). */
const PRUNE_TOLERANCE = 0.001;
/** A stacker replaces the weighted average only when it is better by this relative margin out of fold. */
const STACK_MIN_GAIN = 0.001;

async function loadInput(input: TrainingInput, target: string): Promise<{ frame: Frame; dataHash: string; notes: readonly string[] }> {
  if (typeof input === 'string') {
    // the file's hash streams beside the read: a large input is never held whole as bytes
    const [{ frame, notes }, digest] = await Promise.all([readFrameWithNotes(input, { textColumns: [target] }), hashFile(input)]);
    return { frame, notes, dataHash: digest.hash };
  }
  const frame = Array.isArray(input) ? frameFromRows(input as readonly Record<string, unknown>[]) : (input as Frame);
  const hash = createHash('sha256');
  for (const column of frame.columns) {
    hash.update(column.name).update('\0').update(column.kind).update('\0');
    if (column.kind === 'string') hash.update(JSON.stringify(column.values));
    else hash.update(new Uint8Array(column.values.buffer, column.values.byteOffset, column.values.byteLength));
  }
  return { frame, notes: [], dataHash: hash.digest('hex') };
}

/** Trains a model on a table: task detection, preprocessing, budgeted search, ensemble, and the bundle if `out` is set. */
export async function trainModel(input: TrainingInput, options: TrainOptions): Promise<TrainResult> {
  const startedAt = options.startedAt ?? Date.now();
  if (options.timeLimit !== undefined && !(options.timeLimit > 0)) throw new UsageError('timeLimit must be a positive number of seconds');
  if (options.trials !== undefined && !(Number.isInteger(options.trials) && options.trials > 0)) {
    throw new UsageError('trials must be a positive whole number');
  }
  const timeLimit = options.trials === undefined ? (options.timeLimit ?? 60) : options.timeLimit;
  const seed = options.seed ?? 0;
  if (options.out !== undefined) checkBundleFolder(options.out);
  const phases = new PhaseClock(startedAt);
  const { frame: raw, dataHash, notes: readNotes } = await loadInput(input, options.target);
  phases.end('read');
  const targetColumn = findColumn(raw, options.target);
  if (!targetColumn) {
    const names = raw.columns.map((c) => c.name);
    throw new InputError(
      `target column '${options.target}' is not in the data`,
      `choose one of: ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', …' : ''}`,
    );
  }
  const target = detectTask(targetColumn, options.task);
  const frame = target.rows.length === raw.rows ? raw : takeRows(raw, target.rows);
  const notes: string[] = [...readNotes];
  if (target.rows.length < raw.rows) notes.push(`${raw.rows - target.rows.length} rows without a target value were left out`);
  if (frame.rows < 10) throw new InputError(`only ${frame.rows} rows have a target value`, 'train on at least 10 rows');
  const metric = metricFor(target.task, options.metric);
  const numClasses = target.task === 'regression' ? 1 : target.classes.length;
  const fitted = fitPipeline(frame, options.target, { task: target.task, values: target.values, numClasses }, { seed });
  checkLearnable(fitted.table, fitted.spec.dropped, typeof input === 'string' ? input : 'the training table', options.target);
  notes.push(...droppedNotes(fitted.spec.dropped));
  const foldCount = chooseFoldCount(frame.rows, timeLimit);
  const split = makeFolds(target.values, target.task, foldCount, seed);
  const binned = binTable(fitted.table, { maxBins: 255 });
  const threads = Math.max(1, options.threads ?? predictionThreads());
  const searchDeadline = options.trials !== undefined ? undefined : startedAt + timeLimit! * 1000 * SEARCH_SHARE;
  const ensembleTime = options.trials !== undefined ? undefined : { deadline: startedAt + timeLimit! * 1000 * ENSEMBLE_SHARE, atLeastMs: timeLimit! * 1000 * ENSEMBLE_MIN_SHARE };
  const cv = (folds: readonly Fold[]): CvData => {
    const data = buildCvData(target.task, numClasses, fitted.table, target.values, folds, binned);
    checkScorable(metric, data.yScored);
    return data;
  };
  phases.end('prepare');

  // the first candidate: a default booster on fold 0 (on a sample of it when the table is large),
  // due within a fifth of the limit; what it cost decides how every later candidate is validated
  let first: FirstCandidate | undefined;
  let plan: ValidationPlan;
  if (searchDeadline === undefined) {
    plan = { kind: 'kfold', folds: foldCount, reason: 'a fixed number of trials: every candidate on every fold' };
  } else {
    first = fitFirstCandidate(cv, split[0]!, target.values, target.task, fitted.table, metric, {
      seed,
      threads,
      deadline: Math.min(searchDeadline, Math.max(startedAt + timeLimit! * 1000 * FIRST_SHARE, Date.now() + timeLimit! * 1000 * FIRST_MIN_SHARE)),
    });
    plan = first.candidate
      ? choosePlan({
          folds: foldCount,
          lanes: Math.min(threads, foldCount),
          foldTrainRows: split[0]!.train.length,
          holdoutRows: split[0]!.valid.length,
          first: first.cost,
          remainingSeconds: Math.max(0, (searchDeadline - Date.now()) / 1000),
        })
      : { kind: 'kfold', folds: foldCount, reason: 'the first candidate did not finish' };
  }
  phases.end('first candidate');

  const holdoutTrain = plan.kind === 'holdout' ? sampleRows(split[0]!.train, target.values, target.task, plan.trainRows, seed) : undefined;
  // a sample keeps every class's first rows, so it may hold a few more rows than asked
  if (plan.kind === 'holdout' && holdoutTrain) plan = { ...plan, trainRows: holdoutTrain.length };
  // the plan may ask for fewer folds than the split has (a tight budget on a small table)
  const kfoldSplit = plan.kind === 'kfold' && plan.folds !== foldCount ? makeFolds(target.values, target.task, plan.folds, seed) : split;
  const data = holdoutTrain ? cv([{ train: holdoutTrain, valid: split[0]!.valid }]) : cv(kfoldSplit);
  // the first candidate counts as one of the search's when it was validated on the same rows — even
  // cut short by its deadline: fitting the default booster again in full cost the wide table its
  // best candidate (AUC 0.897 → 0.885 on one fold), where a loaded machine's letter gained from it
  const initial = holdoutTrain && first?.candidate && first.candidate.trainRows === holdoutTrain.length ? [first.candidate] : [];
  // the other cores fit some of each candidate's folds; the models are the same on any count.
  // With one fold (a holdout) there is nothing to share: the learner gets the threads instead.
  // Under k-fold the workers also hold all rows, for the members' refit at the end
  const full = data.folds.length > 1 && options.refit !== false ? fullFold(data, binned) : undefined;
  const workers = FoldWorkers.start(data, threads, full);
  try {
    const foldThreads = workers?.lanes ?? 1;
    const search: SearchResult = runSearch(data, {
      metric,
      seed,
      startedAt,
      initial,
      fitThreads: workers ? 1 : threads,
      ...(options.trials !== undefined ? { trials: options.trials } : { deadline: searchDeadline!, ensembleTime: ensembleTime! }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(workers ? { workers } : {}),
    });
    let outcome = { data, search, plan };
    // nothing learnable finished under the plan: the first candidate, on its own holdout, is the model
    if (!search.candidates.some(isLearnable) && first?.candidate) {
      outcome = {
        data: first.data,
        search: { candidates: first.candidates, ensemble: ensembleOf(first.candidates, first.data, metric, ensembleTime), notes: search.notes, skipped: search.skipped },
        plan: { kind: 'holdout', holdoutRows: split[0]!.valid.length, trainRows: first.candidate.trainRows, reason: `no candidate finished under the plan (${describePlan(plan)})` },
      };
      notes.push(`no candidate finished under ${describePlan(plan)} in time; the model is the first, fast candidate — a larger time limit gives a better model`);
    }
    notes.push(...outcome.search.notes);
    phases.end('search');

    const combined = combine(outcome.search, outcome.data, metric, seed, options.trials === undefined ? startedAt + timeLimit! * 1000 * STACK_SHARE : undefined);
    if (combined.useStack) notes.push(combined.note);
    const { search: result } = outcome;
    // a weighted average leaves out the dearest members it can do without (a stacker keeps its inputs)
    const ensemble = combined.useStack
      ? undefined
      : pruneForCost(result.ensemble, result.candidates.map((c) => c.oof), outcome.data.yScored, outcome.data.numClasses, metric, result.candidates.map((c) => (c.models.length > 0 ? inferenceCost(c.models[0]!) : 0)), PRUNE_TOLERANCE);
    if (ensemble && ensemble.dropped.length > 0) notes.push(prunedNote(ensemble.dropped.map((i) => result.candidates[i]!), result.ensemble.score, ensemble.score, metric.name));
    const score = ensemble ? ensemble.score : combined.score;
    checkBeatsPrior(outcome.search.candidates, score, metric, target.task);
    phases.end('combine');

    const members = ensemble ? ensemble.members : [];
    const weightOf = new Map(members.map((m) => [result.candidates[m.candidate]!.id, m.weight]));
    const better = (a: number, b: number): number => (metric.higherIsBetter ? b - a : a - b);
    const leaderboard: LeaderboardRow[] = [...result.candidates]
      .sort((a, b) => better(a.score, b.score) || a.id - b.id)
      .map((c, i) => ({ rank: i + 1, id: c.id, model: describeConfig(c.config), family: familyOf(c.config), score: c.score, weight: weightOf.get(c.id) ?? 0, trainRows: c.trainRows }));
    const chosen = combined.useStack ? combined.stack.inputs : members.map((m) => result.candidates[m.candidate]!);
    // each member once more on every row: one model to serve instead of one per fold
    const refits: readonly RefitOutcome[] =
      full && outcome.data === data
        ? refitMembers(chosen, full, data.folds.length, {
            task: target.task,
            numClasses,
            seed,
            foldTrainRows: data.folds[0]!.trainIndex.length,
            searchLanes: foldThreads,
            fitThreads: workers ? 1 : threads,
            ...(options.trials === undefined ? { deadline: startedAt + timeLimit! * 1000 * REFIT_SHARE } : {}),
            ...(workers ? { workers } : {}),
          })
        : chosen.map((c) => ({ models: c.models }));
    notes.push(...refitNotes(chosen.map((c) => describeConfig(c.config)), refits, data.folds.length, frame.rows));
    phases.end('refit');
    const content: BundleContent = {
      kind: 'autolab-model-bundle',
      version: 1,
      task: target.task,
      target: options.target,
      classes: target.classes,
      metric: metric.name,
      score,
      combinerScores: { average: result.ensemble.score, stack: combined.stack?.stacker.score ?? null },
      seed,
      folds: outcome.plan.kind === 'kfold' ? outcome.plan.folds : 1,
      validation: outcome.plan,
      trainingRows: frame.rows,
      dataHash,
      pipeline: fitted.spec,
      schema: inputSchemaOf(fitted.spec),
      ranges: numericRangesOf(fitted.spec, frame),
      leaderboard,
      notes,
      members: chosen.map((c, i) => ({ id: c.id, weight: weightOf.get(c.id) ?? 0, config: c.config, fitted: refits[i]!.models, ...(refits[i]!.refit ? { refit: refits[i]!.refit } : {}) })),
      ...(options.clean ? { clean: options.clean } : {}),
      ...(options.gold ? { gold: options.gold } : {}),
      ...(combined.useStack ? { stack: { config: combined.stack.stacker.config, fitted: combined.stack.stacker.models } } : {}),
    };
    const runFacts = {
      createdAt: new Date().toISOString(),
      seconds: 0,
      timeLimit: timeLimit ?? null,
      trials: options.trials ?? null,
      candidatesTried: result.candidates.length + result.skipped,
      candidateSeconds: Object.fromEntries(result.candidates.map((c) => [String(c.id), Number(c.seconds.toFixed(3))])),
      foldThreads,
      validation: outcome.plan,
      phaseSeconds: phases.record(),
    };
    const finish = (): number => Number(((Date.now() - startedAt) / 1000).toFixed(3));
    const run: RunRecord = options.out
      ? saveBundle(options.out, content, { ...runFacts, seconds: finish() })
      : { bundleHash: '', ...runFacts, seconds: finish() };
    const model = new AutoModel(
      manifestOf(content),
      content.members.map((m) => ({ weight: m.weight, models: m.fitted })),
      content.stack?.fitted ?? [],
    );
    const oof = combined.useStack ? combined.stack.stacker.oof : blend(members.map((m) => result.candidates[m.candidate]!.oof), members.map((m) => m.weight));
    const outOfFold: OutOfFoldPredictions = {
      kind: outcome.plan.kind === 'kfold' ? 'out-of-fold' : 'holdout',
      rows: Uint32Array.from(outcome.data.scoredRows, (r) => target.rows[r]!),
      y: outcome.data.yScored,
      predictions: oof,
    };
    return { model, run, notes, outOfFold };
  } finally {
    workers?.close();
  }
}

/** The members left out for their cost, and what it cost out of fold. */
function prunedNote(dropped: readonly CandidateResult[], whole: number, pruned: number, metric: string): string {
  const names = dropped.map((c) => describeConfig(c.config));
  return `${dropped.length} ensemble member${dropped.length === 1 ? '' : 's'} left out for ${dropped.length === 1 ? 'its' : 'their'} cost to score a row, within ${PRUNE_TOLERANCE * 100} % out of fold (${metric} ${pruned.toPrecision(6)} against ${whole.toPrecision(6)} with ${dropped.length === 1 ? 'it' : 'them'}): ${names.join('; ')}`;
}

/** What the refit did: every member on all rows, or which kept their fold models. */
function refitNotes(names: readonly string[], refits: readonly RefitOutcome[], folds: number, rows: number): string[] {
  const bagged = refits.filter((r) => r.models.length > 1).length;
  if (folds < 2 || refits.every((r) => r.refit === undefined && r.models.length <= 1)) return [];
  const done = refits.length - bagged;
  const kept = names.filter((_, i) => refits[i]!.models.length > 1);
  return [
    `${done} of ${refits.length} ensemble members refitted once on all ${rows} rows (one model each instead of ${folds} fold models; the out-of-fold score is the bagged ensemble's)` +
      (kept.length > 0 ? `; kept as ${folds} fold models, the refit not fitting in the time left: ${kept.join('; ')}` : ''),
  ];
}

/** One note per reason a column was dropped, naming the first few columns: a wide table drops hundreds. */
function droppedNotes(dropped: readonly DroppedColumn[]): string[] {
  const byReason = new Map<string, DroppedColumn[]>();
  for (const d of dropped) byReason.set(d.reason, [...(byReason.get(d.reason) ?? []), d]);
  return [...byReason].map(([reason, columns]) => {
    const named = columns.slice(0, 5).map((d) => `'${d.column}'${d.of !== undefined ? ` (= '${d.of}')` : ''}`);
    const more = columns.length > 5 ? `, and ${columns.length - 5} more` : '';
    const why = reason === 'duplicate' ? 'a copy of another column' : reason;
    return columns.length === 1 ? `column ${named[0]} was dropped (${why})` : `${columns.length} columns were dropped (${why}): ${named.join(', ')}${more}`;
  });
}

/**
 * A table with no feature whose values vary (only the target, or every other column dropped as
 * constant or id-like) leaves nothing to learn: every model would be the class frequencies or the
 * mean, and chance could make one look a little better. Say so before any search.
 */
function checkLearnable(table: FeatureTable, dropped: readonly DroppedColumn[], where: string, target: string): void {
  if (table.columns.some(varies)) return;
  const flat = [...new Set(table.columns.map((c) => c.name.replace(/__.*$/, '')))].map((name) => `'${name}' (the same value in every row)`);
  const other = [...dropped.map((d) => `'${d.column}' (${d.reason === 'duplicate' ? `a copy of '${d.of ?? '?'}'` : d.reason})`), ...flat];
  const why = other.length === 0 ? 'it holds no column besides the target' : `every other column was left out: ${other.slice(0, 5).join(', ')}${other.length > 5 ? `, and ${other.length - 5} more` : ''}`;
  throw new DataError(
    `${where} has no column to learn '${target}' from (${why}); nothing was trained or saved`,
    'add columns that carry information about the target',
  );
}

/** Whether a feature takes more than one value (missing counts as a value: its pattern may inform). */
function varies(column: { readonly values: Float64Array }): boolean {
  const { values } = column;
  const first = values[0];
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    if (v !== first && !(Number.isNaN(v) && Number.isNaN(first))) return true;
  }
  return false;
}

function isLearnable(c: CandidateResult): boolean {
  return c.config.kind !== 'prior';
}

/** The first candidate, the prior on the same rows, and what the candidate cost. */
interface FirstCandidate {
  readonly data: CvData;
  readonly candidates: readonly CandidateResult[];
  readonly candidate: CandidateResult | undefined;
  readonly cost: FirstCandidateCost;
}

/** Rows × features × outputs the first candidate fits at most: a second or two of boosting. */
const FIRST_CANDIDATE_CELLS = 8_000_000;
const FIRST_CANDIDATE_MIN_ROWS = 2000;

function fitFirstCandidate(
  cv: (folds: readonly Fold[]) => CvData,
  fold: Fold,
  y: Float64Array,
  task: Task,
  table: FeatureTable,
  metric: Metric,
  options: { seed: number; threads: number; deadline: number },
): FirstCandidate {
  const outputs = task === 'multiclass' ? Math.max(1, new Set(y).size) : 1;
  const rows = Math.max(FIRST_CANDIDATE_MIN_ROWS, Math.floor(FIRST_CANDIDATE_CELLS / (Math.max(1, table.columns.length) * outputs)));
  const data = cv([{ train: sampleRows(fold.train, y, task, rows, options.seed), valid: fold.valid }]);
  const prior = evaluateCandidate(1, { kind: 'prior' }, data, metric, { seed: options.seed });
  const config = firstBooster(table.rows, table.columns.length);
  const started = Date.now();
  const outcome = evaluateCandidate(0, config, data, metric, { seed: options.seed, deadline: options.deadline, fitThreads: options.threads });
  const candidate = outcome.status === 'done' && Number.isFinite(outcome.result.score) ? outcome.result : undefined;
  const candidates = [...(prior.status === 'done' ? [prior.result] : []), ...(candidate ? [candidate] : [])];
  // the booster stops at its deadline; ending within a few milliseconds of it means it was cut short
  const cutShort = Date.now() >= options.deadline - 20;
  return { data, candidates, candidate, cost: { seconds: (Date.now() - started) / 1000, trainRows: data.folds[0]!.trainIndex.length, cutShort } };
}

/** The weighted average of the search's ensemble, or a linear stacker over its candidates when that is better out of fold. */
function combine(search: SearchResult, data: CvData, metric: Metric, seed: number, deadline: number | undefined) {
  const stack = fitStack(search.candidates, data, metric, { seed, ...(deadline !== undefined ? { deadline } : {}) });
  const averageScore = search.ensemble.score;
  const relativeGain = (score: number): number => ((metric.higherIsBetter ? 1 : -1) * (score - averageScore)) / Math.max(Math.abs(averageScore), 1e-12);
  if (stack !== undefined && relativeGain(stack.stacker.score) > STACK_MIN_GAIN) {
    const note = `a linear stacker over ${stack.inputs.length} candidates (the best of each family, then the best) beat their weighted average (${metric.name} ${stack.stacker.score.toPrecision(6)} vs ${averageScore.toPrecision(6)})`;
    return { useStack: true as const, stack, score: stack.stacker.score, note };
  }
  return { useStack: false as const, stack, score: averageScore };
}

/** A model no better than the class frequencies (or the mean) out of sample is not a model: say so instead of saving it. */
function checkBeatsPrior(candidates: readonly CandidateResult[], score: number, metric: Metric, task: Task): void {
  const prior = candidates.find((c) => c.config.kind === 'prior');
  if (!prior) return;
  const gain = ((metric.higherIsBetter ? 1 : -1) * (score - prior.score)) / Math.max(Math.abs(prior.score), 1e-12);
  if (gain > PRIOR_MIN_GAIN) return;
  throw new DataError(
    `no model beat the ${task === 'regression' ? 'mean' : 'class frequencies'} out of sample (${metric.name} ${score.toPrecision(4)} against ${prior.score.toPrecision(4)}); nothing was saved`,
    'give a larger time limit, or check that the columns carry information about the target',
  );
}

/** How much better than the prior (relative) the final model must be out of sample. */
const PRIOR_MIN_GAIN = 0.001;

/** The TypeScript API: `const model = await fit('data.csv', { target: 'y', timeLimit: 60 }); model.predict(rows)`. */
export async function fit(input: TrainingInput, options: TrainOptions): Promise<AutoModel> {
  return (await trainModel(input, options)).model;
}
