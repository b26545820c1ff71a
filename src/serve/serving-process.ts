import { readFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { openLab, writeFeedback } from '../app/index.js';
import type { FeedbackSink } from '../monitor/index.js';
import { InputError, tempPrefix, UsageError } from '../common/index.js';
import { keySegment } from '../lake/index.js';
import { setPredictionThreads } from '../learn/index.js';
import { applyDeployment, followDeployment, healthCheck, ModelCache, parseDeployment, slotsOf, type Deployment } from './deployment.js';
import { ParquetPredictionLog } from './prediction-log.js';
import { buildServer } from './server.js';
import { loadServedModel, type ServedModel } from './served-model.js';
import type { CheckedServeOptions } from './serve-options.js';
import { ServiceMetrics, type MetricsSnapshot } from './service-metrics.js';
import { SlotRouter } from './slots.js';

/** A server running in this process. */
export interface ServingProcess {
  readonly app: FastifyInstance;
  readonly router: SlotRouter;
  readonly metrics: ServiceMetrics;
  readonly port: number;
  /** Reads the model again (the bundle folder, or the deployment file) and swaps it in; requests under way finish on the old one. */
  reload(): Promise<void>;
  /** Stops accepting connections, lets requests under way finish, writes the prediction log, stops following. */
  close(): Promise<void>;
}

function readDeploymentFile(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new InputError(`the deployment file ${path} cannot be read`, 'check the path');
  }
  try {
    return parseDeployment(JSON.parse(text));
  } catch (error) {
    if (error instanceof SyntaxError) throw new InputError(`the deployment file ${path} is not valid JSON`, 'fix the file');
    throw error;
  }
}

/**
 * The prediction log: a folder given (`logDir`), or a lab's lake (`labRoot`): files are written in
 * the lab's work folder, then moved into its store as `lake/predictions/<service>/<file>.parquet`
 * (a rename on disk, an upload to S3); `POST /feedback`'s outcomes likewise under `lake/feedback/<service>/`.
 */
async function openPredictionLog(options: CheckedServeOptions, service: string): Promise<{ log: ParquetPredictionLog | undefined; feedback?: FeedbackSink; closeLog: () => Promise<void> }> {
  if (options.logDir !== undefined) {
    const log = new ParquetPredictionLog(options.logDir, { flushMs: options.logFlushMs });
    return { log, closeLog: () => log.close() };
  }
  if (options.labRoot === undefined) return { log: undefined, closeLog: async () => {} };
  const lab = await openLab(options.labRoot);
  const staging = join(lab.workDir, `${tempPrefix('predictions')}${Date.now()}`);
  const log = new ParquetPredictionLog(staging, {
    flushMs: options.logFlushMs,
    publish: async (path, file) => {
      await lab.store.moveObject(`lake/predictions/${keySegment(service)}/${file}`, path);
    },
  });
  return {
    log,
    // outcomes of POST /feedback go beside the log, as lake/feedback/<service>/<file>.parquet
    feedback: { record: async (entries) => void (await writeFeedback(lab, service, entries)) },
    closeLog: async () => {
      try {
        await log.close();
        // a file the store did not take stays (its failure was reported): only an empty folder goes
        await rmdir(staging).catch(() => undefined);
      } finally {
        await lab.close();
      }
    },
  };
}

/** Loads and checks what `options` would serve, without serving it; a `UserError` when it cannot be. Returns the models. */
export function checkServable(options: CheckedServeOptions): ServedModel[] {
  if (options.deploymentFile !== undefined) {
    const slots = slotsOf(readDeploymentFile(options.deploymentFile), new ModelCache());
    return [slots.blue, slots.green].filter((m): m is ServedModel => m !== undefined);
  }
  if (options.modelDir !== undefined) {
    const model = loadServedModel(options.modelDir);
    healthCheck(model);
    return [model];
  }
  throw new UsageError('nothing to serve', 'give a model bundle folder or a deployment file');
}

/**
 * Serves from this process: loads the model (or the deployment), listens, follows the deployment
 * file when there is one. A cluster's workers each run one; `autolab serve --workers 1` runs one alone.
 */
export async function startServing(options: CheckedServeOptions, hooks: { metricsText?: (own: MetricsSnapshot) => Promise<string> } = {}): Promise<ServingProcess> {
  // one request scores one or a few rows: helper threads would only contend with the other workers
  setPredictionThreads(1);
  const cache = new ModelCache();
  let router: SlotRouter;
  const { deploymentFile, modelDir } = options;
  if (deploymentFile !== undefined) {
    router = new SlotRouter(slotsOf(readDeploymentFile(deploymentFile), cache));
  } else if (modelDir !== undefined) {
    const model = loadServedModel(modelDir);
    healthCheck(model);
    router = new SlotRouter({ blue: model, live: 'blue' });
  } else {
    throw new UsageError('nothing to serve', 'give a model bundle folder or a deployment file');
  }
  const { log, feedback, closeLog } = await openPredictionLog(options, router.live.model.name);
  const metrics = new ServiceMetrics();
  const app = buildServer({ router, log, feedback, metrics, maxRows: options.maxRows, bodyLimit: options.bodyLimit, metricsText: hooks.metricsText, humility: options.humility });
  const follower = deploymentFile !== undefined ? followDeployment(router, () => readDeploymentFile(deploymentFile), { intervalMs: options.pollMs, onError: (e) => process.stderr.write(`autolab serve: deployment not applied: ${String(e instanceof Error ? e.message : e)}\n`) }) : undefined;
  try {
    await app.listen({ port: options.port, host: options.host });
  } catch (error) {
    await follower?.stop();
    await closeLog();
    const code = (error as { code?: unknown }).code;
    if (code === 'EADDRINUSE') throw new UsageError(`port ${options.port} on ${options.host} is in use`, 'choose another port');
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new UsageError(`cannot listen on ${options.host}`, 'give an address of this machine');
    throw error;
  }
  const port = (app.server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    app,
    router,
    metrics,
    port,
    async reload() {
      if (deploymentFile !== undefined) {
        applyDeployment(router, readDeploymentFile(deploymentFile), new ModelCache());
        return;
      }
      const model = loadServedModel(modelDir!);
      healthCheck(model);
      router.setSlots({ ...router.config, [router.config.live]: model });
    },
    close() {
      closing ??= (async () => {
        await follower?.stop();
        await app.close();
        await closeLog();
      })();
      return closing;
    },
  };
}
