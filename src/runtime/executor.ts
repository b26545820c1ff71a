import type { ProjectRecord } from '../catalog/index.js';
import { runAction, type ActionOutcome, type RunActionOptions, type RuntimeContext } from './run-action.js';
import type { Stage, Unit } from './stage.js';

/**
 * One unit of work to do, as plain data: the stage's kind, the project and the unit. A queue can
 * carry it to a worker on another machine, which finds the stage by its kind.
 */
export interface ActionJob {
  readonly kind: string;
  readonly project: ProjectRecord;
  readonly unit: Unit;
  /** why it runs (`new`, `inputs changed: bronze 667f… → 23b8…`), recorded with its action */
  readonly reason?: string;
}

/** Does jobs and says how each went; implementations run them here or elsewhere. */
export interface Executor {
  execute(jobs: readonly ActionJob[], onOutcome?: (job: ActionJob, outcome: ActionOutcome) => void): Promise<ActionOutcome[]>;
}

/**
 * Runs jobs in this process, at most `concurrency` at once (sources and tables side by side: their
 * work waits mostly on DuckDB's threads, the disk and the network).
 */
export class LocalExecutor<Context> implements Executor {
  readonly #runtime: RuntimeContext;
  readonly #context: Context;
  readonly #stages: ReadonlyMap<string, Stage<Context>>;
  readonly #concurrency: number;
  readonly #options: RunActionOptions;

  constructor(runtime: RuntimeContext, context: Context, stages: readonly Stage<Context>[], options: RunActionOptions & { concurrency?: number } = {}) {
    this.#runtime = runtime;
    this.#context = context;
    this.#stages = new Map(stages.map((s) => [s.kind, s]));
    this.#concurrency = Math.max(1, options.concurrency ?? 2);
    this.#options = options;
  }

  async execute(jobs: readonly ActionJob[], onOutcome?: (job: ActionJob, outcome: ActionOutcome) => void): Promise<ActionOutcome[]> {
    const outcomes = new Array<ActionOutcome>(jobs.length);
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < jobs.length) {
        const i = next++;
        const job = jobs[i]!;
        const stage = this.#stages.get(job.kind);
        if (!stage) throw new Error(`no stage of kind ${job.kind} is registered`);
        outcomes[i] = await runAction(this.#runtime, stage, this.#context, job.project, job.unit, job.reason !== undefined ? { ...this.#options, reason: job.reason } : this.#options);
        onOutcome?.(job, outcomes[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, jobs.length) }, lane));
    return outcomes;
  }
}
