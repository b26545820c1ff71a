import { lossOf, type Metric } from './metric-types.js';

export interface EnsembleMember {
  /** index into the candidates given */
  readonly candidate: number;
  readonly weight: number;
}

export interface EnsembleSelection {
  readonly members: readonly EnsembleMember[];
  /** the metric of the blended out-of-fold predictions */
  readonly score: number;
}

/**
 * Greedy ensemble selection with replacement (Caruana et al., 2004) over out-of-fold predictions:
 * start from the best candidate, then repeatedly add the one whose inclusion most lowers the loss
 * of the running average. Ties go to the lower index, so the result is deterministic.
 *
 * With a `deadline` (epoch ms) the selection stops when it passes, keeping the best blend found so
 * far, but not before one full round (the best single candidate). A rank metric on a large holdout
 * costs a sort per trial: 40 rounds over a few candidates of 266,667 rows took 10 s of a 30 s limit.
 */
export function selectEnsemble(
  oof: readonly Float64Array[],
  y: Float64Array,
  numClasses: number,
  metric: Metric,
  options: { readonly rounds?: number; readonly deadline?: number } = {},
): EnsembleSelection {
  const { rounds = 40, deadline } = options;
  if (oof.length === 0) throw new Error('selectEnsemble needs at least one candidate');
  const width = oof[0]!.length;
  const counts = new Array<number>(oof.length).fill(0);
  const sum = new Float64Array(width);
  const trial = new Float64Array(width);
  let size = 0;
  let bestLoss = Infinity;
  let bestCounts = counts.slice();
  let late = false;
  for (let round = 0; round < rounds && !late; round++) {
    let chosen = -1;
    let chosenLoss = Infinity;
    for (let c = 0; c < oof.length; c++) {
      if (round > 0 && deadline !== undefined && Date.now() >= deadline) {
        late = true;
        break;
      }
      const p = oof[c]!;
      for (let i = 0; i < width; i++) trial[i] = (sum[i]! + p[i]!) / (size + 1);
      const loss = lossOf(metric, y, trial, numClasses);
      if (loss < chosenLoss - 1e-12) {
        chosenLoss = loss;
        chosen = c;
      }
    }
    if (chosen < 0) break;
    const p = oof[chosen]!;
    for (let i = 0; i < width; i++) sum[i] = sum[i]! + p[i]!;
    size++;
    counts[chosen] = counts[chosen]! + 1;
    if (chosenLoss < bestLoss - 1e-12) {
      bestLoss = chosenLoss;
      bestCounts = counts.slice();
    }
  }
  const total = bestCounts.reduce((a, b) => a + b, 0);
  const members = bestCounts.flatMap((count, candidate) => (count > 0 ? [{ candidate, weight: count / total }] : []));
  return { members, score: metric.higherIsBetter ? -bestLoss : bestLoss };
}

/**
 * Leaves out the dearest members an ensemble can do without: members in order of `cost` (per row,
 * dearest first) are dropped — the others' weights scaled back to 1 — while the blend's out-of-fold
 * loss stays within `tolerance` (relative) of the whole ensemble's. The loss is measured against the
 * whole ensemble each time, so the drops add up to at most the tolerance. One member always stays.
 */
export function pruneForCost(
  selection: EnsembleSelection,
  oof: readonly Float64Array[],
  y: Float64Array,
  numClasses: number,
  metric: Metric,
  cost: readonly number[],
  tolerance: number,
): EnsembleSelection & { readonly dropped: readonly number[] } {
  const base = metric.higherIsBetter ? -selection.score : selection.score;
  const allowed = base + tolerance * Math.max(Math.abs(base), 1e-12);
  let kept = [...selection.members];
  let loss = base;
  const dropped: number[] = [];
  const dearestFirst = [...selection.members].sort((a, b) => cost[b.candidate]! - cost[a.candidate]! || a.candidate - b.candidate);
  for (const member of dearestFirst) {
    if (kept.length === 1) break;
    const rest = kept.filter((m) => m.candidate !== member.candidate);
    const total = rest.reduce((s, m) => s + m.weight, 0);
    const reweighted = rest.map((m) => ({ candidate: m.candidate, weight: m.weight / total }));
    const trial = lossOf(metric, y, blend(reweighted.map((m) => oof[m.candidate]!), reweighted.map((m) => m.weight)), numClasses);
    if (trial <= allowed) {
      kept = reweighted;
      loss = trial;
      dropped.push(member.candidate);
    }
  }
  return { members: kept, score: metric.higherIsBetter ? -loss : loss, dropped };
}

/**
 * The weighted average of candidates' predictions, Σ 0 + w·p in candidate order; into `into` when
 * given (the first prediction itself, say, when it is a scratch array: no array of its size made).
 */
export function blend(predictions: readonly Float64Array[], weights: readonly number[], into?: Float64Array): Float64Array {
  const out = into ?? new Float64Array(predictions[0]?.length ?? 0);
  predictions.forEach((p, m) => {
    const w = weights[m]!;
    if (m === 0) for (let i = 0; i < out.length; i++) out[i] = 0 + w * p[i]!;
    else for (let i = 0; i < out.length; i++) out[i] = out[i]! + w * p[i]!;
  });
  return out;
}
