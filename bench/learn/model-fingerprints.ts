/**
 * A hash of every model trained on a fixed set of seeded cases — binary, regression, multiclass
 * with 3, 11, 26 and 100 classes (rare classes too), NaNs, categorical columns, bagging, feature
 * sampling, weights, L1, depth limits, early stopping, forests — from its JSON and its predictions.
 * Run it before and after a change meant to leave models alone (a faster kernel, a leaner split
 * scan) and diff the two outputs: every line must match, bit for bit.
 *
 *   node --import tsx bench/learn/model-fingerprints.ts > after.txt
 */
import { createHash } from 'node:crypto';
import { trainForest, trainGbdt, type FeatureColumn, type FeatureTable, type GbdtParams } from '../../src/learn/index.js';
import { Rng } from '../../src/learn/random.js';
import { makeFriedman, makeHiggsLike, makeLetterLike, type SyntheticData } from '../../src/learn/synthetic.js';

/** Blanks a share of every numeric column and appends a categorical column of `categories` codes tied to the label. */
function roughen(data: SyntheticData, seed: number, missing: number, categories: number): SyntheticData {
  const rng = new Rng(seed);
  const n = data.table.rows;
  const columns: FeatureColumn[] = data.table.columns.map((c) => {
    const values = Float64Array.from(c.values, (v) => (rng.next() < missing ? NaN : v));
    return { ...c, values };
  });
  if (categories > 0) {
    const values = Float64Array.from({ length: n }, (_, i) => (rng.next() < missing ? NaN : (Math.floor(data.y[i]! * 3) + rng.int(3)) % categories));
    columns.push({ name: 'cat', type: 'categorical', values, categories: Array.from({ length: categories }, (_, c) => `c${c}`) });
  }
  return { table: { rows: n, columns }, y: data.y };
}

/** Keeps every row of the first half of the classes and a tenth of the others: rare classes. */
function skewClasses(data: SyntheticData, classes: number, seed: number): SyntheticData {
  const rng = new Rng(seed);
  const keep: number[] = [];
  for (let i = 0; i < data.table.rows; i++) if (data.y[i]! < classes / 2 || rng.next() < 0.1) keep.push(i);
  const table: FeatureTable = { rows: keep.length, columns: data.table.columns.map((c) => ({ ...c, values: Float64Array.from(keep, (i) => c.values[i]!) })) };
  return { table, y: Float64Array.from(keep, (i) => data.y[i]!) };
}

function split(data: SyntheticData, validShare: number): { train: SyntheticData; valid: SyntheticData } {
  const cut = Math.round(data.table.rows * (1 - validShare));
  const part = (from: number, to: number): SyntheticData => ({
    table: { rows: to - from, columns: data.table.columns.map((c) => ({ ...c, values: c.values.slice(from, to) })) },
    y: data.y.slice(from, to),
  });
  return { train: part(0, cut), valid: part(cut, data.table.rows) };
}

function hash(json: unknown, predictions: Float64Array): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(json));
  h.update(new Uint8Array(predictions.buffer, predictions.byteOffset, predictions.byteLength));
  return h.digest('hex').slice(0, 16);
}

type Gbdt = Partial<GbdtParams> & { objective: GbdtParams['objective'] };

function gbdtCase(name: string, data: SyntheticData, params: Gbdt, options: { valid?: boolean; weights?: boolean } = {}): void {
  const { train, valid } = split(data, 0.3);
  const weights = options.weights === true ? Float64Array.from(train.y, (y, i) => 0.5 + ((y + i) % 3)) : undefined;
  const model = trainGbdt(train.table, train.y, { numRounds: 40, ...params }, { ...(options.valid === true ? { valid: { table: valid.table, y: valid.y } } : {}), ...(weights ? { weights } : {}) });
  console.log(`${name.padEnd(40)} trees ${String(model.trees.length).padStart(5)}  ${hash(model.toJSON(), model.predict(valid.table))}`);
}

function forestCase(name: string, data: SyntheticData, task: 'binary' | 'multiclass' | 'regression', numClasses: number, extraTrees: boolean): void {
  const { train, valid } = split(data, 0.3);
  const model = trainForest(train.table, train.y, { task, numClasses, numTrees: 20, extraTrees, maxFeatures: 0.5, minDataInLeaf: 1, maxDepth: 0, seed: 3 });
  console.log(`${name.padEnd(40)} trees ${String(model.toJSON().trees.length).padStart(5)}  ${hash(model.toJSON(), model.predict(valid.table))}`);
}

const binary = roughen(makeHiggsLike(3000, 11, 10), 1, 0.05, 6);
const regression = roughen(makeFriedman(3000, 12), 2, 0.05, 5);
const letter = (classes: number, rows: number, features: number, seed: number): SyntheticData => makeLetterLike(rows, seed, classes, features);
const mc3 = roughen(letter(3, 1500, 6, 13), 3, 0.03, 4);
const mc11 = roughen(letter(11, 990, 10, 14), 4, 0.02, 0);
const mc11cat = roughen(letter(11, 990, 10, 15), 5, 0.05, 12);
const mc26 = roughen(letter(26, 4000, 16, 16), 6, 0.01, 8);
const mc100 = roughen(skewClasses(letter(100, 6000, 8, 17), 100, 7), 8, 0.02, 30);

gbdtCase('binary', binary, { objective: 'binary', seed: 1 });
gbdtCase('binary bag+ff+valid', binary, { objective: 'binary', seed: 2, baggingFraction: 0.8, featureFraction: 0.7, earlyStoppingRounds: 5 }, { valid: true });
gbdtCase('binary weights l1 depth', binary, { objective: 'binary', seed: 3, lambdaL1: 0.5, lambdaL2: 1, maxDepth: 4, maxLeaves: 15 }, { weights: true });
gbdtCase('regression', regression, { objective: 'regression', seed: 1 });
gbdtCase('regression bag+ff minleaf', regression, { objective: 'regression', seed: 2, baggingFraction: 0.7, featureFraction: 0.6, minDataInLeaf: 3 });
gbdtCase('huber', regression, { objective: 'huber', seed: 4 });
gbdtCase('l1', regression, { objective: 'l1', seed: 5, numRounds: 15 });
gbdtCase('multiclass 3', mc3, { objective: 'multiclass', numClasses: 3, seed: 1 });
gbdtCase('multiclass 3 weights+valid', mc3, { objective: 'multiclass', numClasses: 3, seed: 2, lambdaL2: 1 }, { valid: true, weights: true });
gbdtCase('multiclass 11 (vowel)', mc11, { objective: 'multiclass', numClasses: 11, seed: 1, minDataInLeaf: 10 }, { valid: true });
gbdtCase('multiclass 11 bag+ff l2', mc11, { objective: 'multiclass', numClasses: 11, seed: 2, minDataInLeaf: 5, lambdaL2: 1, featureFraction: 0.8, baggingFraction: 0.8, maxLeaves: 15 });
gbdtCase('multiclass 11 cat+nan l1 depth', mc11cat, { objective: 'multiclass', numClasses: 11, seed: 3, minDataInLeaf: 3, lambdaL1: 0.2, maxDepth: 3, maxLeaves: 8 });
gbdtCase('multiclass 26 (letter)', mc26, { objective: 'multiclass', numClasses: 26, seed: 1, numRounds: 15 }, { valid: true });
gbdtCase('multiclass 26 bag+ff maxbins', mc26, { objective: 'multiclass', numClasses: 26, seed: 2, numRounds: 10, baggingFraction: 0.8, featureFraction: 0.6, maxBins: 16, maxLeaves: 63 });
gbdtCase('multiclass 100 rare', mc100, { objective: 'multiclass', numClasses: 100, seed: 1, numRounds: 6, minDataInLeaf: 5 }, { valid: true });
gbdtCase('multiclass 100 rare weights', mc100, { objective: 'multiclass', numClasses: 100, seed: 2, numRounds: 4, minDataInLeaf: 2, minSplitGain: 0.01 }, { weights: true });
forestCase('forest binary', binary, 'binary', 2, false);
forestCase('extra-trees regression', regression, 'regression', 1, true);
forestCase('forest multiclass 11', mc11cat, 'multiclass', 11, false);
forestCase('extra-trees multiclass 26', mc26, 'multiclass', 26, true);
