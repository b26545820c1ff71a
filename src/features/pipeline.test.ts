import { describe, expect, it } from 'vitest';
import { InputError } from '../common/index.js';
import { frameFromRows, type Frame } from './frame.js';
import { inferColumnRole } from './column-roles.js';
import { applyPipeline, fitPipeline } from './pipeline.js';
import { inputSchemaOf } from './input-schema.js';
import type { FeaturePipelineSpec } from './steps.js';
import type { TargetValues } from './target-encoding.js';

function sampleRows(n: number): Record<string, unknown>[] {
  const colours = ['red', 'green', 'blue'];
  const words = ['cheap', 'great', 'offer', 'meeting', 'report', 'today', 'free', 'money'];
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1,
    size: i % 7 === 0 ? null : (i * 37) % 101,
    colour: colours[i % 3],
    city: `city${i % 90}`,
    member: i % 2 === 0,
    joined: new Date(Date.UTC(2020, i % 12, 1 + (i % 28))),
    comment: `${words[i % 8]} ${words[Math.floor(i / 8) % 8]} ${words[Math.floor(i / 64) % 8]} again`,
    constant: 'same',
    y: i % 2,
  }));
}

function binaryTarget(frame: Frame): TargetValues {
  const y = frame.columns.find((c) => c.name === 'y')!;
  return { task: 'binary', values: y.values as Float64Array, numClasses: 2 };
}

describe('column roles', () => {
  const frame = frameFromRows(sampleRows(300));
  const role = (name: string) => inferColumnRole(frame.columns.find((c) => c.name === name)!);

  it('infers a role for every kind of column', () => {
    expect(role('id')).toEqual({ role: 'drop', reason: 'id-like' });
    expect(role('size')).toEqual({ role: 'numeric', source: 'number' });
    expect(role('colour')).toMatchObject({ role: 'categorical', categories: ['blue', 'green', 'red'] });
    expect(role('city').role).toBe('high-cardinality');
    expect(role('member')).toEqual({ role: 'numeric', source: 'boolean' });
    expect(role('joined')).toEqual({ role: 'datetime', source: 'datetime' });
    expect(role('comment')).toEqual({ role: 'text' });
    expect(role('constant')).toEqual({ role: 'drop', reason: 'constant' });
  });

  it('reads numbers and dates written as text', () => {
    const f = frameFromRows(Array.from({ length: 50 }, (_, i) => ({ n: String(i * 1.5), d: `2021-03-${String(1 + (i % 28)).padStart(2, '0')}` })));
    expect(inferColumnRole(f.columns[0]!)).toEqual({ role: 'numeric', source: 'numeric-text' });
    expect(inferColumnRole(f.columns[1]!)).toEqual({ role: 'datetime', source: 'datetime-text' });
  });
});

describe('fitted pipeline', () => {
  const frame = frameFromRows(sampleRows(300));
  const fitted = fitPipeline(frame, 'y', binaryTarget(frame), { seed: 1 });

  it('drops id-like and constant columns with a note, and never uses the target', () => {
    expect(fitted.spec.dropped).toEqual([
      { column: 'id', reason: 'id-like' },
      { column: 'constant', reason: 'constant' },
    ]);
    expect(fitted.spec.steps.map((s) => s.column)).not.toContain('y');
  });

  it('drops a column that repeats another value for value, once, keeping the first', () => {
    const rows = sampleRows(300).map((r, i) => ({ ...r, sizeAgain: r.size, colourAgain: r.colour, almost: i === 7 ? 1 : r.size }));
    const copies = frameFromRows(rows);
    const spec = fitPipeline(copies, 'y', binaryTarget(copies), { seed: 1 }).spec;
    expect(spec.dropped.filter((d) => d.reason === 'duplicate')).toEqual([
      { column: 'sizeAgain', reason: 'duplicate', of: 'size' },
      { column: 'colourAgain', reason: 'duplicate', of: 'colour' },
    ]);
    expect(spec.steps.map((s) => s.column)).toContain('almost');
    expect(inputSchemaOf(spec).map((c) => c.name)).not.toContain('sizeAgain');
  });

  it('replays exactly after a JSON round trip (target encoding apart, which is out of fold in training)', () => {
    const spec = JSON.parse(JSON.stringify(fitted.spec)) as FeaturePipelineSpec;
    const replayed = applyPipeline(spec, frame);
    expect(replayed.columns.map((c) => c.name)).toEqual(fitted.table.columns.map((c) => c.name));
    for (const [i, column] of replayed.columns.entries()) {
      if (column.name.startsWith('city__te')) continue;
      expect(Array.from(column.values)).toEqual(Array.from(fitted.table.columns[i]!.values));
    }
  });

  it('makes calendar parts, hashed text features and native categorical codes', () => {
    const names = fitted.table.columns.map((c) => c.name);
    expect(names).toContain('joined__month');
    expect(names).toContain('comment__h0');
    const colour = fitted.table.columns.find((c) => c.name === 'colour')!;
    expect(colour.type).toBe('categorical');
    expect(colour.categories).toEqual(['blue', 'green', 'red']);
  });

  it('target-encodes high-cardinality columns out of fold, smoothed toward the prior', () => {
    const te = fitted.table.columns.find((c) => c.name === 'city__te')!;
    for (const v of te.values) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThan(1);
    }
    // city i%90 and y i%2 are linked only by parity of i%90 — the encoding must carry that signal
    const yValues = binaryTarget(frame).values;
    let agree = 0;
    te.values.forEach((v, i) => (agree += (v > 0.5 ? 1 : 0) === yValues[i] ? 1 : 0));
    expect(agree / frame.rows).toBeGreaterThan(0.9);
  });

  it('turns unseen and missing categories into missing values', () => {
    const fresh = frameFromRows([{ ...sampleRows(1)[0], colour: 'purple', city: 'nowhere' }, { ...sampleRows(1)[0], colour: null }]);
    const table = applyPipeline(fitted.spec, fresh);
    const colour = table.columns.find((c) => c.name === 'colour')!;
    expect(Number.isNaN(colour.values[0])).toBe(true);
    expect(Number.isNaN(colour.values[1])).toBe(true);
    const te = table.columns.find((c) => c.name === 'city__te')!;
    expect(te.values[0]).toBeCloseTo(0.5, 1);
  });

  it('names a missing column, and a column of the wrong type, in one-line errors', () => {
    const rows = sampleRows(3).map(({ size: _size, ...rest }) => rest);
    expect(() => applyPipeline(fitted.spec, frameFromRows(rows))).toThrow(/column 'size' is missing/);
    const wrong = sampleRows(3).map((r) => ({ ...r, size: 'large' }));
    let error: unknown;
    try {
      applyPipeline(fitted.spec, frameFromRows(wrong));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/column 'size' should hold numbers but row 1 has 'large'/);
    expect((error as Error).message).not.toContain('\n');
  });

  it('ignores extra columns', () => {
    const rows = sampleRows(5).map((r) => ({ ...r, extra: 'x' }));
    expect(applyPipeline(fitted.spec, frameFromRows(rows)).rows).toBe(5);
  });

  it('describes the input schema with kinds and allowed categories', () => {
    const schema = inputSchemaOf(fitted.spec);
    expect(schema.find((c) => c.name === 'colour')).toEqual({ name: 'colour', kind: 'string', role: 'categorical', categories: ['blue', 'green', 'red'] });
    expect(schema.find((c) => c.name === 'member')?.kind).toBe('boolean');
    expect(schema.find((c) => c.name === 'joined')?.kind).toBe('datetime');
  });
});
