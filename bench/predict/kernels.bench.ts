/**
 * The batch kernels of tree prediction side by side, in one process: the generic wasm walk
 * (`wasm-prediction.ts`) against the trees compiled to code (`wasm-compiled-trees.ts`), on every
 * tree model of a bundle (each member's fold models) and the same rows, the two alternating round
 * by round (the ratio is the figure to read on a shared machine).
 *
 *   node --import tsx bench/predict/kernels.bench.ts --model DIR [--data CSV] [--rows 200000] [--rounds 3] [--threads 1]
 *     [--chunk-bytes N] [--max-tree-nodes N] [--branch-free N] [--paired-nodes N]
 *
 * Rows: the data file's rows through the bundle's pipeline, repeated to `--rows`. Printed per tree
 * model: trees, nodes, the compiled module's size and compile time; then per round the wall time
 * of each kernel over all models, and ns per row × tree visit. The sums are checked bit for bit.
 */
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from '../../src/automl/index.js';
import { treeModelOf } from '../../src/automl/tree-model.js';
import { applyPipeline, readFrame } from '../../src/features/index.js';
import { PackedTrees } from '../../src/learn/trees/packed-trees.js';
import { compiledTreesModule, type CompileOptions } from '../../src/learn/trees/wasm-compiled-trees.js';
import { option } from '../measure.js';

const args = process.argv.slice(2);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const modelDir = option('model', '/tmp/ct-model');
const dataPath = option('data', join(root, '..', 'shared', 'datasets', 'credit_data.csv'));
const rows = Number(option('rows', '200000'));
const rounds = Number(option('rounds', '3'));
const threads = Number(option('threads', '1'));
const compileOptions: CompileOptions = {
  ...(args.includes('--chunk-bytes') ? { chunkBytes: Number(option('chunk-bytes', '0')) } : {}),
  ...(args.includes('--max-tree-nodes') ? { maxTreeNodes: Number(option('max-tree-nodes', '0')) } : {}),
  ...(args.includes('--branch-free') ? { branchFree: Number(option('branch-free', '0')) } : {}),
  ...(args.includes('--paired-nodes') ? { pairedNodes: Number(option('paired-nodes', '0')) } : {}),
};
const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

const loadBefore = load();
const { model } = loadBundle(modelDir);
const table = applyPipeline(model.manifest.pipeline, await readFrame(dataPath));
const tiled = new Map(table.columns.map((c) => [c.name, Float64Array.from({ length: rows }, (_, i) => c.values[i % table.rows]!)]));

interface Scored {
  readonly name: string;
  readonly packed: PackedTrees;
  readonly columns: Float64Array[];
  readonly outputs: number;
  readonly trees: number;
}
const scored: Scored[] = [];
model.fittedMembers.forEach((member, m) => {
  member.models.forEach((fold, f) => {
    const inner = treeModelOf(fold);
    if (inner === undefined) return;
    const k = inner.outputs;
    const columns = inner.featureNames.map((name) => tiled.get(name)!);
    scored.push({ name: `member ${m} ${inner.constructor.name} fold ${f}`, packed: new PackedTrees(inner.trees, (t) => t % k), columns, outputs: k, trees: inner.trees.length });
  });
});

console.log(`kernels on ${rows.toLocaleString('en')} rows, ${threads} thread(s), model ${modelDir}, compile options ${JSON.stringify(compileOptions)} (load average ${loadBefore})`);
let visits = 0;
for (const s of scored) {
  const nodes = s.packed.nodes.length / 2;
  const started = performance.now();
  const bytes = compiledTreesModule(s.packed, compileOptions).length;
  const generated = performance.now();
  s.packed.compile(compileOptions);
  const compiled = performance.now();
  visits += rows * s.trees;
  console.log(
    `  ${s.name.padEnd(28)} ${String(s.trees).padStart(5)} trees ${String(nodes).padStart(7)} nodes  ${(bytes / 1024).toFixed(0).padStart(6)} KiB  generated in ${(generated - started).toFixed(0)} ms, compiled in ${(compiled - generated).toFixed(0)} ms`,
  );
}

const run = (kernel: 'walk' | 'compiled'): { ms: number; cpuMs: number; sums: Float64Array[] } => {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const sums = scored.map((s) => {
    const out = new Float64Array(rows * s.outputs);
    s.packed.accumulate(s.columns, rows, s.outputs, out, threads, kernel);
    return out;
  });
  const used = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (used.user + used.system) / 1000, sums };
};
const same = (a: Float64Array, b: Float64Array): boolean => Buffer.from(a.buffer).equals(Buffer.from(b.buffer));
const ratios: number[] = [];
for (let round = 0; round < rounds; round++) {
  const order: ('walk' | 'compiled')[] = round % 2 === 0 ? ['walk', 'compiled'] : ['compiled', 'walk'];
  const timed = Object.fromEntries(order.map((kernel) => [kernel, run(kernel)])) as Record<'walk' | 'compiled', ReturnType<typeof run>>;
  const identical = timed.walk.sums.every((s, i) => same(s, timed.compiled.sums[i]!));
  const ns = (ms: number): string => ((ms * 1e6) / visits).toFixed(1);
  const side = (t: ReturnType<typeof run>): string => `${t.ms.toFixed(0)} ms wall, ${t.cpuMs.toFixed(0)} ms CPU (${ns(t.cpuMs)} ns/visit)`;
  ratios.push(timed.compiled.cpuMs / timed.walk.cpuMs);
  console.log(`  round ${round + 1}: walk ${side(timed.walk)}, compiled ${side(timed.compiled)}: compiled / walk ${(timed.compiled.cpuMs / timed.walk.cpuMs).toFixed(3)} CPU, sums ${identical ? 'bit-identical' : 'DIFFER'}`);
}
const sorted = [...ratios].sort((a, b) => a - b);
console.log(`  median CPU ratio compiled / walk ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)} (first round included: V8 compiles the chunks lazily, then again optimised); load average at end ${load()}`);
