import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Frame } from './frame.js';
import { medianOfSorted, numericRangesOf, type NumericRange } from './input-schema.js';
import type { FeaturePipelineSpec } from './steps.js';

const spec: FeaturePipelineSpec = { kind: 'feature-pipeline', version: 1, target: 'y', steps: [{ kind: 'numeric', column: 'x', source: 'number' }], dropped: [] };
const frameOf = (values: readonly number[]): Frame => ({ rows: values.length, columns: [{ name: 'x', kind: 'number', values: Float64Array.from(values) }] });

/** The definition: sort the finite values, then sort their distances to the median. */
function byDefinition(values: readonly number[]): NumericRange | undefined {
  const finite = Float64Array.from(values.filter((v) => Number.isFinite(v))).sort();
  if (finite.length === 0) return undefined;
  const median = medianOfSorted(finite);
  return { min: finite[0]!, max: finite[finite.length - 1]!, median, mad: medianOfSorted(finite.map((v) => Math.abs(v - median)).sort()) };
}

// as JSON keeps them (a bundle's ranges): −0 and +0 are one number there
const asSaved = (range: NumericRange | undefined) => JSON.parse(JSON.stringify(range ?? null)) as unknown;

describe('numericRangesOf', () => {
  it('gives the range, median and MAD of the definition (sorting), by selection: few distinct values, many, odd and even counts', () => {
    const few = fc.constantFrom(0, -0, 1, 2, -3.5, 1e-9, Number.NaN, Infinity, -Infinity);
    const many = fc.oneof(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), fc.constant(Number.NaN), fc.constant(-Infinity));
    fc.assert(
      fc.property(fc.oneof(fc.array(few, { maxLength: 200 }), fc.array(many, { maxLength: 500 }), fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 500 })), (values) => {
        expect(asSaved(numericRangesOf(spec, frameOf(values))['x'])).toEqual(asSaved(byDefinition(values)));
      }),
    );
  });

  it('summarises a sparse indicator', () => {
    const values = Array.from({ length: 101 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    expect(numericRangesOf(spec, frameOf(values))['x']).toEqual({ min: 0, max: 1, median: 0, mad: 0 });
  });
});
