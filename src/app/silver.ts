import type { ProjectRecord } from '../catalog/index.js';
import { describeError } from '../common/index.js';
import { runAction } from '../runtime/index.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { reportStage } from './stages/explore-stages.js';
import { currentSilver, silverStage, type SilverTable } from './stages/silver-stage.js';
import { stageContext, type StageContext } from './stages/stage-context.js';

/**
 * `autolab silver` and `autolab check`, and what training needs first: every explored table's
 * silver brought up to date (built where its snapshot, tags or rules changed, reused elsewhere).
 */

export interface SilverOutcome {
  readonly tables: readonly SilverTable[];
  /** tables whose build stopped (a `fail` rule that failed, or an error), with the one-line reason */
  readonly failed: readonly { readonly table: string; readonly error: string; readonly cause: unknown }[];
  /** why nothing was built: tags wait on a person */
  readonly waitsOn?: string;
}

export async function buildSilverTables(lab: Lab, project: ProjectRecord, context: StageContext = stageContext(lab)): Promise<SilverOutcome> {
  const plan = await silverStage.plan(context, project);
  if ('waitsOn' in plan) return { tables: [], failed: [], waitsOn: plan.waitsOn };
  const runtime = { catalog: lab.catalog, workerId: workerId() };
  const failed: { table: string; error: string; cause: unknown }[] = [];
  for (const unit of plan.units) {
    const outcome = await runAction(runtime, silverStage, context, project, unit);
    if (outcome.status === 'failed') failed.push({ table: unit.unit, error: describeError(outcome.error), cause: outcome.error });
  }
  const { tables, waitsOn } = await currentSilver(lab, project);
  if (waitsOn !== undefined) return { tables, failed, waitsOn };
  // the HTML report shows the quality report of what was just built
  const report = await reportStage.plan(context, project);
  if (failed.length === 0 && 'units' in report) for (const unit of report.units) await runAction(runtime, reportStage, context, project, unit);
  return { tables, failed };
}

/** The rules that found rows breaking them in the current silver (what `autolab check` fails on). */
export function brokenRules(outcome: SilverOutcome): { table: string; rule: string; action: string; failed: number; examples: readonly (string | null)[] }[] {
  return outcome.tables.flatMap((t) =>
    t.report.rules.filter((r) => r.kind !== 'type' && r.failed > 0).map((r) => ({ table: t.table, rule: r.id, action: r.action, failed: r.failed, examples: r.examples })),
  );
}
