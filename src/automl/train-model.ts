import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InputError, UsageError } from '../common/index.js';
import {
  findColumn,
  fitPipeline,
  frameFromRows,
  inputSchemaOf,
  readFrame,
  takeRows,
  type Frame,
} from '../features/index.js';
import { predictionThreads } from '../learn/index.js';
import type { Task } from '../learn/types.js';
import { AutoModel } from './auto-model.js';
import { manifestOf, saveBundle, type BundleContent } from './bundle.js';
import type { LeaderboardRow, RunRecord } from './bundle-types.js';
import { buildCvData } from './cv-data.js';
import { chooseFoldCount, makeFolds } from './folds.js';
import { metricFor } from './metrics.js';
import { describeConfig, familyOf } from './model-config.js';
import { FoldWorkers } from './fold-workers.js';
import { runSearch, type SearchProgress, type SearchResult } from './search.js';
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
}

export interface TrainResult {
  readonly model: AutoModel;
  readonly run: RunRecord;
  readonly notes: readonly string[];
}

/** Share of the time limit the search may use; the rest covers the last fit, stacking and saving. */
const SEARCH_SHARE = 0.85;
/** Stacking must end by this share of the time limit. */
const STACK_SHARE = 0.92;
/** A stacker replaces the weighted average only when it is better by this relative margin out of fold. */
const STACK_MIN_GAIN = 0.001;

async function loadInput(input: TrainingInput, target: string): Promise<{ frame: Frame; dataHash: string }> {
  if (typeof input === 'string') {
    const frame = await readFrame(input, { textColumns: [target] });
    return { frame, dataHash: createHash('sha256').update(readFileSync(input)).digest('hex') };
  }
  const frame = Array.isArray(input) ? frameFromRows(input as readonly Record<string, unknown>[]) : (input as Frame);
  const hash = createHash('sha256');
  for (const column of frame.columns) {
    hash.update(column.name).update('\0').update(column.kind).update('\0');
    if (column.kind === 'string') hash.update(JSON.stringify(column.values));
    else hash.update(new Uint8Array(column.values.buffer, column.values.byteOffset, column.values.byteLength));
  }
  return { frame, dataHash: hash.digest('hex') };
}

/** Trains a model on a table: task detection, preprocessing, budgeted search, ensemble, and the bundle if `out` is set. */
export async function trainModel(input: TrainingInput, options: TrainOptions): Promise<TrainResult> {
  const startedAt = options.startedAt ?? Date.now();
  if (options.timeLimit !== undefined && !(options.timeLimit > 0)) throw new UsageError('--time-limit must be a positive number of seconds');
  if (options.trials !== undefined && !(Number.isInteger(options.trials) && options.trials > 0)) {
    throw new UsageError('--trials must be a positive whole number');
  }
  const timeLimit = options.trials === undefined ? (options.timeLimit ?? 60) : options.timeLimit;
  const seed = options.seed ?? 0;
  const { frame: raw, dataHash } = await loadInput(input, options.target);
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
  const notes: string[] = [];
  if (target.rows.length < raw.rows) notes.push(`${raw.rows - target.rows.length} rows without a target value were left out`);
  if (frame.rows < 10) throw new InputError(`only ${frame.rows} rows have a target value`, 'train on at least 10 rows');
  const metric = metricFor(target.task, options.metric);
  const numClasses = target.task === 'regression' ? 1 : target.classes.length;
  const fitted = fitPipeline(frame, options.target, { task: target.task, values: target.values, numClasses }, { seed });
  for (const d of fitted.spec.dropped) notes.push(`column '${d.column}' was dropped (${d.reason})`);
  const foldCount = chooseFoldCount(frame.rows, timeLimit);
  const folds = makeFolds(target.values, target.task, foldCount, seed);
  const data = buildCvData(target.task, numClasses, fitted.table, target.values, folds);
  // the other cores fit some of each candidate's folds; the models are the same on any count
  const workers = FoldWorkers.start(data, options.threads ?? predictionThreads());
  const foldThreads = workers?.lanes ?? 1;
  let search: SearchResult;
  try {
    search = runSearch(data, {
      metric,
      seed,
      startedAt,
      ...(options.trials !== undefined ? { trials: options.trials } : { deadline: startedAt + timeLimit! * 1000 * SEARCH_SHARE }),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
      ...(workers ? { workers } : {}),
    });
  } finally {
    workers?.close();
  }
  notes.push(...search.notes);

  const stack = fitStack(search.candidates, data, metric, {
    seed,
    ...(options.trials !== undefined ? {} : { deadline: startedAt + timeLimit! * 1000 * STACK_SHARE }),
  });
  const averageScore = search.ensemble.score;
  const relativeGain = (score: number): number => ((metric.higherIsBetter ? 1 : -1) * (score - averageScore)) / Math.max(Math.abs(averageScore), 1e-12);
  const useStack = stack !== undefined && relativeGain(stack.stacker.score) > STACK_MIN_GAIN;
  if (useStack) notes.push(`a linear stacker over ${stack.inputs.length} candidates (the best of each family, then the best) beat their weighted average (${metric.name} ${stack.stacker.score.toPrecision(6)} vs ${averageScore.toPrecision(6)})`);

  const weightOf = new Map(useStack ? [] : search.ensemble.members.map((m) => [search.candidates[m.candidate]!.id, m.weight]));
  const better = (a: number, b: number): number => (metric.higherIsBetter ? b - a : a - b);
  const leaderboard: LeaderboardRow[] = [...search.candidates]
    .sort((a, b) => better(a.score, b.score) || a.id - b.id)
    .map((c, i) => ({ rank: i + 1, id: c.id, model: describeConfig(c.config), family: familyOf(c.config), score: c.score, weight: weightOf.get(c.id) ?? 0 }));
  const chosen = useStack ? stack.inputs : search.ensemble.members.map((m) => search.candidates[m.candidate]!);
  const content: BundleContent = {
    kind: 'autolab-model-bundle',
    version: 1,
    task: target.task,
    target: options.target,
    classes: target.classes,
    metric: metric.name,
    score: useStack ? stack.stacker.score : averageScore,
    combinerScores: { average: averageScore, stack: stack?.stacker.score ?? null },
    seed,
    folds: foldCount,
    trainingRows: frame.rows,
    dataHash,
    pipeline: fitted.spec,
    schema: inputSchemaOf(fitted.spec),
    leaderboard,
    notes,
    members: chosen.map((c) => ({ id: c.id, weight: weightOf.get(c.id) ?? 0, config: c.config, fitted: c.models })),
    ...(useStack ? { stack: { config: stack.stacker.config, fitted: stack.stacker.models } } : {}),
  };
  const runFacts = {
    createdAt: new Date().toISOString(),
    seconds: 0,
    timeLimit: timeLimit ?? null,
    trials: options.trials ?? null,
    candidatesTried: search.candidates.length + search.skipped,
    candidateSeconds: Object.fromEntries(search.candidates.map((c) => [String(c.id), Number(c.seconds.toFixed(3))])),
    foldThreads,
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
  return { model, run, notes };
}

/** The TypeScript API: `const model = await fit('data.csv', { target: 'y', timeLimit: 60 }); model.predict(rows)`. */
export async function fit(input: TrainingInput, options: TrainOptions): Promise<AutoModel> {
  return (await trainModel(input, options)).model;
}
