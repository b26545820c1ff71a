import type { Command } from 'commander';
import type { BundleManifest, LeaderboardRow } from '../../automl/index.js';
import * as load from './load.js';

/** The leaderboard as an aligned text table. */
export function formatLeaderboard(rows: readonly LeaderboardRow[], metric: string, seconds?: Readonly<Record<string, number>>): string {
  const header = ['rank', metric, 'weight', 'seconds', 'rows', 'model'];
  const body = rows.map((r) => [
    String(r.rank),
    Number(r.score.toPrecision(6)).toString(),
    r.weight > 0 ? r.weight.toFixed(3) : '',
    seconds?.[String(r.id)] !== undefined ? seconds[String(r.id)]!.toFixed(2) : '',
    // bundles written before the validation plan did not record it
    (r as Partial<LeaderboardRow>).trainRows?.toString() ?? '',
    r.model,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]!.length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (c === cells.length - 1 ? cell : cell.padEnd(widths[c]!))).join('  ');
  return [line(header), ...body.map(line)].join('\n') + '\n';
}

/** The bundle's validation plan in words; bundles written before plans were recorded were all k-fold. */
function validationOf(m: BundleManifest, automl: { describeFitting(manifest: BundleManifest): string }): string {
  return (m as Partial<BundleManifest>).validation ? automl.describeFitting(m) : `${m.folds}-fold cross-validation, fold models bagged`;
}

export function registerLeaderboardCommand(program: Command): void {
  program
    .command('leaderboard')
    .description('print the candidates a model bundle was chosen from, best first')
    .argument('<model>', 'the model bundle folder written by `autolab train`')
    .option('--json', 'print the leaderboard as JSON')
    .action(async (modelDir: string, flags: { json?: boolean }) => {
      const automl = await load.automl();
      const { loadBundle } = automl;
      const { model, run } = loadBundle(modelDir);
      const m = model.manifest;
      if (flags.json) {
        process.stdout.write(JSON.stringify({ metric: m.metric, score: m.score, leaderboard: m.leaderboard, seconds: run?.candidateSeconds ?? {} }, null, 1) + '\n');
        return;
      }
      process.stdout.write(`${m.task} model of '${m.target}', ${m.metric} ${Number(m.score.toPrecision(6))} (ensemble, out of sample); validated by ${validationOf(m, automl)}\n`);
      process.stdout.write(formatLeaderboard(m.leaderboard, m.metric, run?.candidateSeconds));
    });
}
