import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeatureTable } from '../types.js';
import { binTable } from './binning.js';
import { growDataOf } from './histogram.js';
import { RowLayout } from './row-layout.js';

describe('RowLayout', () => {
  it('keeps every laid-out row aligned with its row id through any sequence of partitions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(3, 28, 37),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat(255)), { maxLength: 8 }),
        fc.integer(),
        (rows, features, splits, seed) => {
          let s = seed >>> 0;
          const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
          const table: FeatureTable = { rows, columns: Array.from({ length: features }, (_, f) => ({ name: `f${f}`, type: 'numeric' as const, values: Float64Array.from({ length: rows }, () => Math.floor(next() * 300)) })) };
          const data = growDataOf(binTable(table));
          const sourceGh = Float64Array.from({ length: 2 * rows }, () => next());
          const layout = new RowLayout(data, sourceGh, false);
          const order = Uint32Array.from({ length: rows }, (_, i) => i);
          layout.load(order, rows);
          for (const [a, b, f, t] of splits) {
            const begin = a % rows;
            const end = begin + (b % (rows - begin + 1));
            const goesLeft = Uint8Array.from({ length: 256 }, (_, bin) => (bin <= t ? 1 : 0));
            const feature = f % features;
            const mid = layout.partition(order, begin, end, feature, goesLeft);
            for (let i = begin; i < end; i++) expect(goesLeft[data.codes[order[i]! * features + feature]!]).toBe(i < mid ? 1 : 0);
          }
          expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: rows }, (_, i) => i));
          for (let i = 0; i < rows; i++) {
            const r = order[i]!;
            for (let f = 0; f < features; f++) expect(layout.codes[i * layout.stride + f]).toBe(data.codes[r * features + f]);
            expect(layout.gh[2 * i]).toBe(sourceGh[2 * r]);
            expect(layout.gh[2 * i + 1]).toBe(sourceGh[2 * r + 1]);
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});
