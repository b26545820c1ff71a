import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameFromRows } from '../features/index.js';
import { Rng } from '../learn/index.js';
import { trainModel } from './train-model.js';

describe('importance of each input column (mean |SHAP| shares)', () => {
  it('a class decided by one column gets nearly all the share; a text column counts once', async () => {
    // a band of one column: no line separates it, so the ensemble keeps its trees
    const rng = new Rng(11);
    const rows = Array.from({ length: 600 }, () => {
      const signal = rng.next() * 10;
      return { signal, noise: rng.next(), colour: ['red', 'green', 'blue'][rng.int(3)]!, label: signal > 3 && signal < 7 ? 'yes' : 'no' };
    });
    const dir = await mkdtemp(join(tmpdir(), 'autolab-importance-'));
    try {
      const { model } = await trainModel(frameFromRows(rows), { target: 'label', trials: 3, seed: 1, out: join(dir, 'm') });
      const importance = model.importance(frameFromRows(rows.slice(0, 300)));
      expect(importance).not.toBeNull();
      expect(Object.keys(importance!).sort()).toEqual(['colour', 'noise', 'signal']);
      expect(importance!['signal']).toBeGreaterThan(0.8);
      expect(Object.values(importance!).reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
