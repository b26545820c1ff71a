import type { Command } from 'commander';
import { UsageError } from '../../common/index.js';
import { liveLine } from '../live-line.js';
import { parseNumberFlag, POSITIVE_COUNT, POSITIVE_SECONDS, type NumberFlagRule } from '../number-flag.js';
import type { SearchProgress, TrainOptions } from '../../automl/index.js';
import { registerPredictCommand } from './predict.js';
import { formatLeaderboard, registerLeaderboardCommand } from './leaderboard.js';
import * as load from './load.js';

interface TrainFlags {
  target: string;
  timeLimit?: string;
  trials?: string;
  seed?: string;
  task?: string;
  metric?: string;
  out: string;
  json?: boolean;
  /** commander's `--no-refit` */
  refit: boolean;
}

/** seeds feed 32-bit generators */
const SEED: NumberFlagRule = { integer: true, min: 0, max: 2 ** 32 - 1, what: 'a whole number ≥ 0' };

function formatScore(score: number | undefined): string {
  return score === undefined ? '—' : Number(score.toPrecision(6)).toString();
}

/** A live line on a terminal, one plain line per candidate otherwise; always on stderr so stdout stays clean. */
export function progressPrinter(): { update(p: SearchProgress): void; done(): void } {
  const live = process.stderr.isTTY === true ? liveLine() : undefined;
  return {
    update(p) {
      const line = `[${p.elapsedSeconds.toFixed(1)}s] ${p.tried} candidates, best ${p.metric} ${formatScore(p.bestScore)} — ${p.last}`;
      if (live) live.draw(line);
      else process.stderr.write(line + '\n');
    },
    done() {
      live?.end();
    },
  };
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('search for the best model of one column of a table, within a time limit, and write a model bundle')
    .argument('<data>', 'a CSV, TSV, Parquet, JSON or NDJSON file')
    .requiredOption('--target <column>', 'the column to predict')
    .option('--time-limit <seconds>', 'wall time for the whole training (default 60)')
    .option('--trials <n>', 'exactly n candidates instead of a time limit: the same data and seed give the same bundle')
    .option('--seed <n>', 'random seed (default 0)')
    .option('--task <task>', 'binary, multiclass or regression (default: detected from the target)')
    .option('--metric <name>', 'auc, logloss, accuracy, balanced_accuracy, f1, rmse, mae or r2 (default: auc, logloss or rmse)')
    .option('--out <dir>', 'folder for the model bundle', 'model')
    .option('--no-refit', 'keep every fold model of each ensemble member (k times the trees to serve) instead of refitting each once on all rows')
    .option('--json', 'print the result as JSON')
    .action(async (data: string, flags: TrainFlags) => {
      // the limit counts from the process's start: loading Node and the command's modules is part of it
      const startedAt = Math.round(performance.timeOrigin);
      if (flags.task !== undefined && !['binary', 'multiclass', 'regression'].includes(flags.task)) {
        throw new UsageError(`--task '${flags.task}' is not a task`, 'use binary, multiclass or regression');
      }
      const timeLimit = parseNumberFlag('time-limit', flags.timeLimit, POSITIVE_SECONDS);
      const trials = parseNumberFlag('trials', flags.trials, POSITIVE_COUNT);
      const seed = parseNumberFlag('seed', flags.seed, SEED) ?? 0;
      const progress = progressPrinter();
      const options: TrainOptions = {
        target: flags.target,
        seed,
        out: flags.out,
        startedAt,
        ...(timeLimit !== undefined ? { timeLimit } : {}),
        ...(trials !== undefined ? { trials } : {}),
        ...(flags.refit ? {} : { refit: false }),
        ...(flags.task !== undefined ? { task: flags.task as TrainOptions['task'] & string } : {}),
        ...(flags.metric !== undefined ? { metric: flags.metric } : {}),
        ...(flags.json ? {} : { onProgress: (p: SearchProgress) => progress.update(p) }),
      };
      let result;
      try {
        const { trainModel } = await load.automl();
        result = await trainModel(data, options);
      } finally {
        progress.done();
      }
      const { model, run, notes } = result;
      if (flags.json) {
        process.stdout.write(
          JSON.stringify(
            {
              bundle: flags.out,
              task: model.task,
              target: model.manifest.target,
              classes: model.classes,
              metric: model.manifest.metric,
              score: model.manifest.score,
              seconds: run.seconds,
              bundleHash: run.bundleHash,
              candidates: run.candidatesTried,
              validation: model.manifest.validation,
              leaderboard: model.leaderboard,
              notes,
            },
            null,
            1,
          ) + '\n',
        );
        return;
      }
      const members = model.leaderboard.filter((r) => r.weight > 0).length;
      process.stdout.write(
        `trained a ${model.task} model of '${model.manifest.target}' on ${model.manifest.trainingRows} rows in ${run.seconds.toFixed(1)} s: ` +
          `${model.manifest.metric} ${formatScore(model.manifest.score)} (${model.manifest.validation.kind === 'kfold' ? 'out of fold' : 'on the holdout'}, ensemble of ${members} of ${model.leaderboard.length} candidates) → ${flags.out}\n`,
      );
      const { describeFitting } = await load.automl();
      process.stdout.write(`validation: ${describeFitting(model.manifest)} (${model.manifest.validation.reason})\n`);
      for (const note of notes) process.stdout.write(`note: ${note}\n`);
      process.stdout.write(formatLeaderboard(model.leaderboard.slice(0, 10), model.manifest.metric, run.candidateSeconds));
    });
}

/** train, predict and leaderboard: the AutoML commands. */
export function registerAutomlCommands(program: Command): void {
  registerTrainCommand(program);
  registerPredictCommand(program);
  registerLeaderboardCommand(program);
}
