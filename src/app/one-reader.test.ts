/**
 * One way to read a file: a `;`-delimited CSV with decimal commas and Latin-1 text is read alike by
 * ingest (into bronze), by `train` and by `predict` — a model trained on the raw file scores the raw
 * file and its bronze snapshot identically.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { trainModel } from '../automl/index.js';
import { readFrame } from '../features/index.js';
import { addSource, ingestProject, initLab } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'autolab-one-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** 400 rows: a city with accents (Latin-1 bytes), two decimal-comma numbers, a yes/no target. */
function writeLatin1Csv(path: string): void {
  const cities = ['Zürich', 'Genève', 'Besançon', 'Málaga', 'Köln'];
  const lines = ['ville;montant;taux;achat'];
  for (let i = 0; i < 400; i++) {
    const amount = ((i * 37) % 500) / 4; // quarters: 12,25 and the like
    const rate = ((i * 13) % 100) / 10;
    const city = cities[i % cities.length]!;
    const bought = amount + (city === 'Zürich' ? 40 : 0) + rate * 3 > 90 ? 'oui' : 'non';
    lines.push(`${city};${String(amount).replace('.', ',')};${String(rate).replace('.', ',')};${bought}`);
  }
  writeFileSync(path, Buffer.from(`${lines.join('\r\n')}\r\n`, 'latin1'));
}

describe('one reader for ingest, train and predict', () => {
  it('reads a ;-delimited Latin-1 CSV with decimal commas alike in all three: the same predictions on the raw file and on its bronze snapshot', async () => {
    const raw = join(dir, 'achats.csv');
    writeLatin1Csv(raw);

    const frame = await readFrame(raw);
    const kinds = Object.fromEntries(frame.columns.map((c) => [c.name, c.kind]));
    expect(kinds).toEqual({ ville: 'string', montant: 'number', taux: 'number', achat: 'string' });
    const ville = frame.columns.find((c) => c.name === 'ville');
    expect(ville?.kind === 'string' ? new Set(ville.values) : null).toEqual(new Set(['Zürich', 'Genève', 'Besançon', 'Málaga', 'Köln']));
    const montant = frame.columns.find((c) => c.name === 'montant');
    expect(montant?.kind === 'number' ? Array.from(montant.values.slice(0, 3)) : null).toEqual([0, 9.25, 18.5]);

    const lab = await initLab(join(dir, 'lab'), { project: 'p' });
    try {
      await addSource(lab, 'p', 'achats', raw);
      const outcome = await ingestProject(lab, 'p', { source: 'achats' });
      expect(outcome.firstError).toBeUndefined();
      const [table] = outcome.tables;
      expect(table).toMatchObject({ status: 'new', rows: 400 });
      const bronze = await lab.store.localPathFor(table!.lakeKey ?? '');

      const { model } = await trainModel(raw, { target: 'achat', trials: 2, seed: 0 });
      const onRaw = model.predictFrame(await readFrame(raw));
      const onBronze = model.predictFrame(await readFrame(bronze));
      expect(onRaw.prediction).toHaveLength(400);
      expect(onBronze.prediction).toEqual(onRaw.prediction);
      expect(Array.from(onBronze.probabilities ?? [])).toEqual(Array.from(onRaw.probabilities ?? []));
      // the model learnt something from the numbers it read
      const truth = (frame.columns.find((c) => c.name === 'achat')?.values ?? []) as readonly (string | null)[];
      const right = onRaw.prediction.filter((p, i) => p === truth[i]).length;
      expect(right / 400).toBeGreaterThan(0.8);
    } finally {
      await lab.close();
    }
  });
});
