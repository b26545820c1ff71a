import type { Command } from 'commander';
import { parseNumberFlag, POSITIVE_COUNT } from '../number-flag.js';
import * as load from './load.js';
import { modelInputOf } from './predict.js';

const DEFAULT_TOP = 5;

export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description("each row's largest contributions per input column (column, value, contribution), over every model of the ensemble as it weighs them")
    .argument('<model>', 'the model bundle folder written by `autolab train`')
    .argument('<data>', "a CSV, TSV, Parquet, JSON or NDJSON file with the model's input columns")
    .option('--top <n>', `contributions per row (default ${DEFAULT_TOP})`)
    .option('--out <file>', 'the file to write, CSV, or JSON when it ends in .json or with --json (default: standard output)')
    .option('--force', 'replace the --out file when it exists')
    .option('--json', 'JSON: the explanations (on standard output), or with --out a summary')
    .action(async (modelDir: string, data: string, flags: { top?: string; out?: string; force?: boolean; json?: boolean }) => {
      const top = parseNumberFlag('top', flags.top, POSITIVE_COUNT) ?? DEFAULT_TOP;
      const started = Date.now();
      const { loadBundle, explainFile } = await load.automl();
      const { model } = loadBundle(modelDir);
      const format = flags.json === true || flags.out?.toLowerCase().endsWith('.json') === true ? 'json' : 'csv';
      const input = await modelInputOf(modelDir, model);
      let outcome: { rows: number; notes: readonly string[] };
      try {
        outcome = await explainFile(model, data, flags.out ?? process.stdout, { top, format, replace: flags.force === true, ...input.options });
      } finally {
        await input.close();
      }
      if (!(flags.json && flags.out)) for (const note of outcome.notes) process.stderr.write(`note: ${note}\n`);
      if (!flags.out) return;
      const seconds = (Date.now() - started) / 1000;
      if (flags.json) process.stdout.write(JSON.stringify({ rows: outcome.rows, out: flags.out, format, top, seconds, notes: outcome.notes }) + '\n');
      else process.stdout.write(`wrote the top ${top} contributions of ${outcome.rows} rows to ${flags.out} in ${seconds.toFixed(2)} s\n`);
    });
}
