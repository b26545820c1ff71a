import type { ProjectRecord } from '../catalog/index.js';
import { runAction } from '../runtime/index.js';
import { workerId } from './lab.js';
import type { Lab } from './lab-types.js';
import { buildSilverTables } from './silver.js';
import { aggregatesStage, currentAggregates, type AggregateTableRef } from './stages/aggregates-stage.js';
import { currentGold, goldStage, type GoldTableRef } from './stages/gold-stage.js';
import { stageContext, type StageContext } from './stages/stage-context.js';

/**
 * `autolab gold`, and what training needs first: the project's gold table brought up to date
 * (built when its silver, tags or feature plan changed, reused otherwise).
 */
export interface GoldOutcome {
  /** false: the project learns from its target table's silver (one table, a target column) */
  readonly applies: boolean;
  readonly table: GoldTableRef | null;
  /** 'done' when built now, 'reused' when it was current */
  readonly status: 'done' | 'reused' | null;
  /** why there is none: tags wait on a person */
  readonly waitsOn?: string;
  /** the build's error, when it failed */
  readonly failed?: unknown;
  /** the business aggregates built (or current): per period, overall and per category */
  readonly aggregates: readonly AggregateTableRef[];
}

export async function buildGoldTable(lab: Lab, project: ProjectRecord, context: StageContext = stageContext(lab), options: { readonly silverFirst?: boolean } = {}): Promise<GoldOutcome> {
  if (options.silverFirst) {
    const silver = await buildSilverTables(lab, project, context);
    if (silver.waitsOn) return { applies: false, table: null, status: null, waitsOn: silver.waitsOn, aggregates: [] };
    if (silver.failed[0]) return { applies: false, table: null, status: null, failed: silver.failed[0].cause, aggregates: [] };
  }
  const plan = await goldStage.plan(context, project);
  if ('waitsOn' in plan) return { applies: false, table: null, status: null, waitsOn: plan.waitsOn, aggregates: [] };
  const runtime = { catalog: lab.catalog, workerId: workerId() };
  // the dashboards' aggregates first: they need no feature table
  const aggregatesPlan = await aggregatesStage.plan(context, project);
  for (const unit of 'units' in aggregatesPlan ? aggregatesPlan.units : []) {
    const outcome = await runAction(runtime, aggregatesStage, context, project, unit);
    if (outcome.status === 'failed') return { applies: false, table: null, status: null, failed: outcome.error, aggregates: [] };
  }
  const aggregates = await currentAggregates(lab, project);
  const unit = plan.units[0];
  if (!unit) {
    const current = await currentGold(lab, project);
    return { applies: current.applies, table: null, status: null, aggregates };
  }
  const outcome = await runAction(runtime, goldStage, context, project, unit);
  if (outcome.status === 'failed') return { applies: true, table: null, status: null, failed: outcome.error, aggregates };
  const current = await currentGold(lab, project);
  return { applies: true, table: current.applies ? current.table : null, status: outcome.status, aggregates };
}
