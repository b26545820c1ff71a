import { loadBundle } from '../automl/index.js';
import type { ActionRecord, ModelVersionRecord, ProjectRecord } from '../catalog/index.js';
import { ConnectionError, DataError, describeError, InputError, redactUrl, registerSecret, takeUrlSecrets, UsageError } from '../common/index.js';
import {
  EndpointAnswerError,
  endpointLatency,
  formatOfPath,
  materializeBundle,
  modelVersionOf,
  parseAnswer,
  readHoldout,
  requestBody,
  scoreEndpoint,
  type EndpointComparison,
  type EndpointFormat,
} from '../registry/index.js';
import { recordsOfFrame } from '../serve/index.js';
import { actionInput } from './lab.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
import { holdoutFrame } from './version-holdout.js';

/**
 * `autolab compare`: any HTTP model — a vendor's service, an MLflow server, another autolab —
 * scores the holdout rows of one of the project's versions, sent as the served schema expects them
 * (the training table's rows: silver, or gold where the project learns from gold), and becomes a
 * row of the leaderboard: the version's metrics recomputed on its answers with the same bootstrap
 * draws, the paired gain over the version, latency, and a cost when given. Recorded as a
 * `model.compare` action whose detail is the comparison.
 */
export interface CompareOptions {
  /** the URL requests are POSTed to (a user:password in it is sent as basic authentication, never stored or shown) */
  readonly endpoint: string;
  /** default: from the URL's path (`/invocations` mlflow, `/v2/models/NAME/infer` kserve, else json) */
  readonly format?: EndpointFormat;
  /** default: the production version, else the newest */
  readonly version?: number;
  readonly costPer1000?: number;
  /** rows per request (default 100) */
  readonly batch?: number;
  /** per request (default 30 s) */
  readonly timeoutMs?: number;
}

export const DEFAULT_COMPARE_BATCH = 100;
const DEFAULT_TIMEOUT_MS = 30_000;
const PROTOCOL_NAMES: Readonly<Record<EndpointFormat, string>> = { mlflow: 'MLflow', kserve: 'the Open Inference Protocol', json: "autolab's /predict" };

export async function compareEndpoint(lab: Lab, projectName: string | undefined, options: CompareOptions): Promise<EndpointComparison & { readonly project: string }> {
  const startedAt = new Date().toISOString();
  const project = await resolveProject(lab, projectName);
  const target = endpointTarget(options.endpoint);
  const format = options.format ?? formatOfPath(target.url.pathname);
  const batch = options.batch ?? DEFAULT_COMPARE_BATCH;
  if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`batch ${batch} is not a positive whole number of rows`);
  const model = await versionToCompare(lab, project, options.version);
  const dir = await materializeBundle(lab, model);
  const manifest = loadBundle(dir).model.manifest;
  const holdout = readHoldout(dir);
  if (!holdout) throw new DataError(`model version ${model.version} of ${project.name} kept no holdout predictions to compare on`, 'train again (autolab train --force) and compare with the new version');
  const rows = await holdoutFrame(lab, project, model, manifest, holdout);
  const columns = manifest.schema.map((c) => c.name);
  const records = recordsOfFrame(rows);
  const width = manifest.task === 'regression' ? 1 : manifest.classes.length;
  const predictions = new Float64Array(records.length * width);
  const requestMs: number[] = [];
  const kinds = new Set<string>();
  for (let from = 0; from < records.length; from += batch) {
    const part = records.slice(from, from + batch);
    const t = performance.now();
    const body = await post(target, requestBody(format, columns, part), options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    requestMs.push(performance.now() - t);
    let parsed;
    try {
      parsed = parseAnswer(format, body, part.length, manifest);
    } catch (error) {
      if (!(error instanceof EndpointAnswerError)) throw error;
      throw new InputError(`endpoint ${target.shown}'s answer to rows ${from + 1}–${from + part.length} is not ${PROTOCOL_NAMES[format]}'s: ${error.message}`, `check that the endpoint speaks ${format} and predicts ${manifest.target} (${manifest.task})`);
    }
    kinds.add(parsed.kind);
    predictions.set(parsed.predictions, from * width);
  }
  const { metrics, gain } = scoreEndpoint(manifest, holdout, predictions);
  const comparison: EndpointComparison = {
    endpoint: target.shown,
    format,
    version: model.version,
    answered: kinds.has('labels') ? 'labels' : kinds.has('values') ? 'values' : 'probabilities',
    metrics,
    gain,
    latency: endpointLatency(requestMs, records.length, batch),
    costPer1000: options.costPer1000 ?? null,
  };
  await lab.catalog.appendAction({ ...actionInput('model.compare', project.name, startedAt), inputs: { bundle: model.bundleHash }, detail: comparison as unknown as Record<string, unknown> });
  return { project: project.name, ...comparison };
}

/** A comparison as the log keeps it: when it was made. */
export type RecordedComparison = EndpointComparison & { readonly at: string };

/** The project's comparisons so far, oldest first: the detail of its done `model.compare` actions. */
export async function listComparisons(lab: Lab, project: string): Promise<RecordedComparison[]> {
  const actions: ActionRecord[] = await lab.catalog.listActions({ project, kind: 'model.compare', status: 'done' });
  return actions.map((a) => ({ ...(a.detail as unknown as EndpointComparison), at: a.finishedAt }));
}

interface EndpointTarget {
  readonly url: URL;
  /** what errors and the record show: the URL without its password */
  readonly shown: string;
  readonly headers: Readonly<Record<string, string>>;
}

function endpointTarget(endpoint: string): EndpointTarget {
  const shown = redactUrl(endpoint);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new UsageError(`endpoint '${shown}' is not a URL`, 'give it as http://HOST:PORT/PATH');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`endpoint ${shown} is not an http(s) URL`, 'give it as http://HOST:PORT/PATH');
  // fetch refuses a URL with credentials: they go into the Authorization header instead
  const secrets = takeUrlSecrets(endpoint);
  registerSecret(secrets.password);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (url.username !== '' || url.password !== '') {
    headers['authorization'] = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${secrets.password ?? ''}`).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return { url, shown, headers };
}

async function post(target: EndpointTarget, body: unknown, timeoutMs: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(target.url, { method: 'POST', headers: target.headers, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const why = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError') ? `did not answer within ${timeoutMs / 1000} s` : `could not be reached (${causeOf(error)})`;
    throw new ConnectionError(`endpoint ${target.shown} ${why}`, why.startsWith('did not') ? 'check that it is up, or send fewer rows per request' : 'check the URL and that the endpoint is running');
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw new ConnectionError(`endpoint ${target.shown} broke off its answer (${causeOf(error)})`, 'try again; check the endpoint\'s log');
  }
  if (!response.ok) {
    throw new InputError(`endpoint ${target.shown} answered ${response.status}${text.trim() ? `: ${oneLine(text)}` : ''}`, response.status === 401 || response.status === 403 ? 'check the credentials in the URL' : 'check the format the endpoint speaks and the columns it expects');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError(`endpoint ${target.shown} answered a body that is not JSON: ${oneLine(text) || '(empty)'}`, 'check the URL points at the model\'s scoring route');
  }
}

function causeOf(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : oneLine(describeError(cause));
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

async function versionToCompare(lab: Lab, project: ProjectRecord, version: number | undefined): Promise<ModelVersionRecord> {
  if (version !== undefined) return modelVersionOf(lab, project.name, version);
  const versions = await lab.catalog.listModelVersions(project.id);
  const chosen = versions.find((v) => v.stage === 'production') ?? versions.at(-1);
  if (!chosen) throw new InputError(`project ${project.name} has no model version to compare with`, `train one first: autolab run ${project.name}`);
  return chosen;
}

