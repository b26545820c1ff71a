import { z } from 'zod';
import { InputError } from '../common/index.js';
import { loadServedModel, type ServedModel } from './served-model.js';
import { SLOT_NAMES, type SlotName, type SlotRouter, type SlotsConfig } from './slots.js';

/**
 * A deployment as data: which bundle each slot holds, which slot is live, the traffic split and
 * shadow mode. The registry's deployment record (or a JSON file an operator edits) says this; the
 * server follows it (`followDeployment`), loading and checking each new bundle before it swaps.
 */
const slotShape = z.object({ dir: z.string().min(1), version: z.string().min(1).optional(), name: z.string().min(1).optional() });
const deploymentShape = z.object({
  blue: slotShape.nullable().optional(),
  green: slotShape.nullable().optional(),
  live: z.enum(['blue', 'green']),
  weights: z.object({ blue: z.number().min(0), green: z.number().min(0) }).nullable().optional(),
  shadow: z.boolean().optional(),
});

export type SlotDeployment = z.infer<typeof slotShape>;
export type Deployment = z.infer<typeof deploymentShape>;

/** Parses a deployment given as JSON (from a file, the catalog, an HTTP body); an `InputError` naming the field otherwise. */
export function parseDeployment(value: unknown): Deployment {
  const parsed = deploymentShape.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InputError(`the deployment is not valid: ${issue.path.join('.') || 'it'}: ${issue.message}`, 'give { blue?: { dir, version? }, green?: …, live, weights?, shadow? }');
  }
  return parsed.data;
}

/**
 * Scores one record of missing values: a bundle that loads but cannot score (a damaged model file
 * read lazily, a pipeline this version does not know) fails here, before it takes traffic.
 */
export function healthCheck(model: ServedModel): void {
  const record = Object.fromEntries(model.schema.map((c) => [c.name, null]));
  const scored = model.score([record]);
  const values = scored.probabilities ?? Float64Array.from(scored.predictions as number[]);
  if (values.length === 0 || !values.every((v) => Number.isFinite(v))) {
    throw new InputError(`the model ${model.name} (${model.version}) scored a test record as ${String(values[0])}`, 'train the model again');
  }
}

/** Loaded models by folder and version, so that a deployment naming the same bundle again does not reload it. */
export class ModelCache {
  readonly #models = new Map<string, ServedModel>();

  get(slot: SlotDeployment): ServedModel {
    const key = JSON.stringify([slot.dir, slot.version ?? null, slot.name ?? null]);
    let model = this.#models.get(key);
    if (!model) {
      model = loadServedModel(slot.dir, { ...(slot.version ? { version: slot.version } : {}), ...(slot.name ? { name: slot.name } : {}) });
      healthCheck(model);
      this.#models.set(key, model);
    }
    return model;
  }

  /** Forgets models no slot of `keep` names (they stay alive while requests hold them). */
  retain(keep: readonly ServedModel[]): void {
    for (const [key, model] of this.#models) if (!keep.includes(model)) this.#models.delete(key);
  }
}

/** The slots a deployment describes, its bundles loaded (once) and checked. */
export function slotsOf(deployment: Deployment, cache: ModelCache): SlotsConfig {
  const models: Partial<Record<SlotName, ServedModel>> = {};
  for (const slot of SLOT_NAMES) {
    const given = deployment[slot];
    if (given) models[slot] = cache.get(given);
  }
  return { ...models, live: deployment.live, weights: deployment.weights ?? undefined, shadow: deployment.shadow ?? false };
}

/** Loads (once) and checks a deployment's bundles, then swaps the router's slots in one step. */
export function applyDeployment(router: SlotRouter, deployment: Deployment, cache: ModelCache): void {
  const config = slotsOf(deployment, cache);
  router.setSlots(config);
  cache.retain([config.blue, config.green].filter((m): m is ServedModel => m !== undefined));
}

export interface FollowOptions {
  /** how often `read` is called (default 1000 ms) */
  readonly intervalMs?: number;
  /** a deployment was applied (after its bundles loaded and passed the check) */
  readonly onApplied?: (deployment: Deployment) => void;
  /** a deployment could not be read or applied; the slots stay as they were */
  readonly onError?: (error: unknown) => void;
}

/**
 * Follows a deployment given as data: calls `read` every `intervalMs` and applies what it returns
 * when it differs from the last deployment applied. A deployment that fails (unreadable, a bundle
 * that does not load or fails its check) leaves the slots serving as they were, and is tried again
 * at the next poll (reported once while the failure lasts). Returns `stop` (resolves once a poll under way has ended).
 */
export function followDeployment(router: SlotRouter, read: () => unknown, options: FollowOptions = {}): { stop(): Promise<void> } {
  const cache = new ModelCache();
  let applied = '';
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  // a failure is reported when it starts or changes, not at every poll while it lasts
  let lastError = '';
  const poll = async (): Promise<void> => {
    try {
      const deployment = parseDeployment(await read());
      const key = JSON.stringify(deployment);
      if (key !== applied) {
        applyDeployment(router, deployment, cache);
        applied = key;
        options.onApplied?.(deployment);
      }
      lastError = '';
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastError) options.onError?.(error);
      lastError = message;
    }
  };
  const timer = setInterval(() => {
    if (stopped) return;
    running = running.then(poll);
  }, options.intervalMs ?? 1000);
  timer.unref();
  running = running.then(poll);
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
