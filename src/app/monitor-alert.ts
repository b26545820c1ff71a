import type { ProjectRecord } from '../catalog/index.js';
import { inputsHash } from '../catalog/index.js';
import { InputError } from '../common/index.js';
import type { MonitorResult, PredictionLogResult } from '../monitor/index.js';
import type { Stage, StagePlan } from '../runtime/index.js';
import { resolveEnvRefs } from './lab-config.js';
import type { Lab } from './lab-types.js';
import { lastLogCheck, metricsBelowHoldout } from './monitor-log-stage.js';
import type { StageContext } from './stages/stage-context.js';

/**
 * `monitor.alert`: when the newest monitoring check found dataset drift, an alert — an action in
 * the log (so `autolab status` shows it until a later check finds none) and, when `autolab.yaml`
 * names `monitor.webhook`, a JSON POST there. One per check: keyed by the check's result and the
 * webhook as written. A webhook that does not answer 2xx fails the action (retried next run).
 * Likewise (unit `predictions`) when the newest check of the prediction log (`monitor.predictions`)
 * found dataset drift, or a realised metric whose interval lies below the holdout's.
 */

const WEBHOOK_TIMEOUT_MS = 10_000;

/** What the webhook receives, and the log keeps (without the URL). */
export interface DriftAlert {
  readonly kind: 'autolab.drift';
  readonly project: string;
  readonly table: string;
  readonly message: string;
  readonly referenceVersion: number;
  readonly currentVersion: number;
  readonly driftedShare: number;
  readonly drifted: readonly string[];
  readonly weightedDriftScore: number | null;
  readonly estimatedAccuracy: number | null;
  readonly checkedAt: string;
}

/** What the webhook receives for the prediction log: drift over the logged rows, or realised performance below the holdout. */
export interface PredictionLogAlert {
  readonly kind: 'autolab.performance' | 'autolab.drift';
  readonly project: string;
  readonly source: 'predictions';
  readonly message: string;
  readonly modelVersion: number;
  readonly drifted: readonly string[];
  readonly belowHoldout: readonly string[];
  readonly checkedAt: string;
}

export type MonitorAlert = DriftAlert | PredictionLogAlert;

async function newestCheck(lab: Lab, project: ProjectRecord) {
  const [record] = await lab.catalog.listActions({ project: project.name, kind: 'monitor.drift', status: 'done', limit: 1 });
  return record;
}

export function driftAlert(result: MonitorResult, checkedAt: string): DriftAlert {
  const drifted = result.drift.columns.filter((c) => c.drifted).map((c) => c.column);
  return {
    kind: 'autolab.drift',
    project: result.project,
    table: result.table,
    message: `${result.table} v${result.current.snapshotVersion} drifted from the model's training rows (v${result.reference.snapshotVersion}): ${drifted.length} of ${result.drift.columns.length} columns (${drifted.join(', ')})`,
    referenceVersion: result.reference.snapshotVersion,
    currentVersion: result.current.snapshotVersion,
    driftedShare: result.drift.driftedShare,
    drifted,
    weightedDriftScore: result.drift.weightedDriftScore,
    estimatedAccuracy: result.performance.estimated?.accuracy ?? null,
    checkedAt,
  };
}

export const monitorAlertStage: Stage<StageContext> = {
  kind: 'monitor.alert',
  version: 1,
  async plan(context, project): Promise<StagePlan> {
    const check = await newestCheck(context.lab, project);
    const webhook = context.lab.config.monitor?.webhook;
    const hook = webhook === undefined ? 'none' : inputsHash({ webhook });
    const units = [];
    if (check && check.detail['datasetDrift'] === true && check.outputs['result'] !== undefined) units.push({ unit: '', inputs: { check: check.outputs['result'], webhook: hook }, params: {} });
    const log = await lastLogCheck(context.lab, project);
    if (log && (log.result.drift.datasetDrift || metricsBelowHoldout(log.result).length > 0)) units.push({ unit: 'predictions', inputs: { check: log.hash, webhook: hook }, params: {} });
    return { units };
  },
  async run(context, project, unit) {
    const { lab } = context;
    if (unit.unit === 'predictions') return raiseLogAlert(lab, project, unit.inputs['check']);
    const check = await newestCheck(lab, project);
    const resultHash = unit.inputs['check'];
    if (!check || resultHash === undefined || check.outputs['result'] !== resultHash) throw new Error('the monitoring check planned for an alert is no longer the newest');
    const result = JSON.parse(Buffer.from(await lab.store.getBytes(resultHash)).toString('utf8')) as MonitorResult;
    const alert = driftAlert(result, check.finishedAt ?? check.startedAt);
    const written = lab.config.monitor?.webhook;
    let webhook = 'none configured';
    if (written !== undefined) webhook = await postAlert(resolveEnvRefs(written, 'monitor.webhook in autolab.yaml'), alert);
    const stored = await lab.store.putBytes(Buffer.from(JSON.stringify(alert)));
    return { outputs: { alert: stored.hash }, bytesWritten: stored.bytes, detail: { alert: alert.kind, message: alert.message, webhook } };
  },
  async usable(context, outputs) {
    return outputs['alert'] !== undefined && (await context.lab.store.has(outputs['alert']));
  },
};

/** The prediction log's alert: performance first (it is what users feel), drift otherwise. */
export function predictionLogAlert(result: PredictionLogResult, checkedAt: string): PredictionLogAlert {
  const drifted = result.drift.columns.filter((c) => c.drifted).map((c) => c.column);
  const below = metricsBelowHoldout(result);
  const message =
    below.length > 0
      ? `version ${result.model.version}'s realised performance on ${result.realised?.rows ?? 0} predictions with outcomes is below its holdout: ${below.join('; ')}`
      : `the prediction log of version ${result.model.version} drifted from its training rows: ${drifted.length} of ${result.drift.columns.length} columns (${drifted.join(', ')})`;
  return { kind: below.length > 0 ? 'autolab.performance' : 'autolab.drift', project: result.project, source: 'predictions', message, modelVersion: result.model.version, drifted, belowHoldout: below, checkedAt };
}

async function raiseLogAlert(lab: Lab, project: ProjectRecord, hash: string | undefined) {
  const log = await lastLogCheck(lab, project);
  if (!log || log.hash !== hash) throw new Error('the prediction-log check planned for an alert is no longer the newest');
  const alert = predictionLogAlert(log.result, log.at);
  const written = lab.config.monitor?.webhook;
  const webhook = written === undefined ? 'none configured' : await postAlert(resolveEnvRefs(written, 'monitor.webhook in autolab.yaml'), alert);
  const stored = await lab.store.putBytes(Buffer.from(JSON.stringify(alert)));
  return { outputs: { alert: stored.hash }, bytesWritten: stored.bytes, detail: { alert: alert.kind, message: alert.message, webhook } };
}

/** POSTs the alert; a one-line error naming the host (never the URL, which may hold a token) when it fails. */
export async function postAlert(url: string, alert: MonitorAlert): Promise<string> {
  let host: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
    host = parsed.host;
  } catch {
    throw new InputError('monitor.webhook in autolab.yaml is not an http(s) URL', 'write it as https://host/path, or ${env:NAME} holding one');
  }
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'autolab' },
      body: JSON.stringify(alert),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    });
  } catch (error) {
    const why = error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    throw new InputError(`the drift alert could not be posted to the webhook at ${host} (${why})`, 'check monitor.webhook in autolab.yaml and that the service is up; the next autolab run tries again');
  }
  await response.body?.cancel();
  if (!response.ok) {
    throw new InputError(`the webhook at ${host} answered the drift alert with HTTP ${response.status}`, 'check monitor.webhook in autolab.yaml; the next autolab run tries again');
  }
  return `posted to ${host} (HTTP ${response.status})`;
}
