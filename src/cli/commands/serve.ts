import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { findLabRoot, openLab } from '../../app/lab.js';
import type { Lab } from '../../app/lab-types.js';
import { resolveProject } from '../../app/project.js';
import { describeError, redactSecrets, UsageError } from '../../common/index.js';
import { parseNumberFlag, POSITIVE_COUNT } from '../number-flag.js';
import * as load from './load.js';

const PORT = { integer: true, min: 0, max: 65535, what: 'a port number (0 to 65535)' } as const;

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve a model bundle over HTTP: /predict, MLflow\'s /invocations, the Open Inference Protocol (v2), /metrics, /docs')
    .argument('[model]', 'a model bundle folder written by `autolab train`, or a project of this lab: its deployment (autolab deploy), else its production version')
    .option('--port <n>', 'the port to listen on', '8080')
    .option('--host <address>', 'the address to listen on', '127.0.0.1')
    .option('--workers <n>', 'worker processes (default: one per core)')
    .option('--deployment <file>', 'a JSON deployment to follow instead of one model: { blue: { dir }, green?: { dir }, live, weights?, shadow? }, read every second')
    .option('--log <dir>', 'write every request\'s inputs, outputs, slot, model version and latency to Parquet files in this folder (default inside a lab: its lake, lake/predictions/<model>/)')
    .option('--max-rows <n>', 'records scored per request at most', '10000')
    .option('--humility <file>', "humility rules (YAML or JSON, as autolab.yaml's humility: section): flag, fall back or refuse uncertain, outlying, unseen or low-observation records (default for a project: autolab.yaml's)")
    .action(async (model: string | undefined, flags: { port: string; host: string; workers?: string; deployment?: string; log?: string; maxRows: string; humility?: string }) => {
      if (model !== undefined && flags.deployment !== undefined) throw new UsageError('give a model folder or project, or --deployment, not both', 'e.g. `autolab serve model/ --port 8080`');
      const port = parseNumberFlag('port', flags.port, PORT)!;
      const workers = parseNumberFlag('workers', flags.workers, POSITIVE_COUNT) ?? availableParallelism();
      const maxRows = parseNumberFlag('max-rows', flags.maxRows, POSITIVE_COUNT)!;
      const say = (line: string) => process.stderr.write(`${line}\n`);
      // inside a lab, the prediction log goes to its lake unless a folder is given
      const labRoot = findLabRoot(process.cwd());
      const bundle = model !== undefined && (existsSync(join(model, 'bundle.json')) || labRoot === undefined);
      if (!bundle && flags.deployment === undefined && labRoot === undefined) throw new UsageError('nothing to serve', 'give a model folder (`autolab serve model/`), or run it in a lab to serve a project');
      let deploymentFile = flags.deployment;
      let following: { stop(): Promise<void> } | undefined;
      let lab: Lab | undefined;
      try {
        const { servedHumilityRules } = await load.serveHumility();
        let humility = flags.humility !== undefined ? servedHumilityRules({ file: flags.humility }) : undefined;
        if (!bundle && deploymentFile === undefined) {
          // a project of this lab: follow its deployment record as the workers' deployment file
          lab = await openLab();
          const project = await resolveProject(lab, model);
          humility = servedHumilityRules({ file: flags.humility, config: lab.config, project: project.name });
          const { projectDeployment, deploymentFileOf, followProjectDeployment, writeDeploymentFile } = await load.serveProject();
          const { deployment, revision } = await projectDeployment(lab, project.name);
          deploymentFile = deploymentFileOf(lab, project.name);
          await writeDeploymentFile(deploymentFile, deployment);
          following = followProjectDeployment(lab, project.name, deploymentFile, revision, {
            onChange: (r) => say(`deployment revision ${r} of ${project.name}: sent to the workers`),
            onError: (error) => say(`autolab serve: deployment of ${project.name} not applied: ${redactSecrets(describeError(error))}`),
          });
        }
        const { runServe } = await load.serve();
        await runServe(
          {
            ...(bundle ? { modelDir: model } : {}),
            ...(deploymentFile !== undefined ? { deploymentFile } : {}),
            ...(flags.log !== undefined ? { logDir: flags.log } : labRoot !== undefined ? { labRoot } : {}),
            port,
            host: flags.host,
            workers,
            maxRows,
            ...(humility ? { humility } : {}),
          },
          say,
        );
      } finally {
        await following?.stop();
        await lab?.close();
      }
    });
}
