/**
 * Local explanations of a bundle's ensemble: every member's contributions per input column (see
 * member-contributions.ts; a member's fold models averaged), weighted as the ensemble weighs them.
 *
 * What base + Σ contributions equals, per output (class 1 for binary, each class for multiclass):
 * - weighted average: Σ_m w_m · raw_m, each member's raw score being the mean of its fold models'
 *   raw scores (log-odds or softmax margin for boosting and linear models, class probability for
 *   forests and the prior, the value for regression, the log1p value for log-target members).
 *   For regression without log-target members that is the prediction itself. For classification the
 *   ensemble averages probabilities, so the sum is NOT the predicted probability nor its log-odds: it
 *   is the weighted mean of the members' raw scores, on mixed scales when forests and boosters mix.
 * - stack: the stacker is linear in its inputs (members' log-odds for classes, values for
 *   regression), so each member's contributions are weighted by the stacker's coefficient on it,
 *   averaged over the fold stackers; the sum is the fold stackers' mean margin when every member's
 *   raw score is its stack input — exact for boosting, linear and prior members (up to the log-odds
 *   clip at 1e-6), not for forests, whose probability is fed as log-odds.
 * Members that cannot be explained are named in `members` and left out; under an average the others'
 * weights are renormalised.
 */
import { InputError } from '../../common/index.js';
import { applyPipelineWithSources, type Frame } from '../../features/index.js';
import { LinearModel } from '../../learn/index.js';
import type { AutoModel } from '../auto-model.js';
import { STACK_EPS } from '../stacking.js';
import { explainedOutputs, explainModel, sourceColumnsOf, type ContributionScale, type ModelContributions } from './member-contributions.js';

export interface MemberNote {
  readonly id: number;
  readonly model: string;
  /** per explained output, the factor its contributions enter the ensemble's with */
  readonly weights: readonly number[];
  readonly scale: ContributionScale | null;
  /** why it is left out, when it is */
  readonly notExplained?: string;
}

export interface EnsembleExplanation {
  /** the input (source) columns, in the pipeline's order */
  readonly columns: readonly string[];
  /** what each output is: the positive class for binary, every class for multiclass, the target for regression */
  readonly outputs: readonly string[];
  readonly rows: number;
  /** per output: rows × columns, row-major */
  readonly contributions: readonly Float64Array[];
  /** per output: the ensemble's base value */
  readonly base: readonly number[];
  readonly members: readonly MemberNote[];
  /** what base + Σ contributions equals, in words */
  readonly sumEquals: string;
}

/** Contributions per input column for every row of `frame` (raw input columns, as `predictFrame` takes them). */
export function explainEnsemble(model: AutoModel, frame: Frame): EnsembleExplanation {
  const { manifest } = model;
  const { task } = manifest;
  const numClasses = Math.max(1, manifest.classes.length);
  const { table, sources } = applyPipelineWithSources(manifest.pipeline, frame);
  const columns = [...new Set(manifest.pipeline.steps.map((s) => s.column))];
  const columnIndex = new Map(columns.map((c, i) => [c, i]));
  const outputs = explainedOutputs(task, numClasses);
  const width = columns.length;
  const stacked = manifest.combiner.kind === 'stack';
  const sourceColumns = sourceColumnsOf(table, sources, columnIndex);

  // each member: its fold models' contributions averaged
  const explained = model.fittedMembers.map((member, m): { contributions: ModelContributions } | { reason: string } | null => {
    if (!stacked && !(member.weight > 0)) return null;
    const parts = member.models.map((fold) => explainModel(fold, table, sourceColumns, task, numClasses));
    const failed = parts.find((p) => !p.explained);
    if (failed && !failed.explained) return { reason: failed.reason };
    const values = Array.from({ length: outputs }, () => new Float64Array(frame.rows * width));
    const base = new Array<number>(outputs).fill(0);
    let scale: ContributionScale = 'value';
    for (const part of parts) {
      if (!part.explained) continue;
      scale = part.contributions.scale;
      for (let k = 0; k < outputs; k++) {
        const from = part.contributions.values[k]!;
        const to = values[k]!;
        for (let i = 0; i < to.length; i++) to[i] = to[i]! + from[i]! / parts.length;
        base[k] = base[k]! + part.contributions.base[k]! / parts.length;
      }
    }
    // a prior's class probability enters a stack as its log-odds: a constant, exactly so
    const memberConfig = manifest.members[m]?.config.kind;
    if (stacked && task !== 'regression' && memberConfig === 'prior') {
      for (let k = 0; k < outputs; k++) base[k] = logOdds(base[k]!);
      scale = task === 'binary' ? 'log-odds' : 'softmax-margin';
    }
    return { contributions: { scale, values, base } };
  });

  // mix[j][m][k]: how much member m's output k counts in the ensemble's output j; plus a constant per j
  const members = model.fittedMembers;
  const mix: number[][][] = Array.from({ length: outputs }, () => members.map(() => new Array<number>(outputs).fill(0)));
  const constant = new Array<number>(outputs).fill(0);
  if (stacked) {
    const stackers = model.fittedStackers.filter((s): s is LinearModel => s instanceof LinearModel);
    if (stackers.length === 0 || stackers.length !== model.fittedStackers.length) {
      throw new InputError('the bundle stacks its members with a model that is not linear, which has no explanation here', 'explain a bundle whose members are averaged or stacked linearly');
    }
    for (const stacker of stackers) {
      const { coef, intercept } = stacker.weights;
      const design = stacker.designSpec;
      for (let j = 0; j < outputs; j++) {
        constant[j] = constant[j]! + intercept[j]! / stackers.length;
        for (const column of design.columns) {
          if (column.kind !== 'numeric') continue;
          const input = /^m(\d+)(?:c(\d+))?$/.exec(column.name);
          if (!input) continue;
          const m = Number(input[1]);
          // binary stacks read class 1 only, which is the one explained output
          const k = input[2] === undefined || task === 'binary' ? 0 : Number(input[2]);
          const w = coef[j * design.width + column.slot]! / column.scale;
          mix[j]![m]![k] = mix[j]![m]![k]! + w / stackers.length;
          constant[j] = constant[j]! - (w * column.mean) / stackers.length;
        }
      }
    }
  } else {
    const usable = explained.reduce((s, e, m) => s + (e && 'contributions' in e ? members[m]!.weight : 0), 0);
    explained.forEach((e, m) => {
      if (!e || !('contributions' in e) || !(usable > 0)) return;
      for (let k = 0; k < outputs; k++) mix[k]![m]![k] = members[m]!.weight / usable;
    });
  }

  const contributions = Array.from({ length: outputs }, () => new Float64Array(frame.rows * width));
  const base = constant.slice();
  explained.forEach((e, m) => {
    if (!e || !('contributions' in e)) return;
    for (let j = 0; j < outputs; j++) {
      for (let k = 0; k < outputs; k++) {
        const w = mix[j]![m]![k]!;
        if (w === 0) continue;
        const from = e.contributions.values[k]!;
        const to = contributions[j]!;
        for (let i = 0; i < to.length; i++) to[i] = to[i]! + w * from[i]!;
        base[j] = base[j]! + w * e.contributions.base[k]!;
      }
    }
  });

  const notes: MemberNote[] = members.map((_, m) => {
    const e = explained[m];
    const bundleMember = manifest.members[m]!;
    const name = manifest.leaderboard.find((row) => row.id === bundleMember.id)?.model ?? bundleMember.config.kind;
    const weights = Array.from({ length: outputs }, (_, j) => mix[j]![m]![j]!);
    if (e && 'reason' in e) return { id: bundleMember.id, model: name, weights: weights.map(() => 0), scale: null, notExplained: e.reason };
    return { id: bundleMember.id, model: name, weights, scale: e ? e.contributions.scale : null };
  });
  return {
    columns,
    outputs: task === 'regression' ? [manifest.target] : task === 'binary' ? [manifest.classes[1]!] : [...manifest.classes],
    rows: frame.rows,
    contributions,
    base,
    members: notes,
    sumEquals: sumEqualsText(task, stacked),
  };
}

function logOdds(p: number): number {
  const q = Math.min(1 - STACK_EPS, Math.max(STACK_EPS, p));
  return Math.log(q / (1 - q));
}

function sumEqualsText(task: string, stacked: boolean): string {
  if (stacked) {
    return task === 'regression'
      ? "the stacker's prediction (its fold models' mean) from the members' raw scores"
      : "the stacker's margin (its fold models' mean) from the members' log-odds (exact for boosting and linear members, not for forests)";
  }
  return task === 'regression'
    ? "the weighted mean of the members' raw scores: the prediction, unless a member models log1p of the target"
    : "the weighted mean of the members' raw scores (log-odds for boosting and linear members, probability for forests), not the ensemble's probability, which averages probabilities";
}
