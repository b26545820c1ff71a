import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { findLabRoot } from '../../app/lab.js';
import { UsageError } from '../../common/index.js';
import { parseNumberFlag, POSITIVE_COUNT } from '../number-flag.js';
import * as load from './load.js';

const PORT = { integer: true, min: 0, max: 65535, what: 'a port number (0 to 65535)' } as const;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve a model bundle over HTTP: /predict, MLflow\'s /invocations, the Open Inference Protocol (v2), /metrics, /docs')
    .argument('[model]', 'the model bundle folder written by `autolab train`')
    .option('--port <n>', 'the port to listen on', '8080')
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .option('--workers <n>', 'worker processes (default: one per core)')
    .option('--deployment <file>', 'a JSON deployment to follow instead of one model: { blue: { dir }, green?: { dir }, live, weights?, shadow? }, read every second')
    .option('--log <dir>', 'write every request\'s inputs, outputs, slot, model version and latency to Parquet files in this folder (default inside a lab: its lake, lake/predictions/<model>/)')
    .option('--max-rows <n>', 'records scored per request at most', '10000')
    .action(async (model: string | undefined, flags: { port: string; host: string; workers?: string; deployment?: string; log?: string; maxRows: string }) => {
      if ((model === undefined) === (flags.deployment === undefined)) {
        throw new UsageError(model === undefined ? 'nothing to serve' : 'give a model folder or --deployment, not both', 'e.g. `autolab serve model/ --port 8080`');
      }
      const port = parseNumberFlag('port', flags.port, PORT)!;
      const workers = parseNumberFlag('workers', flags.workers, POSITIVE_COUNT) ?? availableParallelism();
      const maxRows = parseNumberFlag('max-rows', flags.maxRows, POSITIVE_COUNT)!;
      const { runServe } = await load.serve();
      // inside a lab, the prediction log goes to its lake unless a folder is given
      const labRoot = flags.log === undefined ? findLabRoot(process.cwd()) : undefined;
      await runServe(
        {
          ...(model !== undefined ? { modelDir: model } : {}),
          ...(flags.deployment !== undefined ? { deploymentFile: flags.deployment } : {}),
          ...(flags.log !== undefined ? { logDir: flags.log } : {}),
          ...(labRoot !== undefined ? { labRoot } : {}),
          port,
          host: flags.host,
          workers,
          maxRows,
        },
        (line) => process.stderr.write(`${line}\n`),
      );
    });
}
