import { hasHumilityRules, type HumilityRules } from '../monitor/index.js';
import type { ServedModel } from './served-model.js';
import { serveOptionsShape, type ServeOptions } from './serve-options.js';
import { startServeCluster } from './serve-cluster.js';
import { checkServable, startServing } from './serving-process.js';

/**
 * `autolab serve`: serves until SIGTERM or SIGINT (requests under way finish, the prediction log is
 * written), reloads the model on SIGHUP. One worker serves from this process; more run as a cluster.
 * `say` gets one line per event (listening, reloaded, stopping).
 */
export async function runServe(input: ServeOptions, say: (line: string) => void): Promise<void> {
  const options = serveOptionsShape.parse(input);
  const served = options.deploymentFile !== undefined ? `the deployment in ${options.deploymentFile}` : options.modelDir!;
  let reload: () => Promise<string[]>;
  let close: () => Promise<void>;
  let port: number;
  let models: ServedModel[];
  if (options.workers === 1) {
    const serving = await startServing(options);
    port = serving.port;
    models = [serving.router.config.blue, serving.router.config.green].filter((m): m is ServedModel => m !== undefined);
    reload = () => serving.reload().then(() => [], (error: unknown) => [error instanceof Error ? error.message : String(error)]);
    close = () => serving.close();
  } else {
    // a model that cannot be served is said once, here, rather than by every worker as it dies
    models = checkServable(options);
    const cluster = await startServeCluster(options, say);
    port = cluster.port;
    reload = () => cluster.reload();
    close = () => cluster.close();
  }
  say(`serving ${served} on http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port} with ${options.workers} worker${options.workers === 1 ? '' : 's'}${options.logDir !== undefined ? `, logging predictions to ${options.logDir}` : options.labRoot !== undefined ? `, logging predictions to the lake of the lab in ${options.labRoot}` : ''}`);
  if (hasHumilityRules(options.humility)) for (const line of humilityLines(models, options.humility!)) say(line);
  const onHangup = () => {
    void reload().then((errors) => say(errors.length === 0 ? 'reloaded the model' : `kept the model where it could not be reloaded: ${errors[0]}`));
  };
  process.on('SIGHUP', onHangup);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      say('stopping: answering the requests under way');
      void close().then(resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  process.off('SIGHUP', onHangup);
  say('stopped');
}

/** What the humility rules do on each served model, and — said once, here — each rule a model cannot run, and why. */
export function humilityLines(models: readonly ServedModel[], rules: HumilityRules): string[] {
  return models.flatMap((model) => {
    const judge = model.humility(rules);
    const who = `${model.name} ${model.version}`;
    return [
      `humility rules on ${who}: ${judge.active.length > 0 ? judge.active.join('; ') : 'none can run'}`,
      ...judge.unavailable.map((why) => `humility rule unavailable on ${who}: ${why}`),
    ];
  });
}
