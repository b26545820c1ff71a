import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { recordsOfMlflowBody, recordsOfPredictBody, recordsOfV2Body } from './body-formats.js';
import { recordsOfCsvBody } from './csv-body.js';
import { feedbackOfBody, FeedbackInputError, hasHumilityRules, type FeedbackSink, type HumilityRules } from '../monitor/index.js';
import { HumilityRefusal } from './humility-judge.js';
import { explainRequestOf } from './explain-request.js';
import { recordsJson, scoresJson } from './entry-json.js';
import { openApiDocument } from './openapi.js';
import type { PredictionSink } from './prediction-entry.js';
import type { RecordValues } from './record-validator.js';
import { errorBody, RequestError } from './request-error.js';
import type { Scored, ServedModel } from './served-model.js';
import { prometheusText, ServiceMetrics, type MetricsSnapshot } from './service-metrics.js';
import type { Routing, SlotRouter } from './slots.js';

export interface ServerOptions {
  readonly router: SlotRouter;
  /** the prediction log; none: requests are not logged */
  readonly log?: PredictionSink | undefined;
  /** where `POST /feedback` keeps outcomes; none: the route refuses them (409) */
  readonly feedback?: FeedbackSink | undefined;
  /** records per request (default 10,000) */
  readonly maxRows?: number | undefined;
  /** bytes per request body (default 16 MiB) */
  readonly bodyLimit?: number | undefined;
  /** the counters this server adds to (default: its own) */
  readonly metrics?: ServiceMetrics | undefined;
  /** what `/metrics` shows (a cluster's worker asks the primary for every worker's); default: this process's */
  readonly metricsText?: ((own: MetricsSnapshot) => Promise<string>) | undefined;
  /** humility rules run on every answered record (none: no rules) */
  readonly humility?: HumilityRules | undefined;
}

/** A scoring request's facts, kept for its answer's metrics and log rows. */
interface Scoring {
  slot: string;
}

type Format = 'predict' | 'mlflow' | 'v2';

/** The request decoration holding a JSON body's text while the log is on. */
const BODY_TEXT = 'autolabBodyText';

/** Outcomes per `POST /feedback` (each request is one file in the lake: a bigger batch is a file, not a request). */
const MAX_FEEDBACK = 10_000;

/** A logged prediction's id: its request's and its row's (what `POST /feedback` takes as `id`). */
export function predictionId(requestId: string, row: number): string {
  return `${requestId}.${row}`;
}

function predictBody(scored: Scored, routing: Routing, requestId: string): unknown {
  const k = scored.classes.length;
  const predictions = scored.predictions.map((prediction, i) => {
    const id = requestId !== '' ? { id: predictionId(requestId, i) } : {};
    const explanation = scored.explanations?.[i];
    const why = explanation ? { explanation } : {};
    const humility = scored.humility ? { humility: scored.humility.flags[i] } : {};
    if (!scored.probabilities) return { ...id, prediction, ...humility, ...why };
    const probabilities: Record<string, number> = {};
    for (let j = 0; j < k; j++) probabilities[scored.classes[j]!] = scored.probabilities[i * k + j]!;
    return { ...id, prediction, probabilities, ...humility, ...why };
  });
  const { model, slot } = routing.answer;
  return { predictions, model: { name: model.name, version: model.version, slot }, warnings: scored.warnings };
}

function mlflowBody(scored: Scored): unknown {
  // MLflow's scoring server answers `{"predictions": [...]}`; the probabilities (and humility flags) ride beside them
  const humility = scored.humility ? { humility: scored.humility.flags } : {};
  if (!scored.probabilities) return { predictions: scored.predictions, ...humility, ...(scored.warnings.length > 0 ? { warnings: scored.warnings } : {}) };
  const k = scored.classes.length;
  const probabilities = scored.predictions.map((_, i) => {
    const row: Record<string, number> = {};
    for (let j = 0; j < k; j++) row[scored.classes[j]!] = scored.probabilities![i * k + j]!;
    return row;
  });
  return { predictions: scored.predictions, probabilities, ...humility, ...(scored.warnings.length > 0 ? { warnings: scored.warnings } : {}) };
}

function v2Body(scored: Scored, model: ServedModel, id: string | undefined): unknown {
  const n = scored.predictions.length;
  const outputs: unknown[] = [
    { name: 'prediction', shape: [n], datatype: scored.probabilities ? 'BYTES' : 'FP64', data: scored.predictions },
  ];
  if (scored.probabilities) outputs.push({ name: 'probabilities', shape: [n, scored.classes.length], datatype: 'FP64', data: Array.from(scored.probabilities) });
  return {
    model_name: model.name,
    model_version: model.version,
    ...(id !== undefined ? { id } : {}),
    outputs,
    parameters: { classes: scored.classes, warnings: scored.warnings, ...(scored.humility ? { humility: scored.humility.flags } : {}) },
  };
}

const V2_TYPES = { number: 'FP64', boolean: 'BOOL', datetime: 'BYTES', string: 'BYTES' } as const;

/**
 * The prediction service over a slot router: scoring routes in three formats (ours, MLflow's, the
 * Open Inference Protocol's), health, the model's schema, metrics and the OpenAPI document. Every
 * refused request is a 4xx with a JSON `{ error, field?, hint? }`; a 5xx is a bug.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const { router } = options;
  const maxRows = options.maxRows ?? 10_000;
  const humilityRules = hasHumilityRules(options.humility) ? options.humility : undefined;
  const metrics = options.metrics ?? new ServiceMetrics();
  const scorings = new WeakMap<FastifyRequest, Scoring>();
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit ?? 16 * 1024 * 1024,
    // a request on a kept-alive connection while the server closes is still answered (graceful shutdown)
    return503OnClosing: false,
  });
  app.addContentTypeParser(['text/csv', 'application/csv'], { parseAs: 'string' }, (_req, body, done) => done(null, body));
  if (options.log) {
    // a JSON body's text, kept on the request while the log is on: the records it logs are a slice
    // of it (a request decoration: a WeakMap cost 0.3 µs a request)
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.decorateRequest(BODY_TEXT, null);
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      request.setDecorator(BODY_TEXT, body);
      parseJson(request, body as string, done);
    });
  }

  app.setErrorHandler((error: unknown, _request, reply) => {
    if (error instanceof RequestError) return reply.code(error.statusCode).send(errorBody(error));
    const status = (error as { statusCode?: unknown }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      const message = error instanceof Error ? error.message : String(error);
      return reply.code(status).send({ error: message.replace(/^Body is not valid JSON but content-type is set to 'application\/json'/, 'the body is not valid JSON') });
    }
    // anything else is a bug: said as such, without a stack trace in the answer
    process.stderr.write(`autolab serve: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return reply.code(500).send({ error: 'internal error', hint: 'this is a bug; the server log has the details' });
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ error: `no route ${request.method} ${request.url.split('?')[0]}`, hint: 'see GET /docs' });
  });
  app.addHook('onResponse', (request, reply, done) => {
    const scoring = scorings.get(request);
    metrics.request(request.routeOptions.url ?? 'unknown', reply.statusCode, scoring?.slot ?? '', reply.elapsedTime / 1000);
    done();
  });

  async function recordsOf(request: FastifyRequest, format: Format, model: ServedModel): Promise<RecordValues[]> {
    if (typeof request.body === 'string') {
      if (format === 'v2') throw new RequestError(415, 'the inference protocol takes JSON bodies', 'content-type', 'send Content-Type: application/json');
      return recordsOfCsvBody(request.body, model.manifest.pipeline, maxRows);
    }
    if (request.body === undefined) throw new RequestError(400, 'the request has no body', 'body', 'send the records as JSON');
    switch (format) {
      case 'predict':
        return recordsOfPredictBody(request.body, maxRows);
      case 'mlflow':
        return recordsOfMlflowBody(request.body, model.schema, maxRows);
      case 'v2':
        return recordsOfV2Body(request.body, maxRows);
    }
  }

  /** Routes, checks, scores, answers; logs and shadow-scores after the answer. */
  async function score(request: FastifyRequest, reply: FastifyReply, format: Format): Promise<unknown> {
    const arrived = Date.now();
    const started = performance.now();
    const routing = router.route();
    const { slot, model } = routing.answer;
    scorings.set(request, { slot });
    const records = await recordsOf(request, format, model);
    const explain = format === 'predict' ? explainRequestOf(request.body, request.query, model.inputColumns) : undefined;
    let scored: Scored;
    try {
      scored = model.score(records, explain, humilityRules ? model.humility(humilityRules) : undefined);
    } catch (error) {
      if (error instanceof HumilityRefusal) metrics.humility(slot, error.counts);
      throw error;
    }
    if (scored.humility) metrics.humility(slot, scored.humility.counts);
    const latencyMs = performance.now() - started;
    metrics.predictions(slot, model.version, scored.predictions);
    metrics.warnings(slot, scored.warnings.length);
    const route = request.routeOptions.url ?? format;
    const requestId = options.log || routing.shadow ? randomUUID() : '';
    const inputs = options.log ? recordsJson(records, request.body, request.getDecorator<string | null>(BODY_TEXT) ?? undefined) : undefined;
    options.log?.append({ requestId, time: arrived, route, slot, role: 'answer', model: model.name, version: model.version, rows: records.length, inputs, outputs: scoresJson(scored), warnings: scored.warnings.length, latencyMs });
    if (routing.shadow) {
      const shadow = routing.shadow;
      // the challenger scores after the answer is on its way: it never slows or fails the request
      setImmediate(() => {
        const t = performance.now();
        try {
          const other = shadow.model.score(records);
          metrics.shadow(shadow.slot, other.predictions.every((p, i) => p === scored.predictions[i]) ? 'agree' : 'disagree');
          options.log?.append({ requestId, time: arrived, route, slot: shadow.slot, role: 'shadow', model: shadow.model.name, version: shadow.model.version, rows: records.length, inputs, outputs: scoresJson(other), warnings: other.warnings.length, latencyMs: performance.now() - t });
        } catch {
          metrics.shadow(shadow.slot, 'error');
        }
      });
    }
    void reply.header('x-model-slot', slot).header('x-model-version', model.version);
    if (format === 'predict') return predictBody(scored, routing, options.log ? requestId : '');
    if (format === 'mlflow') return mlflowBody(scored);
    const id = (request.body as { id?: unknown } | undefined)?.id;
    return v2Body(scored, model, typeof id === 'string' ? id : undefined);
  }

  app.post('/predict', (request, reply) => score(request, reply, 'predict'));
  app.post('/invocations', (request, reply) => score(request, reply, 'mlflow'));
  app.post<{ Params: { name: string } }>('/v2/models/:name/infer', (request, reply) => {
    checkModelName(router, request.params.name);
    return score(request, reply, 'v2');
  });

  app.post('/feedback', async (request) => {
    if (!options.feedback) throw new RequestError(409, 'this server keeps no feedback', 'body', 'serve inside a lab (autolab serve PROJECT) or load outcomes with autolab feedback');
    let entries;
    try {
      entries = feedbackOfBody(request.body, Date.now());
    } catch (error) {
      if (error instanceof FeedbackInputError) throw new RequestError(400, error.what, error.field, error.hint);
      throw error;
    }
    if (entries.length > MAX_FEEDBACK) throw new RequestError(413, `the request holds ${entries.length} outcomes; at most ${MAX_FEEDBACK} per request`, 'body', 'split them, or load a file with autolab feedback');
    await options.feedback.record(entries);
    return { recorded: entries.length };
  });

  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async () => ({ ready: true, ...slotsSummary(router) }));
  app.get('/model', async () => modelDescription(router, humilityRules));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async () => ({ ready: true }));
  app.get<{ Params: { name: string } }>('/v2/models/:name/ready', async (request) => {
    checkModelName(router, request.params.name);
    return { name: request.params.name, ready: true };
  });
  app.get<{ Params: { name: string } }>('/v2/models/:name', async (request) => {
    checkModelName(router, request.params.name);
    const { model } = router.live;
    return {
      name: model.name,
      versions: [model.version],
      platform: 'autolab',
      inputs: model.schema.map((c) => ({ name: c.name, datatype: V2_TYPES[c.kind], shape: [-1] })),
      outputs: [
        { name: 'prediction', datatype: model.manifest.task === 'regression' ? 'FP64' : 'BYTES', shape: [-1] },
        ...(model.manifest.task === 'regression' ? [] : [{ name: 'probabilities', datatype: 'FP64', shape: [-1, model.manifest.classes.length] }]),
      ],
    };
  });
  app.get('/metrics', async (_request, reply) => {
    const own = metrics.snapshot();
    const text = options.metricsText ? await options.metricsText(own) : prometheusText(own);
    return reply.type('text/plain; version=0.0.4').send(text);
  });
  app.get('/docs', async () => openApiDocument(router.live.model));
  return app;
}

function checkModelName(router: SlotRouter, name: string): void {
  const { model } = router.live;
  if (name !== model.name) throw new RequestError(404, `no model named '${name}' here; this service serves '${model.name}'`, 'name');
}

function slotsSummary(router: SlotRouter): Record<string, unknown> {
  const { config } = router;
  const slot = (m: ServedModel | undefined) => (m ? { name: m.name, version: m.version } : null);
  return { live: config.live, blue: slot(config.blue), green: slot(config.green), weights: config.weights ?? null, shadow: config.shadow === true };
}

function modelDescription(router: SlotRouter, humility: HumilityRules | undefined): unknown {
  const { model, slot } = router.live;
  const m = model.manifest;
  const judge = humility ? model.humility(humility) : undefined;
  return {
    name: model.name,
    version: model.version,
    slot,
    task: m.task,
    target: m.target,
    classes: m.classes,
    metric: m.metric,
    score: m.score,
    trainingRows: m.trainingRows,
    schema: m.schema.map((c) => ({ ...c, ...(m.ranges?.[c.name] ? { range: m.ranges[c.name] } : {}) })),
    slots: slotsSummary(router),
    ...(judge ? { humility: { active: judge.active, unavailable: judge.unavailable } } : {}),
  };
}
