import type { ProjectRecord } from '../catalog/index.js';
import { inputsHash } from '../catalog/index.js';
import { InputError } from '../common/index.js';
import type { MonitorResult } from '../monitor/index.js';
import type { Stage, StagePlan } from '../runtime/index.js';
import { resolveEnvRefs } from './lab-config.js';
import type { Lab } from './lab-types.js';
import type { StageContext } from './stages/stage-context.js';

/**
 * `monitor.alert`: when the newest monitoring check found dataset drift, an alert — an action in
 * the log (so `autolab status` shows it until a later check finds none) and, when `autolab.yaml`
 * names `monitor.webhook`, a JSON POST there. One per check: keyed by the check's result and the
 * webhook as written. A webhook that does not answer 2xx fails the action (retried next run).
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
    if (!check || check.detail['datasetDrift'] !== true || check.outputs['result'] === undefined) return { units: [] };
    const webhook = context.lab.config.monitor?.webhook;
    return { units: [{ unit: '', inputs: { check: check.outputs['result'], webhook: webhook === undefined ? 'none' : inputsHash({ webhook }) }, params: {} }] };
  },
  async run(context, project, unit) {
    const { lab } = context;
    const check = await newestCheck(lab, project);
    const resultHash = unit.inputs['check'];
    if (!check || resultHash === undefined || check.outputs['result'] !== resultHash) throw new Error('the monitoring check planned for an alert is no longer the newest');
    const result = JSON.parse(Buffer.from(await lab.store.getBytes(resultHash)).toString('utf8')) as MonitorResult;
    const alert = driftAlert(result, check.finishedAt ?? check.startedAt);
    const written = lab.config.monitor?.webhook;
    let webhook = 'none configured';
    if (written !== undefined) webhook = await postAlert(resolveEnvRefs(written, 'monitor.webhook in autolab.yaml'), alert);
    const stored = await lab.store.putBytes(Buffer.from(JSON.stringify(alert)));
    return { outputs: { alert: stored.hash }, bytesWritten: stored.bytes, detail: { message: alert.message, webhook } };
  },
  async usable(context, outputs) {
    return outputs['alert'] !== undefined && (await context.lab.store.has(outputs['alert']));
  },
};

/** POSTs the alert; a one-line error naming the host (never the URL, which may hold a token) when it fails. */
export async function postAlert(url: string, alert: DriftAlert): Promise<string> {
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
