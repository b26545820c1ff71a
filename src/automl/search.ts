import { Rng } from '../learn/index.js';
import type { CvData } from './cv-data.js';
import { selectEnsemble, type EnsembleSelection } from './ensemble-selection.js';
import { evaluateCandidates, type CandidateJob, type CandidateOutcome, type CandidateResult } from './evaluate-candidate.js';
import type { FoldWorkers } from './fold-workers.js';
import type { Metric } from './metric-types.js';
import { bestOfEachFamily, describeConfig, familyOf, type ModelConfig } from './model-config.js';
import { suitsLogTarget } from './log-target-model.js';
import { AVAILABLE_MODEL_KINDS } from './model-factory.js';
import { neighbourConfig } from './neighbour-config.js';
import { defaultPortfolio } from './portfolio.js';

export interface SearchProgress {
  readonly metric: string;
  readonly elapsedSeconds: number;
  readonly tried: number;
  readonly bestScore: number | undefined;
  readonly bestModel: string | undefined;
  readonly last: string;
}

/** When the ensemble selection stops adding members: by `deadline` (ms since epoch), but not sooner than `atLeastMs` after it starts. */
export interface EnsembleTime {
  readonly deadline: number;
  readonly atLeastMs: number;
}

export interface SearchOptions {
  readonly metric: Metric;
  readonly seed: number;
  /** ms since epoch when the search must be over; undefined with `trials` */
  readonly deadline?: number;
  /** exactly this many candidates (portfolio first), ignoring time: reproducible runs */
  readonly trials?: number;
  /**
   * When the ensemble selection after the search stops adding members (see `selectEnsemble`): by
   * `deadline` (ms since epoch), but not sooner than `atLeastMs` after the search ends — a search
   * whose last candidates overran must still blend them (letter: 1 member instead of 2 when it had none)
   */
  readonly ensembleTime?: EnsembleTime;
  readonly startedAt: number;
  readonly onProgress?: (progress: SearchProgress) => void;
  /** worker threads that fit some of each candidate's folds */
  readonly workers?: FoldWorkers;
  /** threads one fit may use: the cores no fold worker keeps busy */
  readonly fitThreads?: number;
  /** candidates already evaluated on these folds (the first, fast one); the portfolio skips their configurations */
  readonly initial?: readonly CandidateResult[];
}

export interface SearchResult {
  readonly candidates: readonly CandidateResult[];
  readonly ensemble: EnsembleSelection;
  readonly notes: readonly string[];
  /** candidates started but not finished in time, or that failed */
  readonly skipped: number;
}

/** What one fold of a configuration will cost, judged from the closest one already run. */
function estimateFoldSeconds(config: ModelConfig, history: readonly { config: ModelConfig; foldSeconds: number }[]): number | undefined {
  const same = history.filter((h) => familyOf(h.config) === familyOf(config));
  const ref = same[same.length - 1];
  if (!ref) {
    // extra-trees grow deeper trees than a random forest on the same rows (no bootstrap, random
    // cuts): about twice its time, measured on the suite's data
    if (config.kind !== 'forest' || !config.extraTrees) return undefined;
    const forest = history.filter((h) => familyOf(h.config) === 'random-forest').at(-1);
    return forest && forest.config.kind === 'forest' ? forest.foldSeconds * 2 * (config.trees / forest.config.trees) : undefined;
  }
  if (config.kind === 'gbdt' && ref.config.kind === 'gbdt') {
    return ref.foldSeconds * (ref.config.learningRate / config.learningRate) * Math.sqrt(config.maxLeaves / ref.config.maxLeaves);
  }
  return ref.foldSeconds;
}

/** Rows of each class among the scored rows (undefined for regression): the portfolio looks at the balance. */
function classCounts(data: CvData): number[] | undefined {
  if (data.task === 'regression') return undefined;
  const counts = new Array<number>(data.numClasses).fill(0);
  for (const c of data.yScored) counts[c]!++;
  return counts;
}

/** Candidates whose models and out-of-fold predictions stay in memory for the ensemble. */
const ENSEMBLE_POOL = 30;

/**
 * Keeps memory bounded over a long search: past `ENSEMBLE_POOL` candidates holding models, the
 * weakest one that is not the best of its family gives up its models and out-of-fold predictions
 * (it stays on the leaderboard, but leaves the ensemble pool). A greedy ensemble draws from the
 * strong and the diverse, which the best of each family keeps.
 */
function releaseWeakest(candidates: CandidateResult[], better: (a: number, b: number) => boolean): void {
  const holding = candidates.filter((c) => c.models.length > 0);
  if (holding.length <= ENSEMBLE_POOL) return;
  const keep = new Set(bestOfEachFamily(holding, better));
  let weakest: CandidateResult | undefined;
  for (const c of holding) if (!keep.has(c) && (!weakest || better(weakest.score, c.score))) weakest = c;
  if (weakest) candidates[candidates.indexOf(weakest)] = { ...weakest, models: [], oof: new Float64Array(0) };
}

/**
 * Runs the default portfolio, then a local search around the best configurations, each candidate
 * k-fold bagged; ends with greedy ensemble selection over the out-of-fold predictions.
 */
export function runSearch(data: CvData, options: SearchOptions): SearchResult {
  const { metric } = options;
  const features = data.table.columns.length;
  const logTarget = data.task === 'regression' && suitsLogTarget(data.y);
  const initial = options.initial ?? [];
  const done = new Set(initial.map((c) => JSON.stringify(c.config)));
  const portfolio = defaultPortfolio(data.task, data.table.rows, Math.max(1, features), { logTarget, classCounts: classCounts(data) })
    .filter((c) => AVAILABLE_MODEL_KINDS.has(c.kind) && !done.has(JSON.stringify(c)));
  const candidates: CandidateResult[] = [...initial];
  /** folds one after the other on a lane: a candidate costs this many fold times */
  const rounds = Math.ceil(data.folds.length / (options.workers?.lanes ?? 1));
  const history: { config: ModelConfig; foldSeconds: number }[] = [];
  const notes: string[] = [];
  const rng = Rng.unmixed(options.seed ^ 0x5eed);
  const random = (): number => rng.next();
  const better = (a: number, b: number): boolean => (metric.higherIsBetter ? a > b : a < b);
  let best: CandidateResult | undefined;
  for (const c of initial) if (c.config.kind !== 'prior' && (!best || better(c.score, best.score))) best = c;
  for (const c of initial) history.push({ config: c.config, foldSeconds: c.seconds / rounds });
  let tried = initial.length;
  let fromPortfolio = 0;
  let skipped = 0;
  let outOfTime = 0;
  let consecutiveOutOfTime = 0;
  let step = 0.6;
  let sinceImprovement = 0;
  // `trials` counts models: the prior, the floor they are judged against, comes on top
  let maxCandidates = (options.trials ?? 500) + initial.length;
  const report = (last: string): void =>
    options.onProgress?.({
      metric: metric.name,
      elapsedSeconds: (Date.now() - options.startedAt) / 1000,
      tried,
      bestScore: best?.score,
      bestModel: best ? describeConfig(best.config) : undefined,
      last,
    });

  const nextConfig = (): ModelConfig | undefined => {
    if (fromPortfolio < portfolio.length) return portfolio[fromPortfolio++];
    if (!best) return undefined;
    // mostly walk from the best candidate, sometimes from the best of another learnable family
    const learnable = candidates.filter((c) => c.config.kind !== 'prior');
    if (learnable.length === 0) return undefined;
    const ranked = [...bestOfEachFamily(learnable, better)].sort((a, b) => (better(a.score, b.score) ? -1 : better(b.score, a.score) ? 1 : 0));
    const from = random() < 0.7 || ranked.length === 1 ? ranked[0]! : ranked[1 + Math.floor(random() * (ranked.length - 1))]!;
    return neighbourConfig(from.config, step, random);
  };

  // a holdout has one fold: the lanes then fit different candidates side by side instead
  const sideBySide = data.folds.length === 1 && options.trials === undefined ? (options.workers?.lanes ?? 1) : 1;
  const settle = (config: ModelConfig, outcome: CandidateOutcome): boolean => {
    if (outcome.status !== 'done') {
      skipped++;
      if (outcome.status === 'failed') notes.push(`${describeConfig(config)} failed: ${outcome.message}`);
      if (outcome.status === 'out-of-time') outOfTime++;
      report(`${describeConfig(config)}: ${outcome.status}`);
      // a family too slow for the time left does not stop the loop: a cheaper configuration may
      // still fit — but a long run of them means nothing does
      consecutiveOutOfTime = outcome.status === 'out-of-time' ? consecutiveOutOfTime + 1 : 0;
      return consecutiveOutOfTime < 20;
    }
    consecutiveOutOfTime = 0;
    const result = outcome.result;
    if (!Number.isFinite(result.score)) {
      skipped++;
      notes.push(`${describeConfig(config)} gave a non-finite score and was left out`);
      return true;
    }
    history.push({ config, foldSeconds: result.seconds / rounds });
    candidates.push(result);
    releaseWeakest(candidates, better);
    if (!best || better(result.score, best.score)) {
      best = result;
      sinceImprovement = 0;
    } else if (fromPortfolio >= portfolio.length && ++sinceImprovement >= 6) {
      step = step > 0.15 ? step / 2 : 0.6;
      sinceImprovement = 0;
    }
    report(describeConfig(config));
    return true;
  };
  const shared = {
    ...(options.workers ? { workers: options.workers } : {}),
    ...(options.fitThreads !== undefined ? { fitThreads: options.fitThreads } : {}),
  };

  let going = true;
  while (going && tried < maxCandidates) {
    const batch: CandidateJob[] = [];
    while (batch.length < sideBySide && tried < maxCandidates) {
      const config = nextConfig();
      if (!config) {
        going = false;
        break;
      }
      const id = tried++;
      // the prior is the floor every model is judged against: it runs, however late, on its own (it costs nothing)
      if (config.kind === 'prior') {
        maxCandidates++;
        going = settle(config, evaluateCandidates([{ id, config, seed: options.seed + 1000 * id }], data, metric, shared)[0]!);
        continue;
      }
      if (options.deadline !== undefined && Date.now() >= options.deadline) {
        going = false;
        break;
      }
      const expected = estimateFoldSeconds(config, history);
      // a candidate whose folds will not all fit is not started: a half-run candidate is time lost
      if (options.deadline !== undefined && expected !== undefined && Date.now() + expected * rounds * 1000 > options.deadline) {
        going = settle(config, { status: 'out-of-time', seconds: 0, foldsDone: 0 });
        if (!going) break;
        continue;
      }
      batch.push({ id, config, seed: options.seed + 1000 * id, ...(expected !== undefined ? { expectedFoldSeconds: expected } : {}) });
    }
    if (batch.length === 0) continue;
    const outcomes = evaluateCandidates(batch, data, metric, { ...shared, ...(options.deadline !== undefined ? { deadline: options.deadline } : {}) });
    outcomes.forEach((outcome, j) => {
      if (!settle(batch[j]!.config, outcome)) going = false;
    });
  }
  if (candidates.length === 0) throw new Error('no candidate finished'); // the prior always finishes; reaching this is a bug
  const portfolioDone = candidates.filter((c) => c.id < portfolio.length + initial.length).length;
  if (options.trials === undefined && outOfTime > 0 && portfolioDone < portfolio.length) {
    notes.push(
      `the time limit was too small for the plan: ${portfolioDone} of ${portfolio.length} default configurations finished; the best so far is used — a larger --time-limit gives a better model`,
    );
  }
  return { candidates, ensemble: ensembleOf(candidates, data, metric, options.ensembleTime), notes, skipped };
}

/**
 * Greedy ensemble selection over the candidates still holding models. The prior is the
 * leaderboard's floor, not an ensemble member: mixing a constant into a blend leaves a rank metric
 * such as AUC unchanged while it flattens every probability towards the base rate, so greedy
 * selection on AUC would take it for free.
 */
export function ensembleOf(candidates: readonly CandidateResult[], data: CvData, metric: Metric, time?: EnsembleTime): EnsembleSelection {
  const kept = candidates.filter((c) => c.models.length > 0);
  const pool = kept.some((c) => c.config.kind !== 'prior') ? kept.filter((c) => c.config.kind !== 'prior') : kept;
  const selection = selectEnsemble(
    pool.map((c) => c.oof),
    data.yScored,
    data.numClasses,
    metric,
    time ? { deadline: Math.max(time.deadline, Date.now() + time.atLeastMs) } : {},
  );
  return { ...selection, members: selection.members.map((m) => ({ ...m, candidate: candidates.indexOf(pool[m.candidate]!) })) };
}
