import type { Command } from 'commander';
import { resolve } from 'node:path';
import { openLab } from '../../app/lab.js';
import type { AutoModel } from '../../automl/index.js';
import type { FrameRead } from '../../features/index.js';
import * as load from './load.js';

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description('score a data file with a model bundle: a CSV with `prediction` and, for classifiers, `proba_<class>` per class')
    .argument('<model>', 'the model bundle folder written by `autolab train`')
    .argument('<data>', 'a CSV, TSV, Parquet, JSON or NDJSON file with the model\'s input columns')
    .option('--out <file>', 'the CSV to write (default: standard output)')
    .option('--force', 'replace the --out file when it exists')
    .option('--json', 'print a JSON summary (with --out)')
    .action(async (modelDir: string, data: string, flags: { out?: string; force?: boolean; json?: boolean }) => {
      const started = Date.now();
      const { loadBundle, predictFile } = await load.automl();
      const { model } = loadBundle(modelDir);
      const input = await modelInputOf(modelDir, model);
      let outcome: { rows: number; notes: readonly string[] };
      try {
        outcome = await predictFile(model, data, flags.out ?? process.stdout, { replace: flags.force === true, ...input.options });
      } finally {
        await input.close();
      }
      const { rows, notes } = outcome;
      // how the file was read (a repaired byte, a skipped row) is never silent; standard output may be the predictions
      if (!(flags.out && flags.json)) for (const note of notes) process.stderr.write(`note: ${note}\n`);
      if (!flags.out) return;
      const seconds = (Date.now() - started) / 1000;
      if (flags.json) process.stdout.write(JSON.stringify({ rows, out: flags.out, task: model.task, classes: model.classes, seconds, notes }) + '\n');
      else process.stdout.write(`wrote ${rows} predictions to ${flags.out} in ${seconds.toFixed(2)} s\n`);
    });
}

/**
 * How a data file becomes a bundle's input rows: as it is, or — a model trained on a project's gold
 * table — with its features computed from the project's lab: the one the bundle sits in, else the
 * one the current folder is in. `close` closes that lab.
 */
export async function modelInputOf(
  modelDir: string,
  model: AutoModel,
): Promise<{ options: { frameOf?: (path: string) => Promise<FrameRead> }; close: () => Promise<void> }> {
  const gold = model.manifest.gold;
  if (!gold) return { options: {}, close: async () => {} };
  const lab = await openLab(resolve(modelDir)).catch(() => openLab());
  const { textColumnsOf } = await load.features();
  const frameOf = async (path: string): Promise<FrameRead> => (await load.goldFeatures()).goldFeaturesOf(lab, gold, model.manifest.clean, path, textColumnsOf(model.manifest.pipeline));
  return { options: { frameOf }, close: () => lab.close() };
}
