import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { UsageError } from '../../common/index.js';
import type { EndpointFormat } from '../../registry/index.js';
import { parseNumberFlag, POSITIVE_COUNT, POSITIVE_SECONDS } from '../number-flag.js';
import { printJson, printLine, printTable, type JsonFlag } from '../output.js';
import * as load from './load.js';
import { COMPARISON_COLUMNS, comparisonRow, versionRow } from './comparison-rows.js';
import { parseVersion } from './models.js';

/**
 * `autolab compare PROJECT --endpoint URL`: any HTTP model scored on a version's holdout rows, and
 * printed as a row of the leaderboard beside the project's versions.
 */

interface CompareFlags extends JsonFlag {
  endpoint: string;
  format?: string;
  version?: string;
  costPer1000?: string;
  batch?: string;
  timeout?: string;
}

const FORMATS: readonly EndpointFormat[] = ['mlflow', 'kserve', 'json'];

export function registerCompareCommand(program: Command): void {
  program
    .command('compare')
    .description("score a version's holdout rows through any HTTP model (MLflow, KServe v2, another autolab) and put it on the leaderboard beside the versions")
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .requiredOption('--endpoint <url>', 'where to POST the rows, e.g. http://host:5000/invocations (user:password@ in it is sent as basic authentication, never shown)')
    .option('--format <format>', 'mlflow, kserve or json (autolab\'s /predict); default: from the URL\'s path')
    .option('--version <version>', 'the version whose holdout rows are sent (default: production, else the newest)')
    .option('--cost-per-1000 <amount>', 'what 1,000 predictions cost at that endpoint, shown beside it')
    .option('--batch <rows>', 'rows per request (default 100)')
    .option('--timeout <seconds>', 'per request (default 30)')
    .option('--json', 'machine output')
    .action(async (projectName: string | undefined, flags: CompareFlags) => {
      if (flags.format !== undefined && !FORMATS.includes(flags.format as EndpointFormat)) throw new UsageError(`--format '${flags.format}' is not a protocol autolab speaks`, `give ${FORMATS.join(', ')}`);
      const version = flags.version === undefined ? undefined : parseVersion(flags.version);
      const cost = parseNumberFlag('cost-per-1000', flags.costPer1000, { integer: false, min: 0, what: 'an amount of 0 or more' });
      const batch = parseNumberFlag('batch', flags.batch, { ...POSITIVE_COUNT, max: 10_000 });
      const timeout = parseNumberFlag('timeout', flags.timeout, POSITIVE_SECONDS);
      const lab = await openLab();
      try {
        const done = await (await load.compare()).compareEndpoint(lab, projectName, {
          endpoint: flags.endpoint,
          ...(flags.format !== undefined ? { format: flags.format as EndpointFormat } : {}),
          ...(version !== undefined ? { version } : {}),
          ...(cost !== undefined ? { costPer1000: cost } : {}),
          ...(batch !== undefined ? { batch } : {}),
          ...(timeout !== undefined ? { timeoutMs: timeout * 1000 } : {}),
        });
        if (flags.json) return printJson(done);
        const versions = (await (await load.models()).listModels(lab, done.project)).versions.filter((v) => v.stage !== 'archived');
        const evaluation = done.metrics.evaluation;
        printLine(`${done.endpoint} scored the ${evaluation?.rows ?? '?'} ${evaluation?.on ?? ''} rows of version ${done.version} of ${done.project} in ${done.latency.requests} requests of up to ${done.latency.batch} rows (${done.answered})`);
        printTable(COMPARISON_COLUMNS, [...versions.map(versionRow), comparisonRow(done)]);
        if (evaluation?.on === 'out-of-fold') printLine('the versions\' figures are out of fold; an endpoint that trained on these rows is flattered by them');
      } finally {
        await lab.close();
      }
    });
}
