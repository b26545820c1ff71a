import { describe, expect, it } from 'vitest';
import { EndpointAnswerError, formatOfPath, parseAnswer, requestBody } from './endpoint-protocol.js';

const binary = { task: 'binary' as const, classes: ['no', 'yes'] };
const three = { task: 'multiclass' as const, classes: ['a', 'b', 'c'] };
const regression = { task: 'regression' as const, classes: [] };

describe('the endpoint protocols', () => {
  it('guesses the protocol from the path', () => {
    expect(formatOfPath('/invocations')).toBe('mlflow');
    expect(formatOfPath('/v2/models/churn/infer')).toBe('kserve');
    expect(formatOfPath('/v2/models/churn/versions/3/infer')).toBe('kserve');
    expect(formatOfPath('/predict')).toBe('json');
  });

  it('sends the schema columns in order: MLflow split, a typed tensor per column, records', () => {
    const records = [{ x: 1.5, c: 'red', f: true }, { x: null, c: null, f: false }];
    expect(requestBody('mlflow', ['x', 'c', 'f'], records)).toEqual({ dataframe_split: { columns: ['x', 'c', 'f'], data: [[1.5, 'red', true], [null, null, false]] } });
    expect(requestBody('kserve', ['x', 'c', 'f'], records)).toEqual({
      inputs: [
        { name: 'x', shape: [2], datatype: 'FP64', data: [1.5, null] },
        { name: 'c', shape: [2], datatype: 'BYTES', data: ['red', null] },
        { name: 'f', shape: [2], datatype: 'BOOL', data: [true, false] },
      ],
    });
    expect(requestBody('json', ['x'], records)).toBe(records);
  });

  it('reads labels, a positive probability, per-class lists and objects into the classes order', () => {
    expect(parseAnswer('mlflow', { predictions: ['yes', 'no'] }, 2, binary)).toEqual({ kind: 'labels', predictions: Float64Array.from([0, 1, 1, 0]) });
    expect(parseAnswer('mlflow', [0.25, 1], 2, binary)).toEqual({ kind: 'probabilities', predictions: Float64Array.from([0.75, 0.25, 0, 1]) });
    expect(parseAnswer('mlflow', { predictions: ['c', 'a'], probabilities: [{ c: 0.5, a: 0.2, b: 0.3 }, [0.6, 0.3, 0.1]] }, 2, three).predictions).toEqual(Float64Array.from([0.2, 0.3, 0.5, 0.6, 0.3, 0.1]));
    expect(parseAnswer('json', { predictions: [{ prediction: 'b', probabilities: { a: 0.1, b: 0.8, c: 0.1 } }] }, 1, three).predictions).toEqual(Float64Array.from([0.1, 0.8, 0.1]));
    expect(parseAnswer('mlflow', { predictions: [3.5, [-1]] }, 2, regression)).toEqual({ kind: 'values', predictions: Float64Array.from([3.5, -1]) });
  });

  it('reads KServe tensors, with the server classes order when it names it', () => {
    const body = { outputs: [{ name: 'prediction', shape: [2], datatype: 'BYTES', data: ['c', 'a'] }, { name: 'probabilities', shape: [2, 3], datatype: 'FP64', data: [0.5, 0.3, 0.2, 0.1, 0.1, 0.8] }], parameters: { classes: ['c', 'b', 'a'] } };
    expect(parseAnswer('kserve', body, 2, three).predictions).toEqual(Float64Array.from([0.2, 0.3, 0.5, 0.8, 0.1, 0.1]));
    expect(parseAnswer('kserve', { outputs: [{ name: 'out', shape: [2, 1], data: [[1.5], [2]] }] }, 2, regression).predictions).toEqual(Float64Array.from([1.5, 2]));
  });

  it('refuses a wrong count, an unknown class, a value that is no prediction and a missing list', () => {
    expect(() => parseAnswer('mlflow', { predictions: ['yes'] }, 2, binary)).toThrow(new EndpointAnswerError('it answered 1 predictions for 2 rows'));
    expect(() => parseAnswer('mlflow', { predictions: ['maybe'] }, 1, binary)).toThrow(/prediction 0 is "maybe": neither one of the classes \(no, yes\)/);
    expect(() => parseAnswer('mlflow', { predictions: [{ maybe: 1 }] }, 1, binary)).toThrow(/'maybe', which is not one of the classes/);
    expect(() => parseAnswer('mlflow', { predictions: ['x'] }, 1, regression)).toThrow(/prediction 0 is "x", not a number/);
    expect(() => parseAnswer('json', { result: [] }, 1, binary)).toThrow(/no 'predictions' list/);
    expect(() => parseAnswer('kserve', { outputs: [] }, 1, binary)).toThrow(/no 'outputs' tensors/);
  });
});
