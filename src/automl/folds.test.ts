import { describe, expect, it } from 'vitest';
import { makeFolds } from './folds.js';

describe('makeFolds', () => {
  it('partitions the rows, stratified by class, the same way for a seed', () => {
    const y = Float64Array.from({ length: 103 }, (_, i) => (i < 80 ? 0 : i < 100 ? 1 : 2));
    const folds = makeFolds(y, 'multiclass', 5, 7);
    const seen = new Array<number>(103).fill(0);
    for (const fold of folds) {
      for (const i of fold.valid) seen[i]!++;
      expect(fold.train.length + fold.valid.length).toBe(103);
      const ones = Array.from(fold.valid).filter((i) => y[i] === 1).length;
      expect(ones).toBe(4);
    }
    expect(seen.every((c) => c === 1)).toBe(true);
    // a class rarer than the fold count lands in different folds, not all in the first
    const rare = folds.map((f) => Array.from(f.valid).filter((i) => y[i] === 2).length);
    expect(rare.filter((c) => c > 0).length).toBe(3);
    expect(makeFolds(y, 'multiclass', 5, 7)).toEqual(folds);
  });
});
