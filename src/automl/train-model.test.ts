import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, InputError, UsageError } from '../common/index.js';
import { Rng } from '../learn/index.js';
import { fit, loadBundle, predictFile, trainModel } from './index.js';

let dir: string;
let trainCsv: string;
let testCsv: string;

/** A small binary problem: the label follows a numeric and a categorical column, with noise. */
function makeCsv(rows: number, seed: number, withTarget: boolean): string {
  const rng = Rng.unmixed(seed);
  const random = (): number => rng.next();
  const lines = [withTarget ? 'x1,x2,colour,note,label' : 'x1,x2,colour,note'];
  for (let i = 0; i < rows; i++) {
    const x1 = random() * 4 - 2;
    const x2 = Math.round(random() * 100);
    const colour = ['red', 'green', 'blue'][Math.floor(random() * 3)]!;
    const score = x1 + (colour === 'red' ? 1 : -0.5) + (random() - 0.5);
    const note = i % 5 === 0 ? '' : `n${i % 4}`;
    const label = score > 0 ? 'yes' : 'no';
    lines.push([x1.toFixed(3), x2, colour, note, ...(withTarget ? [label] : [])].join(','));
  }
  return lines.join('\n') + '\n';
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-automl-'));
  trainCsv = join(dir, 'train.csv');
  testCsv = join(dir, 'test.csv');
  writeFileSync(trainCsv, makeCsv(300, 1, true));
  writeFileSync(testCsv, makeCsv(40, 2, false));
});

describe('trainModel', () => {
  it('gives a bundle with the same hash for the same data, seed and --trials', async () => {
    const a = await trainModel(trainCsv, { target: 'label', trials: 4, seed: 3, out: join(dir, 'a'), threads: 1 });
    // the same bundle whether the folds are fitted on one thread or spread over worker threads
    const b = await trainModel(trainCsv, { target: 'label', trials: 4, seed: 3, out: join(dir, 'b'), threads: 3 });
    expect(a.run.bundleHash).toMatch(/^[0-9a-f]{64}$/);
    expect([a.run.foldThreads, b.run.foldThreads]).toEqual([1, 3]);
    expect(b.run.bundleHash).toBe(a.run.bundleHash);
    const c = await trainModel(trainCsv, { target: 'label', trials: 4, seed: 4, out: join(dir, 'c') });
    expect(c.run.bundleHash).not.toBe(a.run.bundleHash);
    const manifest = JSON.parse(readFileSync(join(dir, 'a', 'bundle.json'), 'utf8'));
    expect(manifest).toMatchObject({ task: 'binary', target: 'label', classes: ['no', 'yes'], metric: 'auc', seed: 3 });
    expect(manifest.schema.map((s: { name: string }) => s.name)).toEqual(['x1', 'x2', 'colour', 'note']);
    expect(manifest.leaderboard.length).toBeGreaterThanOrEqual(1);
  });

  it('writes predictions with `prediction` and `proba_<class>` per class, labels as in the training file', async () => {
    await trainModel(trainCsv, { target: 'label', trials: 3, out: join(dir, 'p') });
    const out = join(dir, 'preds.csv');
    expect((await predictFile(join(dir, 'p'), testCsv, out)).rows).toBe(40);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('prediction,proba_no,proba_yes');
    expect(lines).toHaveLength(41);
    for (const line of lines.slice(1)) {
      const [label, pNo, pYes] = line.split(',');
      expect(['no', 'yes']).toContain(label);
      expect(Number(pNo) + Number(pYes)).toBeCloseTo(1, 9);
      expect(label).toBe(Number(pYes) > Number(pNo) ? 'yes' : 'no');
    }
  });

  it('stays within the time limit', async () => {
    const started = Date.now();
    const result = await trainModel(trainCsv, { target: 'label', timeLimit: 3, out: join(dir, 't') });
    expect((Date.now() - started) / 1000).toBeLessThan(3 * 1.1);
    expect(result.model.leaderboard.length).toBeGreaterThanOrEqual(1);
  });

  it('records how candidates were validated, in the bundle and in run.json', async () => {
    const result = await trainModel(trainCsv, { target: 'label', trials: 3, out: join(dir, 'v') });
    expect(result.model.manifest.validation).toMatchObject({ kind: 'kfold', folds: 5 });
    const run = JSON.parse(readFileSync(join(dir, 'v', 'run.json'), 'utf8'));
    expect(run.validation).toEqual(result.model.manifest.validation);
    expect(Object.keys(run.phaseSeconds)).toEqual(['read', 'prepare', 'first candidate', 'search', 'combine', 'refit']);
    for (const row of result.model.leaderboard) expect(row.trainRows).toBe(240);
  });

  it('refits each ensemble member once on all rows after the search (one model to serve each), or keeps its fold models with refit: false', async () => {
    const refitted = await trainModel(trainCsv, { target: 'label', trials: 5, seed: 2, out: join(dir, 'refit') });
    const bagged = await trainModel(trainCsv, { target: 'label', trials: 5, seed: 2, out: join(dir, 'bagged'), refit: false });
    // the same search and out-of-fold score: only the members' models differ
    expect(refitted.model.leaderboard).toEqual(bagged.model.leaderboard);
    expect(refitted.model.manifest.score).toBe(bagged.model.manifest.score);
    const read = (name: string) => JSON.parse(readFileSync(join(dir, name, 'bundle.json'), 'utf8')) as { members: { config: { kind: string }; models: string[]; refit?: { rows: number; rounds?: number } }[] };
    const [r, b] = [read('refit'), read('bagged')];
    expect(r.members.length).toBeGreaterThan(0);
    for (const member of r.members) {
      expect(member.models).toHaveLength(1);
      expect(member.refit?.rows).toBe(300);
    }
    for (const member of b.members) {
      expect(member.models).toHaveLength(5);
      expect(member.refit).toBeUndefined();
    }
    // a booster is refitted for the mean of its fold models' kept rounds
    const boosters = bagged.model.fittedMembers.map((m, i) => ({ m, i })).filter(({ i }) => b.members[i]!.config.kind === 'gbdt');
    expect(boosters.length).toBeGreaterThan(0);
    for (const { m, i } of boosters) {
      const rounds = m.models.map((model) => (model as unknown as { bestIteration: number }).bestIteration);
      expect(r.members[i]!.refit?.rounds).toBe(Math.max(1, Math.round(rounds.reduce((x, y) => x + y, 0) / rounds.length)));
      expect((refitted.model.fittedMembers[i]!.models[0] as unknown as { bestIteration: number }).bestIteration).toBe(r.members[i]!.refit?.rounds);
    }
    // both bundles predict alike where the label is clear
    const rows = [{ x1: 1.8, x2: 50, colour: 'red', note: 'n1' }, { x1: -1.8, x2: 50, colour: 'blue', note: 'n2' }];
    expect(loadBundle(join(dir, 'refit')).model.predict(rows).map((p) => p.prediction)).toEqual(['yes', 'no']);
    expect(bagged.model.predict(rows).map((p) => p.prediction)).toEqual(['yes', 'no']);
  });

  it('says so in one line, and saves nothing, when no model beats the mean out of sample', async () => {
    const rng = Rng.unmixed(11);
    const random = (): number => rng.next();
    const noise = join(dir, 'noise.csv');
    writeFileSync(noise, ['a,b,c,y', ...Array.from({ length: 200 }, () => [random(), random(), random(), random()].map((v) => v.toFixed(4)).join(','))].join('\n'));
    const out = join(dir, 'noise-model');
    await expect(trainModel(noise, { target: 'y', trials: 4, out })).rejects.toThrow(DataError);
    await expect(trainModel(noise, { target: 'y', trials: 4, out })).rejects.toThrow(/^no model beat the mean out of sample \(rmse [0-9.]+ against [0-9.]+\); nothing was saved/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a table with nothing to learn from (only the target, or every other column left out) before any search', async () => {
    const rng = Rng.unmixed(5);
    const labels = Array.from({ length: 200 }, () => (rng.next() < 0.5 ? 'a' : 'b'));
    const only = join(dir, 'only-target.csv');
    writeFileSync(only, ['y', ...labels].join('\n') + '\n');
    const out = join(dir, 'only-model');
    let searched = false;
    const error = await trainModel(only, { target: 'y', timeLimit: 5, out, onProgress: () => (searched = true) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as Error).message).toBe(`${only} has no column to learn 'y' from (it holds no column besides the target); nothing was trained or saved — add columns that carry information about the target`);
    expect(searched).toBe(false);
    expect(existsSync(out)).toBe(false);

    // an id, a constant and one date in every row: nothing varies that could carry information
    const flat = join(dir, 'flat.csv');
    writeFileSync(flat, ['id,shop,day,y', ...labels.map((y, i) => `${i + 1},north,2024-03-01,${y}`)].join('\n') + '\n');
    await expect(trainModel(flat, { target: 'y', timeLimit: 5, out })).rejects.toThrow(
      `${flat} has no column to learn 'y' from (every other column was left out: 'id' (id-like), 'shop' (constant), 'day' (constant)); nothing was trained or saved`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('checks the bundle folder before training, not after', async () => {
    const taken = join(dir, 'taken');
    mkdirSync(taken);
    writeFileSync(join(taken, 'notes.txt'), 'mine\n');
    let searched = false;
    const started = Date.now();
    const error = await trainModel(trainCsv, { target: 'label', timeLimit: 600, out: taken, onProgress: () => (searched = true) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(`the bundle folder ${taken} is not empty and holds no model bundle (nothing was saved) — give a new or empty folder, or one with a bundle to replace`);
    expect(searched).toBe(false);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(readdirSync(taken)).toEqual(['notes.txt']);
  });

  it('checks prediction input against the schema', async () => {
    const { model } = loadBundle(join(dir, 'a'));
    const missing = join(dir, 'missing.csv');
    writeFileSync(missing, 'x1,x2,note\n1,2,n1\n');
    await expect(predictFile(model, missing, join(dir, 'x.csv'))).rejects.toThrow(/column 'colour' is missing/);
    const wrong = join(dir, 'wrong.csv');
    writeFileSync(wrong, 'x1,x2,colour,note,extra\nabc,2,red,n1,1\n');
    await expect(predictFile(model, wrong, join(dir, 'x.csv'))).rejects.toThrow(InputError);
    await expect(predictFile(model, wrong, join(dir, 'x.csv'))).rejects.toThrow(/column 'x1' should hold numbers/);
  });

  it('scores a file a slice of rows at a time as it scores it whole, unknown labels and missing values included', async () => {
    const { model } = loadBundle(join(dir, 'a'));
    const lines = makeCsv(5000, 3, false).trim().split('\n');
    // a colour the model never saw (its text comes beside the known labels' codes) and missing numbers, in several slices
    for (const i of [10, 2100, 4321]) lines[i] = lines[i]!.replace(/,(red|green|blue),/, ',purple,');
    for (const i of [5, 2048, 2049, 4999]) lines[i] = lines[i]!.replace(/^[^,]*,[^,]*,/, ',,');
    const data = join(dir, 'sliced.csv');
    writeFileSync(data, lines.join('\n') + '\n');
    const whole = join(dir, 'whole-preds.csv');
    const sliced = join(dir, 'sliced-preds.csv');
    expect((await predictFile(model, data, whole, { sliceRows: 1_000_000 })).rows).toBe(5000);
    expect((await predictFile(model, data, sliced, { sliceRows: 2048 })).rows).toBe(5000);
    expect(readFileSync(sliced, 'utf8')).toBe(readFileSync(whole, 'utf8'));
    expect(readFileSync(sliced, 'utf8').trim().split('\n')).toHaveLength(5001);
  });

  it('writes nothing when a slice past the first fails, and names the row in the file', async () => {
    const { model } = loadBundle(join(dir, 'a'));
    const lines = makeCsv(5000, 4, false).trim().split('\n');
    lines[4500] = lines[4500]!.replace(/^[^,]*,/, 'abc,');
    const data = join(dir, 'late-bad.csv');
    writeFileSync(data, lines.join('\n') + '\n');
    const folder = join(dir, 'late-bad');
    mkdirSync(folder);
    const out = join(folder, 'preds.csv');
    writeFileSync(out, 'earlier predictions\n');
    await expect(predictFile(model, data, out, { replace: true, sliceRows: 2048 })).rejects.toThrow(/column 'x1' should hold numbers but row 4500 has 'abc'/);
    expect(readFileSync(out, 'utf8')).toBe('earlier predictions\n');
    expect(readdirSync(folder)).toEqual(['preds.csv']);
  });

  it('fails, not waits, when the predictions file cannot be written while slices are scored', async () => {
    const { model } = loadBundle(join(dir, 'a'));
    const data = join(dir, 'many.csv');
    writeFileSync(data, makeCsv(5000, 5, false));
    const notAFolder = join(dir, 'not-a-folder');
    writeFileSync(notAFolder, 'a file\n');
    await expect(predictFile(model, data, join(notAFolder, 'preds.csv'), { sliceRows: 2048 })).rejects.toThrow(/EEXIST|ENOTDIR/);
  });

  it('reports a missing target column', async () => {
    await expect(trainModel(trainCsv, { target: 'nope', trials: 1 })).rejects.toThrow(/target column 'nope' is not in the data/);
  });
});

describe('fit', () => {
  it('trains from row objects and predicts row objects, unseen categories included', async () => {
    const rng = Rng.unmixed(9);
    const random = (): number => rng.next();
    const rows = Array.from({ length: 200 }, () => {
      const a = random() * 10;
      const kind = random() < 0.5 ? 'p' : 'q';
      return { a, kind, y: 3 * a + (kind === 'p' ? 5 : 0) + random() };
    });
    const model = await fit(rows, { target: 'y', trials: 3 });
    expect(model.task).toBe('regression');
    const predictions = model.predict([{ a: 1, kind: 'p' }, { a: 2, kind: 'never-seen' }]);
    expect(predictions).toHaveLength(2);
    for (const p of predictions) expect(typeof p.prediction).toBe('number');
  });
});
