/**
 * How many training rows stood behind a prediction, for the "low-observation region" humility
 * rule. Defined on one member, the ensemble's heaviest-weighted tree member (under a stack, whose
 * members carry no weight, the first tree member in the bundle's order): for a row, the median
 * over every tree of that member — all its fold models, every class's trees — of the number of
 * training rows in the leaf the row reaches. The median, not the minimum: boosting grows many
 * small leaves on residuals, so nearly every row meets one leaf at the learner's minimum leaf size.
 */
import { applyPipeline, medianOfSorted, type Frame } from '../features/index.js';
import { featureColumns, treeLeaf, type ForestModel, type GbdtModel } from '../learn/index.js';
import type { TreeArrays } from '../learn/types.js';
import type { AutoModel } from './auto-model.js';
import { treeModelOf } from './tree-model.js';

export type LeafSupport =
  | {
      readonly available: true;
      /** the member's id (the leaderboard's) */
      readonly member: number;
      /** per row of `frame` (raw input columns, as `predictFrame` takes them): the median leaf row count */
      rows(frame: Frame): Float64Array;
    }
  | { readonly available: false; readonly reason: string };

/** The member whose leaves count (see above), or why there is none. */
export function leafSupportOf(model: AutoModel): LeafSupport {
  const { manifest } = model;
  const candidates = model.fittedMembers
    .map((member, m) => ({ member, m, trees: member.models.map(treeModelOf) }))
    .filter((c) => c.member.models.length > 0 && c.trees.every((t) => t !== undefined));
  if (candidates.length === 0) return { available: false, reason: 'no member of the ensemble is a tree model' };
  // a stable pick: the heaviest, the first of equals (under a stack all weigh 0)
  const chosen = candidates.reduce((best, c) => (c.member.weight > best.member.weight ? c : best));
  const models = chosen.trees as (GbdtModel | ForestModel)[];
  if (models.some((t) => t.trees.some((tree) => tree.count === undefined))) {
    return { available: false, reason: 'the bundle predates training-row counts in its trees (train it again)' };
  }
  return {
    available: true,
    member: manifest.members[chosen.m]?.id ?? chosen.m,
    rows(frame: Frame): Float64Array {
      const table = applyPipeline(manifest.pipeline, frame);
      const walks = models.map((t) => ({ trees: t.trees, columns: featureColumns(table, t.featureNames.length, { featureNames: t.featureNames }) }));
      const total = walks.reduce((s, w) => s + w.trees.length, 0);
      const counts = new Float64Array(total);
      const support = new Float64Array(frame.rows);
      for (let r = 0; r < frame.rows; r++) {
        let at = 0;
        for (const { trees, columns } of walks) for (const tree of trees) counts[at++] = leafCount(tree, columns, r);
        support[r] = medianOfSorted(counts.slice().sort());
      }
      return support;
    },
  };
}

function leafCount(tree: TreeArrays, columns: readonly Float64Array[], row: number): number {
  return tree.count![treeLeaf(tree, columns, row)]!;
}
