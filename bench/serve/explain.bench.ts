/**
 * One served record's explanation, in process: ms per record for a bundle's TreeSHAP with the
 * classic path-dependent algorithm (Lundberg 2018, `reference-tree-shap.ts`, what the product ran
 * before) beside the one the product runs (`tree-shap.ts`), on the same records and trees, rounds
 * interleaved; then the whole explanation the server computes per record (`explainEnsemble` +
 * `topContributions`) beside scoring it (`predictFrame`).
 *
 *   node --import tsx bench/serve/explain.bench.ts --model DIR [--data CSV] [--records 100] [--rounds 3]
 *
 * The model: a bundle trained on credit_data, e.g.
 * `node bin/autolab.js train ../shared/datasets/credit_data.csv --target Status --time-limit 30 --out /tmp/credit30-shap`.
 * Records: the data file's first `--records` rows, explained one at a time as `/predict` does.
 * Wall and CPU time per side, the load average before and after, and the largest difference
 * between the two algorithms' values (relative to max(1, |value|)).
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { explainEnsemble, loadBundle, topContributions } from '../../src/automl/index.js';
import { applyPipelineWithSources, readFrame, takeRows } from '../../src/features/index.js';
import { ForestModel, GbdtModel, treeShap } from '../../src/learn/index.js';
import { referenceTreeShap } from '../../src/learn/explain/reference-tree-shap.js';
import type { FeatureTable, Predictor, TreeArrays } from '../../src/learn/types.js';
import { option } from '../measure.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const modelDir = option('model', '/tmp/credit30-shap');
const dataPath = option('data', join(root, '..', 'shared', 'datasets', 'credit_data.csv'));
const recordCount = Number(option('records', '100'));
const rounds = Number(option('rounds', '3'));

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');
const loadBefore = load();
const { model } = loadBundle(modelDir);
const frame = await readFrame(dataPath);
const records = Array.from({ length: Math.min(recordCount, frame.rows) }, (_, i) => takeRows(frame, [i]));

/** every tree model of the bundle (fold models of every member), its trees grouped by output */
interface TreeModel {
  readonly kind: 'boosting' | 'forest';
  readonly featureNames: readonly string[];
  readonly byOutput: readonly (readonly TreeArrays[])[];
}
const treeModels: TreeModel[] = [];
const explainedOutputs = model.task === 'multiclass' ? model.classes.length : 1;
const unwrap = (m: Predictor): Predictor => ('logScale' in m ? (m as { logScale: { inner: Predictor } }).logScale.inner : m);
for (const member of model.fittedMembers) {
  for (const fold of member.models) {
    const inner = unwrap(fold);
    if (!(inner instanceof GbdtModel || inner instanceof ForestModel)) continue;
    const byOutput = Array.from({ length: explainedOutputs }, (_, k) => inner.trees.filter((_, t) => t % inner.outputs === k));
    treeModels.push({ kind: inner instanceof GbdtModel ? 'boosting' : 'forest', featureNames: inner.featureNames, byOutput });
  }
}
const treeCount = treeModels.reduce((s, m) => s + m.byOutput.reduce((t, trees) => t + trees.length, 0), 0);
const tables: FeatureTable[] = records.map((r) => applyPipelineWithSources(model.manifest.pipeline, r).table);

type Shap = typeof treeShap;
function explainTrees(shap: Shap, table: FeatureTable, into?: Float64Array[], kind?: TreeModel['kind']): void {
  for (const m of treeModels) {
    if (kind && m.kind !== kind) continue;
    for (const trees of m.byOutput) {
      const { values } = shap(trees, m.featureNames.length, table, { featureNames: m.featureNames });
      into?.push(values);
    }
  }
}

interface Timing {
  wallMs: number;
  cpuMs: number;
}
function timed(run: () => void): Timing {
  const cpu = process.cpuUsage();
  const started = performance.now();
  run();
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - started, cpuMs: (used.user + used.system) / 1000 };
}
const add = (a: Timing, b: Timing): void => {
  a.wallMs += b.wallMs;
  a.cpuMs += b.cpuMs;
};

// the largest difference, and both sides warmed up (trees laid out, walkers made)
let worst = 0;
for (const table of tables) {
  const ours: Float64Array[] = [];
  const theirs: Float64Array[] = [];
  explainTrees(treeShap, table, ours);
  explainTrees(referenceTreeShap, table, theirs);
  ours.forEach((values, i) => values.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - theirs[i]![j]!) / Math.max(1, Math.abs(theirs[i]![j]!))))));
}
for (const r of records) topContributions(explainEnsemble(model, r), r, 5);

const kinds = (['boosting', 'forest'] as const).filter((k) => treeModels.some((m) => m.kind === k));
const reference = kinds.map((): Timing => ({ wallMs: 0, cpuMs: 0 }));
const fast = kinds.map((): Timing => ({ wallMs: 0, cpuMs: 0 }));
const whole: Timing = { wallMs: 0, cpuMs: 0 };
const scored: Timing = { wallMs: 0, cpuMs: 0 };
for (let round = 0; round < rounds; round++) {
  kinds.forEach((kind, i) => {
    add(reference[i]!, timed(() => tables.forEach((t) => explainTrees(referenceTreeShap, t, undefined, kind))));
    add(fast[i]!, timed(() => tables.forEach((t) => explainTrees(treeShap, t, undefined, kind))));
  });
  add(whole, timed(() => records.forEach((r) => topContributions(explainEnsemble(model, r), r, 5))));
  add(scored, timed(() => records.forEach((r) => model.predictFrame(r))));
}
const total = (timings: Timing[]): Timing => timings.reduce((a, b) => ({ wallMs: a.wallMs + b.wallMs, cpuMs: a.cpuMs + b.cpuMs }), { wallMs: 0, cpuMs: 0 });
const per = (t: Timing): string => `${(t.wallMs / (rounds * records.length)).toFixed(3)} ms wall, ${(t.cpuMs / (rounds * records.length)).toFixed(3)} ms CPU`;
const lines = [
  `bundle ${modelDir}: ${model.fittedMembers.length} members, ${treeModels.length} tree models, ${treeCount} trees; ${records.length} records × ${rounds} rounds, one record at a time`,
  `TreeSHAP over every tree, per record:`,
  ...kinds.flatMap((kind, i) => {
    const models = treeModels.filter((m) => m.kind === kind);
    const trees = models.reduce((s, m) => s + m.byOutput.reduce((t, byOutput) => t + byOutput.length, 0), 0);
    return [
      `  ${kind} (${models.length} fold models, ${trees} trees)`,
      `    classic (Lundberg 2018, before)   ${per(reference[i]!)}`,
      `    tree-shap.ts (now)                ${per(fast[i]!)}   ${(reference[i]!.cpuMs / fast[i]!.cpuMs).toFixed(1)}× less CPU`,
    ];
  }),
  `  all: classic ${per(total(reference))}; now ${per(total(fast))}`,
  `  speed-up                          ${(total(reference).wallMs / total(fast).wallMs).toFixed(1)}× wall, ${(total(reference).cpuMs / total(fast).cpuMs).toFixed(1)}× CPU`,
  `  largest difference                ${worst.toExponential(2)} (relative to max(1, |value|))`,
  `whole explanation (explainEnsemble + top 5), per record: ${per(whole)}`,
  `scoring alone (predictFrame), per record:                ${per(scored)}`,
  `load average before ${loadBefore}, after ${load()}`,
];
process.stdout.write(lines.join('\n') + '\n');
