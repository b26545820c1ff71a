import type { ProjectRecord } from '../catalog/index.js';
import { inputsHash } from '../catalog/index.js';
import type { PredictionLogResult } from '../monitor/index.js';
import { productionVersion } from '../registry/index.js';
import type { Stage, StagePlan } from '../runtime/index.js';
import { FEEDBACK_PREFIX } from './feedback.js';
import type { Lab } from './lab-types.js';
import { monitorPredictionLog, PREDICTIONS_PREFIX } from './monitor-predictions.js';
import { thresholdsOf } from './monitor.js';
import type { StageContext } from './stages/stage-context.js';
import { getJson, putJson } from './stored-json.js';

/**
 * `monitor.predictions`: the production version's prediction log checked (drift per UTC day,
 * estimated and realised performance) whenever the log or the feedback has new files, or the
 * production version changed. Keyed by those file lists: a run with nothing new reuses the check.
 * The result goes to the store; the action's detail keeps the verdict, which `monitor.alert` reads.
 */

async function parquetKeys(lab: Lab, prefix: string): Promise<string[]> {
  return (await lab.store.listObjects(prefix)).filter((k) => k.endsWith('.parquet')).sort();
}

/** The realised metrics that fell below the holdout's interval, as `name value < holdout low`. */
export function metricsBelowHoldout(result: PredictionLogResult): string[] {
  return Object.entries(result.realised?.metrics ?? {})
    .filter(([, m]) => m.belowHoldout)
    .map(([name, m]) => `${name} ${m.value?.toFixed(3) ?? '—'} [${m.low?.toFixed(3) ?? '—'}, ${m.high?.toFixed(3) ?? '—'}] against the holdout's ${m.holdout?.value.toFixed(3) ?? '—'} [${m.holdout?.low.toFixed(3) ?? '—'}, ${m.holdout?.high.toFixed(3) ?? '—'}]`);
}

export const monitorLogStage: Stage<StageContext> = {
  kind: 'monitor.predictions',
  // 2: calibration checked on the holdout, CBPE on rescaled probabilities when it is off
  version: 2,
  async plan(context, project): Promise<StagePlan> {
    const { lab } = context;
    const production = await productionVersion(lab, project.name);
    const log = await parquetKeys(lab, PREDICTIONS_PREFIX);
    if (!production || log.length === 0) return { units: [] };
    const feedback = await parquetKeys(lab, FEEDBACK_PREFIX);
    return {
      units: [
        {
          unit: '',
          inputs: {
            model: production.bundleHash,
            log: inputsHash({ log }),
            feedback: inputsHash({ feedback }),
            ...(lab.config.monitor?.thresholds ? { thresholds: inputsHash(thresholdsOf(lab)) } : {}),
          },
          params: { version: production.version },
        },
      ],
    };
  },
  async run(context, project) {
    const { lab } = context;
    const checked = await monitorPredictionLog(lab, project);
    // logged predictions of other versions only: a check with nothing in it, said so
    const result = checked.result;
    const stored = await putJson(lab, checked);
    return { outputs: { result: stored.hash }, bytesWritten: stored.bytes, detail: result ? logDetail(result) : { why: (checked as { why: string }).why } };
  },
  async usable(context, outputs) {
    return outputs['result'] !== undefined && (await context.lab.store.has(outputs['result']));
  },
};

function logDetail(result: PredictionLogResult): Record<string, unknown> {
  return {
    version: result.model.version,
    rows: result.current.rows,
    windows: result.windows.length,
    windowsDrifted: result.windows.filter((w) => w.drift.datasetDrift).length,
    datasetDrift: result.drift.datasetDrift,
    drifted: result.drift.columns.filter((c) => c.drifted).map((c) => c.column),
    outcomes: result.feedback.matched,
    belowHoldout: metricsBelowHoldout(result),
  };
}

/** The newest prediction-log check of a project and its result, or null. */
export async function lastLogCheck(lab: Lab, project: ProjectRecord): Promise<{ hash: string; at: string; result: PredictionLogResult } | null> {
  const [record] = await lab.catalog.listActions({ project: project.name, kind: monitorLogStage.kind, status: 'done', limit: 1 });
  const hash = record?.outputs['result'];
  if (!record || hash === undefined) return null;
  const stored = await getJson<{ result: PredictionLogResult | null }>(lab, hash);
  return stored.result ? { hash, at: record.finishedAt ?? record.startedAt, result: stored.result } : null;
}
