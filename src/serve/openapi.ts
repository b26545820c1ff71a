import type { InputColumnSchema } from '../features/index.js';
import type { ServedModel } from './served-model.js';
import { DEFAULT_EXPLAIN_TOP, MAX_EXPLAIN_TOP } from './explain-request.js';

/**
 * The OpenAPI 3.1 document of the service, made from the live model's input schema so that a
 * record's columns, types and categories are in it. Written here rather than generated from route
 * schemas: the routes check bodies with the bundle's compiled validator, not with JSON Schema.
 */
export function openApiDocument(model: ServedModel): unknown {
  const record = {
    type: 'object',
    required: model.schema.map((c) => c.name),
    properties: Object.fromEntries(model.schema.map((c) => [c.name, columnSchema(c, model.manifest.ranges?.[c.name])])),
  };
  const error = { type: 'object', required: ['error'], properties: { error: { type: 'string' }, field: { type: 'string' }, hint: { type: 'string' } } };
  const errors = {
    '400': { description: 'a missing column, a value of the wrong type, malformed JSON', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
    '413': { description: 'too many records or too large a body', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
  };
  const json = (schema: unknown) => ({ 'application/json': { schema } });
  return {
    openapi: '3.1.0',
    info: { title: `autolab model ${model.name}`, version: model.version, description: `${model.manifest.task} model of '${model.manifest.target}'` },
    paths: {
      '/predict': {
        post: {
          summary: 'score records: predictions and per-class probabilities (and, asked for, each record\'s top contributions per input column)',
          parameters: [
            { name: 'explain', in: 'query', required: false, schema: { type: 'boolean' }, description: 'add each record\'s top contributions (any body, CSV included)' },
            { name: 'top', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_EXPLAIN_TOP }, description: `contributions per record (default ${DEFAULT_EXPLAIN_TOP})` },
          ],
          requestBody: {
            content: {
              ...json({
                oneOf: [
                  { type: 'array', items: { $ref: '#/components/schemas/Record' } },
                  { $ref: '#/components/schemas/Record' },
                  {
                    type: 'object',
                    required: ['records'],
                    properties: { records: { type: 'array', items: { $ref: '#/components/schemas/Record' } }, explain: { type: 'boolean' }, top: { type: 'integer', minimum: 1, maximum: MAX_EXPLAIN_TOP } },
                  },
                ],
              }),
              'text/csv': { schema: { type: 'string' } },
            },
          },
          responses: { '200': { description: 'one prediction per record (with `explanation`: output, base, contributions [{column, value, contribution}] when asked); unseen categories and out-of-range values as warnings' }, ...errors },
        },
      },
      '/invocations': {
        post: {
          summary: "MLflow's scoring protocol: dataframe_split, dataframe_records, instances or inputs",
          requestBody: { content: json({ type: 'object' }) },
          responses: { '200': { description: '{"predictions": [...]}' }, ...errors },
        },
      },
      '/v2/models/{name}/infer': { post: { summary: 'Open Inference Protocol (KServe v2): one tensor per input column', responses: { '200': { description: 'outputs prediction and probabilities' }, ...errors } } },
      '/v2/models/{name}': { get: { summary: 'the model metadata of the inference protocol', responses: { '200': { description: 'inputs and outputs' } } } },
      '/v2/health/live': { get: { summary: 'the process is up', responses: { '200': { description: 'live' } } } },
      '/v2/health/ready': { get: { summary: 'a model is loaded', responses: { '200': { description: 'ready' } } } },
      '/feedback': {
        post: {
          summary: 'the true outcome of a logged prediction, by its id (as /predict answered it) or by the record\'s key; one item, a list, or {feedback: [...]}',
          requestBody: {
            required: true,
            content: json({
              oneOf: [
                { $ref: '#/components/schemas/Feedback' },
                { type: 'array', items: { $ref: '#/components/schemas/Feedback' } },
                { type: 'object', required: ['feedback'], properties: { feedback: { type: 'array', items: { $ref: '#/components/schemas/Feedback' } } } },
              ],
            }),
          },
          responses: {
            '200': { description: 'kept in the lab\'s lake', content: json({ type: 'object', properties: { recorded: { type: 'integer' } } }) },
            '400': { description: 'neither id nor key, both, or no outcome: the field is named', content: json({ $ref: '#/components/schemas/Error' }) },
            '409': { description: 'the server keeps no feedback (not serving inside a lab)', content: json({ $ref: '#/components/schemas/Error' }) },
            '413': errors['413'],
          },
        },
      },
      '/health': { get: { summary: 'the process is up', responses: { '200': { description: 'ok' } } } },
      '/ready': { get: { summary: 'a model is loaded, and what each slot holds', responses: { '200': { description: 'ready' } } } },
      '/model': { get: { summary: "the live model's task, classes, metric and input schema", responses: { '200': { description: 'the model' } } } },
      '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' } } } },
    },
    components: {
      schemas: {
        Record: record,
        Error: error,
        Feedback: { type: 'object', required: ['outcome'], properties: { id: { type: 'string' }, key: { type: ['string', 'number'] }, outcome: { type: ['string', 'number', 'boolean'] } } },
      },
    },
  };
}

function columnSchema(column: InputColumnSchema, range: { min: number; max: number } | undefined): unknown {
  switch (column.kind) {
    case 'number':
      return { type: ['number', 'null'], ...(range ? { description: `seen in training: ${range.min} to ${range.max}` } : {}) };
    case 'boolean':
      return { type: ['boolean', 'null'] };
    case 'datetime':
      return { type: ['string', 'null'], format: 'date-time' };
    case 'string':
      return column.categories ? { type: ['string', 'null'], examples: column.categories.slice(0, 20), description: 'other values are scored as missing, with a warning' } : { type: ['string', 'null'] };
  }
}
