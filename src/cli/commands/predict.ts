import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import { UsageError } from '../../common/index.js';
import { printJson, printLine } from '../output.js';
import { parseVersion } from './models.js';
import type { AutoModel } from '../../automl/index.js';
import type { FrameRead } from '../../features/index.js';
import * as load from './load.js';

export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'score a data file with a model bundle (MODEL DATA: a CSV with `prediction` and, for classifiers, `proba_<class>` per class), ' +
        "or a lab project's target table with a registered version (PROJECT: written into the lake as gold.TABLE_predictions)",
    )
    .argument('<model>', 'the model bundle folder written by `autolab train`; or, alone, a project of this lab')
    .argument('[data]', 'a CSV, TSV, Parquet, JSON or NDJSON file with the model\'s input columns (left out: the project form)')
    .option('--version <n>', 'the project form: the model version to score with (default: production)')
    .option('--out <file>', 'the CSV to write (default: standard output); the project form: also export the table to FILE.csv or FILE.parquet')
    .option('--force', 'replace the --out file when it exists')
    .option('--json', 'print a JSON summary (with --out, or the project form)')
    .action(async (modelDir: string, data: string | undefined, flags: { out?: string; force?: boolean; json?: boolean; version?: string }) => {
      if (data === undefined) return predictProjectCommand(modelDir, flags);
      if (flags.version !== undefined) throw new UsageError('--version picks a version of a project: give the project alone', `autolab predict PROJECT --version ${flags.version}, or autolab predict MODEL_DIR DATA`);
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

/** `autolab predict PROJECT [--version N] [--out FILE]`: the target table scored into gold (reused when nothing changed). */
async function predictProjectCommand(name: string, flags: { out?: string; force?: boolean; json?: boolean; version?: string }): Promise<void> {
  if (existsSync(join(name, 'bundle.json'))) throw new UsageError(`${name} is a model bundle: give the data file to score too`, `autolab predict ${name} DATA [--out FILE]`);
  const version = flags.version === undefined ? undefined : parseVersion(flags.version);
  const lab = await openLab();
  try {
    const project = await resolveProject(lab, name);
    const done = await (await load.batchPredictions()).predictProject(lab, project, version === undefined ? {} : { version });
    // this scoring's own table: `export` takes the newest scoring, which a reused older one is not
    const written = flags.out ? await (await load.exportLayer()).writeLakeTable(lab, done.lakeKey, flags.out, { replace: flags.force === true }) : null;
    if (flags.json) return printJson({ ...done, ...(written ? { out: written.path } : {}) });
    const what = done.scored ? `scored ${done.rows} rows with model version ${done.version}` : `model version ${done.version} had scored these ${done.rows} rows already (${done.scoredAt})`;
    printLine(`${what}: gold.${done.name} of ${done.project}${written ? `, exported to ${flags.out}` : `; export it with autolab export ${done.project} gold.${done.name} --out FILE.csv`}`);
  } finally {
    await lab.close();
  }
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
