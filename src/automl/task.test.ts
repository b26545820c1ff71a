import { describe, expect, it } from 'vitest';
import { DataError, InputError } from '../common/index.js';
import type { RawColumn } from '../features/index.js';
import { detectTask } from './task.js';

const text = (values: (string | null)[]): RawColumn => ({ name: 'y', kind: 'string', values });
const numbers = (values: number[]): RawColumn => ({ name: 'y', kind: 'number', values: Float64Array.from(values) });

describe('detectTask', () => {
  it('detects binary, multiclass and regression from the values', () => {
    expect(detectTask(text(['no', 'yes', 'no'])).task).toBe('binary');
    expect(detectTask(text(['a', 'b', 'c'])).task).toBe('multiclass');
    expect(detectTask(numbers(Array.from({ length: 100 }, (_, i) => i % 4))).task).toBe('multiclass');
    expect(detectTask(numbers(Array.from({ length: 100 }, (_, i) => i * 1.5))).task).toBe('regression');
    expect(detectTask(numbers([0, 1, 1, 0])).task).toBe('binary');
  });

  it('keeps class labels exactly as written, sorted, and encodes rows by class index', () => {
    const info = detectTask(text(['good', 'bad', null, 'good']));
    expect(info.classes).toEqual(['bad', 'good']);
    expect(Array.from(info.values)).toEqual([1, 0, 1]);
    expect(Array.from(info.rows)).toEqual([0, 1, 3]);
  });

  it('follows an override, and refuses one that cannot fit', () => {
    expect(detectTask(numbers(Array.from({ length: 100 }, (_, i) => i % 4)), 'regression').task).toBe('regression');
    expect(() => detectTask(text(['a', 'b', 'c']), 'regression')).toThrow(InputError);
    expect(() => detectTask(text(['a', 'b', 'c']), 'binary')).toThrow(/3 classes/);
  });

  it('refuses a target with one class or no values', () => {
    expect(() => detectTask(text(['a', 'a']))).toThrow(DataError);
    expect(() => detectTask(text([null, null]))).toThrow(/no values/);
  });
});
