/**
 * Boosting's CPU per tree on small many-class tables, as AutoML trains them (binned once, a
 * validation set scored after every tree, LightGBM-like defaults and the portfolio's bagged shape):
 *
 *   vowel-like  — 633 training rows × 10 numeric features, 11 classes (a fold of vowel's 990)
 *   letter-like — 16,000 training rows × 16 integer features 0–15, 26 classes (a fold of letter's 20,000)
 *
 *   node --import tsx bench/learn/multiclass.bench.ts [--runs 5] [--only vowel,letter]
 *
 * Prints the median over runs of CPU ms per tree (process CPU, so steadier than wall time on a
 * shared machine), after two untimed warm-up trainings per case (the first runs are slower while
 * V8 optimises).
 */
import { applyBins, binTable, trainGbdt, type FeatureTable, type GbdtParams } from '../../src/learn/index.js';
import { makeLetterLike, type SyntheticData } from '../../src/learn/synthetic.js';
import { option } from '../measure.js';

const runs = Number(option('runs', '5'));
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number, e.g. --runs 5');
const only = new Set(option('only', 'vowel,letter').split(','));

function rows(data: SyntheticData, from: number, to: number): SyntheticData {
  const table: FeatureTable = { rows: to - from, columns: data.table.columns.map((c) => ({ ...c, values: c.values.slice(from, to) })) };
  return { table, y: data.y.slice(from, to) };
}

/** letter's features are integers 0–15: the blobs rounded onto 16 levels */
function integerLevels(data: SyntheticData): SyntheticData {
  const columns = data.table.columns.map((c) => ({ ...c, values: Float64Array.from(c.values, (v) => Math.max(0, Math.min(15, Math.round(2 * v + 8)))) }));
  return { table: { rows: data.table.rows, columns }, y: data.y };
}

interface Shape {
  readonly name: string;
  readonly data: SyntheticData;
  readonly trainRows: number;
  readonly classes: number;
  readonly rounds: number;
  readonly minDataInLeaf: number;
}

const shapes: Shape[] = [
  { name: 'vowel', data: makeLetterLike(990, 1, 11, 10), trainRows: 633, classes: 11, rounds: 60, minDataInLeaf: 10 },
  { name: 'letter', data: integerLevels(makeLetterLike(20_000, 1, 26, 16)), trainRows: 16_000, classes: 26, rounds: 8, minDataInLeaf: 20 },
];

/** the first booster of AutoML's portfolio, and its bagged, feature-sampled shape */
const configs: { name: string; params: Partial<GbdtParams> }[] = [
  { name: 'defaults', params: { learningRate: 0.1, maxLeaves: 31 } },
  { name: 'bagged', params: { learningRate: 0.05, maxLeaves: 15, lambdaL2: 1, featureFraction: 0.8, baggingFraction: 0.8 } },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

console.log(`${'shape'.padEnd(8)} ${'config'.padEnd(9)} ${'trees'.padStart(6)} ${'ms/tree'.padStart(8)}  runs`);
for (const shape of shapes) {
  if (!only.has(shape.name)) continue;
  const train = rows(shape.data, 0, shape.trainRows);
  const valid = rows(shape.data, shape.trainRows, shape.data.table.rows);
  const binned = binTable(train.table);
  const validBinned = applyBins(binned.mapper, valid.table);
  for (const config of configs) {
    const fit = (): number => {
      const model = trainGbdt(
        binned,
        train.y,
        { objective: 'multiclass', numClasses: shape.classes, numRounds: shape.rounds, minDataInLeaf: shape.minDataInLeaf, earlyStoppingRounds: 0, seed: 1, ...config.params },
        { valid: { table: validBinned, y: valid.y } },
      );
      return model.trees.length;
    };
    fit();
    fit();
    const perTree: number[] = [];
    let trees = 0;
    for (let r = 0; r < runs; r++) {
      const cpu = process.cpuUsage();
      trees = fit();
      const used = process.cpuUsage(cpu);
      perTree.push((used.user + used.system) / 1000 / trees);
    }
    console.log(`${shape.name.padEnd(8)} ${config.name.padEnd(9)} ${String(trees).padStart(6)} ${median(perTree).toFixed(3).padStart(8)}  ${perTree.map((v) => v.toFixed(3)).join(' ')}`);
  }
}
