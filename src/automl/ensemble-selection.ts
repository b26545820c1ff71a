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
 */
export function selectEnsemble(
  oof: readonly Float64Array[],
  y: Float64Array,
  numClasses: number,
  metric: Metric,
  rounds = 40,
): EnsembleSelection {
  if (oof.length === 0) throw new Error('selectEnsemble needs at least one candidate');
  const width = oof[0]!.length;
  const counts = new Array<number>(oof.length).fill(0);
  const sum = new Float64Array(width);
  const trial = new Float64Array(width);
  let size = 0;
  let bestLoss = Infinity;
  let bestCounts = counts.slice();
  for (let round = 0; round < rounds; round++) {
    let chosen = -1;
    let chosenLoss = Infinity;
    for (let c = 0; c < oof.length; c++) {
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

/** The weighted average of candidates' predictions. */
export function blend(predictions: readonly Float64Array[], weights: readonly number[]): Float64Array {
  const out = new Float64Array(predictions[0]?.length ?? 0);
  predictions.forEach((p, m) => {
    const w = weights[m]!;
    for (let i = 0; i < out.length; i++) out[i] = out[i]! + w * p[i]!;
  });
  return out;
}
