import type { InputColumnSchema } from '../features/index.js';
import type { RecordValues } from './record-validator.js';
import { RequestError } from './request-error.js';

/**
 * The request bodies the service reads, each turned into records (one object of column values per
 * row) before the schema check: our own `/predict`, MLflow's scoring formats and the Open Inference
 * Protocol's tensors. A body of the wrong shape is a 400 naming the key that is wrong.
 */

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkRows(count: number, maxRows: number): void {
  if (count === 0) throw new RequestError(400, 'the request holds no records', undefined, 'send at least one record');
  if (count > maxRows) throw new RequestError(413, `the request holds ${count} records; at most ${maxRows} are scored per request`, undefined, 'split the records over several requests, or score a file with `autolab predict`');
}

function recordList(value: unknown, key: string, maxRows: number): RecordValues[] {
  if (!Array.isArray(value)) throw new RequestError(400, `'${key}' should be a list of records`, key);
  checkRows(value.length, maxRows);
  value.forEach((record, i) => {
    if (!isObject(record)) throw new RequestError(400, `'${key}' item ${i} is not an object of column values`, key, 'send each record as {"column": value, …}');
  });
  return value as RecordValues[];
}

/** `POST /predict`: a list of records, one record, or `{ "records": [...] }`. */
export function recordsOfPredictBody(body: unknown, maxRows: number): RecordValues[] {
  if (Array.isArray(body)) return recordList(body, 'body', maxRows);
  if (isObject(body) && Object.hasOwn(body, 'records')) return recordList(body['records'], 'records', maxRows);
  if (isObject(body)) return [body];
  throw new RequestError(400, 'the body should be a JSON list of records or one record', 'body', 'send [{"column": value, …}, …]');
}

/** Columns and rows as `dataframe_split` (pandas' split orient) and v2's tensors give them. */
function recordsOfColumns(columns: readonly string[], rows: readonly unknown[], key: string): RecordValues[] {
  return rows.map((row, i) => {
    if (!Array.isArray(row)) throw new RequestError(400, `'${key}' row ${i} should be a list of values`, key);
    if (row.length !== columns.length) throw new RequestError(400, `'${key}' row ${i} has ${row.length} values for ${columns.length} columns`, key);
    const record: Record<string, unknown> = {};
    for (let j = 0; j < columns.length; j++) record[columns[j]!] = row[j];
    return record;
  });
}

const MLFLOW_KEYS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;

/**
 * `POST /invocations` as MLflow's scoring server reads it: exactly one of `dataframe_split`
 * (`{ columns, data }`), `dataframe_records` (records), `instances` (records, or rows of values in
 * the schema's column order) or `inputs` (records, or `{ column: [values] }`).
 */
export function recordsOfMlflowBody(body: unknown, schema: readonly InputColumnSchema[], maxRows: number): RecordValues[] {
  if (!isObject(body)) throw new RequestError(400, `the body should be a JSON object with one of ${MLFLOW_KEYS.join(', ')}`, 'body');
  const given = MLFLOW_KEYS.filter((k) => Object.hasOwn(body, k));
  if (given.length !== 1) {
    throw new RequestError(400, given.length === 0 ? `the body has none of ${MLFLOW_KEYS.join(', ')}` : `the body has ${given.join(' and ')}: give one`, 'body', 'see MLflow\'s scoring protocol');
  }
  const key = given[0]!;
  const value = body[key];
  switch (key) {
    case 'dataframe_split': {
      if (!isObject(value)) throw new RequestError(400, "'dataframe_split' should be an object with 'columns' and 'data'", key);
      const columns = value['columns'];
      const data = value['data'];
      if (!Array.isArray(columns) || !columns.every((c) => typeof c === 'string')) throw new RequestError(400, "'dataframe_split.columns' should be a list of column names", 'dataframe_split.columns');
      if (!Array.isArray(data)) throw new RequestError(400, "'dataframe_split.data' should be a list of rows", 'dataframe_split.data');
      checkRows(data.length, maxRows);
      return recordsOfColumns(columns as string[], data, 'dataframe_split.data');
    }
    case 'dataframe_records':
      return recordList(value, key, maxRows);
    case 'instances':
    case 'inputs': {
      if (Array.isArray(value) && value.length > 0 && value.every(Array.isArray)) {
        checkRows(value.length, maxRows);
        return recordsOfColumns(schema.map((c) => c.name), value, key);
      }
      if (key === 'inputs' && isObject(value)) return recordsOfColumnLists(value, key, maxRows);
      return recordList(value, key, maxRows);
    }
  }
}

/** `{ column: [values] }`: every list as long as the first. */
function recordsOfColumnLists(value: Record<string, unknown>, key: string, maxRows: number): RecordValues[] {
  const names = Object.keys(value);
  const lists = names.map((name) => {
    const list = value[name];
    if (!Array.isArray(list)) throw new RequestError(400, `'${key}.${name}' should be a list of values`, name);
    return list;
  });
  const rows = lists[0]?.length ?? 0;
  checkRows(rows, maxRows);
  lists.forEach((list, j) => {
    if (list.length !== rows) throw new RequestError(400, `'${key}.${names[j]}' has ${list.length} values where '${names[0]}' has ${rows}`, names[j]);
  });
  return Array.from({ length: rows }, (_, i) => Object.fromEntries(names.map((name, j) => [name, lists[j]![i]])));
}

/**
 * `POST /v2/models/{name}/infer` (Open Inference Protocol): one input tensor per column, named
 * after it, of shape [rows] or [rows, 1]; `data` flat or nested one level.
 */
export function recordsOfV2Body(body: unknown, maxRows: number): RecordValues[] {
  if (!isObject(body) || !Array.isArray(body['inputs'])) throw new RequestError(400, "the body should be an object with 'inputs', a list of tensors", 'inputs');
  const inputs = body['inputs'] as unknown[];
  if (inputs.length === 0) throw new RequestError(400, "'inputs' is empty", 'inputs', 'send one tensor per input column');
  const names: string[] = [];
  const lists: unknown[][] = [];
  inputs.forEach((input, i) => {
    if (!isObject(input) || typeof input['name'] !== 'string') throw new RequestError(400, `input ${i} should be a tensor with a 'name'`, 'inputs');
    const name = input['name'];
    const shape = input['shape'];
    if (!Array.isArray(shape) || shape.length < 1 || shape.length > 2 || !shape.every((d) => Number.isInteger(d) && d >= 0) || (shape.length === 2 && shape[1] !== 1)) {
      throw new RequestError(400, `input '${name}' should have a shape [rows] or [rows, 1]`, name);
    }
    if (!Array.isArray(input['data'])) throw new RequestError(400, `input '${name}' should have its values in 'data'`, name);
    const data = (input['data'] as unknown[]).flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
    if (data.length !== shape[0]) throw new RequestError(400, `input '${name}' has ${data.length} values for a shape of ${String(shape[0])} rows`, name);
    names.push(name);
    lists.push(data);
  });
  const rows = lists[0]!.length;
  checkRows(rows, maxRows);
  lists.forEach((list, j) => {
    if (list.length !== rows) throw new RequestError(400, `input '${names[j]}' has ${list.length} rows where '${names[0]}' has ${rows}`, names[j]);
  });
  return Array.from({ length: rows }, (_, i) => {
    const record: Record<string, unknown> = {};
    for (let j = 0; j < names.length; j++) record[names[j]!] = lists[j]![i];
    return record;
  });
}
