import type { ProjectRecord } from '../catalog/index.js';

/**
 * A stage of the flow as data: which units of work it has for a project now, keyed by the content
 * hashes of their inputs, and how to do one. The runtime (`runAction`, `reconcile`) does what every
 * stage would otherwise repeat: reuse a result whose inputs did not change, claim the work so that
 * two processes never do it twice, store the outputs before recording them, record failures.
 */
export interface Unit {
  /** the unit within its stage and project: `source/table`, a table, or `''` for the whole project */
  readonly unit: string;
  /** named content hashes (or other stable identifiers) the work depends on: same inputs, same outputs */
  readonly inputs: Readonly<Record<string, string>>;
  /** plain JSON the work needs besides its inputs (names, options); not part of its identity */
  readonly params: Readonly<Record<string, unknown>>;
}

export interface StageOutput {
  /** named content hashes of what the work made, already durable (in the store or the catalog) */
  readonly outputs: Readonly<Record<string, string>>;
  readonly bytesWritten: number;
  /** small JSON for the action log (rows, version, metric …) */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** What a stage has to do for a project now: units, or nothing until a person acts. */
export type StagePlan = { readonly units: readonly Unit[] } | { readonly waitsOn: string };

export interface Stage<Context> {
  /** the action kind its units are recorded under, e.g. `ingest.table` */
  readonly kind: string;
  /** bumped when the work changes meaning: results recorded under another version are made again */
  readonly version: number;
  plan(context: Context, project: ProjectRecord): Promise<StagePlan>;
  run(context: Context, project: ProjectRecord, unit: Unit): Promise<StageOutput>;
  /**
   * Whether a recorded result can still be used: its outputs are where they should be. A result
   * whose artifacts are gone is made again rather than trusted.
   */
  usable?(context: Context, outputs: Readonly<Record<string, string>>, unit: Unit): Promise<boolean>;
}
