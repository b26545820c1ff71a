import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { InputColumnSchema } from '../features/index.js';
import { recordsOfMlflowBody, recordsOfPredictBody, recordsOfV2Body } from './body-formats.js';
import { recordsJson, scoresJson } from './entry-json.js';
import type { Scored } from './served-model.js';

const schema: InputColumnSchema[] = [
  { name: 'x', kind: 'number', role: 'numeric' },
  { name: 'color', kind: 'string', role: 'categorical' },
];
const records = [
  { x: 1.5, color: 'a "quoted"\ttab' },
  { x: -2e-7, color: 'ünï\u2028' },
];

/** Each format's body, as sent (pretty-printed too: its line breaks are white space between tokens). */
const bodies: [string, (body: unknown) => readonly Record<string, unknown>[]][] = [
  [JSON.stringify(records), (b) => recordsOfPredictBody(b, 100)],
  [JSON.stringify(records[0]), (b) => recordsOfPredictBody(b, 100)],
  [JSON.stringify({ records }), (b) => recordsOfPredictBody(b, 100)],
  [JSON.stringify({ records, explain: true }), (b) => recordsOfPredictBody(b, 100)],
  [JSON.stringify({ dataframe_records: records }, null, 2), (b) => recordsOfMlflowBody(b, schema, 100)],
  [`\ufeff {\r\n\t"instances" :\n ${JSON.stringify(records)} \n}\n`, (b) => recordsOfMlflowBody(b, schema, 100)],
  [JSON.stringify({ inputs: records }), (b) => recordsOfMlflowBody(b, schema, 100)],
  [JSON.stringify({ dataframe_split: { columns: ['x', 'color'], data: records.map((r) => [r.x, r.color]) } }), (b) => recordsOfMlflowBody(b, schema, 100)],
  [JSON.stringify({ instances: records.map((r) => [r.x, r.color]) }), (b) => recordsOfMlflowBody(b, schema, 100)],
  [JSON.stringify({ inputs: { x: records.map((r) => r.x), color: records.map((r) => r.color) } }), (b) => recordsOfMlflowBody(b, schema, 100)],
  [JSON.stringify({ inputs: [{ name: 'x', shape: [2], data: [1.5, -2e-7] }, { name: 'color', shape: [2, 1], data: [[records[0]!.color], [records[1]!.color]] }] }), (b) => recordsOfV2Body(b, 100)],
];

describe("the log entry's JSON", () => {
  it('is the records as parsed, on one line, for every body format', () => {
    for (const [text, read] of bodies) {
      const body = JSON.parse(text.replace(/^\ufeff/, '')) as unknown;
      const parsed = read(body);
      const json = recordsJson(parsed, body, text).text;
      expect(json, text).not.toMatch(/[\t\n\r]/);
      expect(JSON.parse(json), text).toEqual(parsed);
    }
  });

  it('is the records as parsed, for random records in any wrapping and spacing', () => {
    const record = fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 });
    const list = fc.array(record, { minLength: 1, maxLength: 4 });
    const predict = (b: unknown) => recordsOfPredictBody(b, 100);
    const mlflow = (b: unknown) => recordsOfMlflowBody(b, schema, 100);
    const wrapped = fc.oneof(
      list.map((value) => ({ value, read: predict })),
      record.filter((r) => !Object.hasOwn(r, 'records')).map((value) => ({ value, read: predict })),
      list.map((records) => ({ value: { records }, read: predict })),
      list.map((dataframe_records) => ({ value: { dataframe_records }, read: mlflow })),
      list.map((instances) => ({ value: { instances }, read: mlflow })),
    );
    fc.assert(
      fc.property(wrapped, fc.constantFrom(0, 1, '\t', '\r\n'), fc.boolean(), ({ value, read }, indent, bom) => {
        const spaced = indent === '\r\n' ? JSON.stringify(value, null, 1).replaceAll('\n', '\r\n') : JSON.stringify(value, null, indent);
        const text = (bom ? '\ufeff' : '') + spaced;
        const body = JSON.parse(spaced) as unknown;
        const records = read(body);
        const json = recordsJson(records, body, text).text;
        expect(json).not.toMatch(/[\t\n\r]/);
        expect(JSON.parse(json)).toEqual(records);
      }),
      { numRuns: 300 },
    );
  });

  it('serializes records without a body text (a CSV body)', () => {
    expect(recordsJson(records, 'x,color\n…', undefined).text).toBe(JSON.stringify(records));
  });

  it('writes scores as JSON.stringify would, typed arrays as lists, humility flags beside', () => {
    const scored: Scored = { predictions: ['yes', 'no'], probabilities: Float64Array.of(0.25, 0.75, 1 / 3, NaN), classes: ['no', 'yes'], warnings: [] };
    expect(scoresJson(scored).text).toBe(JSON.stringify({ predictions: ['yes', 'no'], probabilities: [0.25, 0.75, 1 / 3, null], classes: ['no', 'yes'] }));
    const fallback: Scored = { ...scored, predictions: ['yes', 'unknown "label"'] };
    expect(JSON.parse(scoresJson(fallback).text)).toMatchObject({ predictions: ['yes', 'unknown "label"'] });
    const flagged: Scored = { ...scored, humility: { flags: [[], ['outlying:x']], counts: [] } };
    expect(JSON.parse(scoresJson(flagged).text)).toMatchObject({ humility: [[], ['outlying:x']] });
    const regression: Scored = { predictions: [1.5, -3e21], probabilities: undefined, classes: [], warnings: [] };
    expect(scoresJson(regression).text).toBe(JSON.stringify({ predictions: [1.5, -3e21], probabilities: null, classes: [] }));
  });
});
