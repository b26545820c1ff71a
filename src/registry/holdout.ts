import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { OutOfFoldPredictions } from '../automl/index.js';
import { InputError } from '../common/index.js';

/**
 * A trained model's out-of-sample predictions, kept beside its bundle as `holdout.json` (outside
 * the bundle's hash: the model does not need them to predict). The registry's confidence
 * intervals, the model card and a champion's comparison are computed from them.
 */
export const HOLDOUT_FILE = 'holdout.json';

export interface HoldoutPredictions {
  /** 'out-of-fold': every training row, scored by the fold models that did not see it; 'holdout': one held-out part */
  readonly kind: 'out-of-fold' | 'holdout';
  /** row indices into the training table (silver, as read) */
  readonly rows: readonly number[];
  /** class indices into `classes`, or values */
  readonly y: readonly number[];
  /** row-major rows × classes probabilities, or one value per row */
  readonly predictions: readonly number[];
  readonly classes: readonly string[];
}

const shape = z.object({
  kind: z.enum(['out-of-fold', 'holdout']),
  rows: z.array(z.number().int().nonnegative()),
  y: z.array(z.number()),
  predictions: z.array(z.number().nullable()),
  classes: z.array(z.string()),
});

export function holdoutJson(oof: OutOfFoldPredictions, classes: readonly string[]): string {
  return JSON.stringify({ kind: oof.kind, rows: Array.from(oof.rows), y: Array.from(oof.y), predictions: Array.from(oof.predictions), classes });
}

/** The bundle folder's holdout predictions, or null for a bundle trained before they were kept. */
export function readHoldout(bundleDir: string): HoldoutPredictions | null {
  const path = join(bundleDir, HOLDOUT_FILE);
  if (!existsSync(path)) return null;
  let parsed: z.infer<typeof shape>;
  try {
    parsed = shape.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    throw new InputError(`${path} is damaged (not the holdout predictions this version writes)`, 'train the model again (autolab train --force)');
  }
  const width = parsed.classes.length === 0 ? 1 : parsed.classes.length;
  if (parsed.y.length !== parsed.rows.length || parsed.predictions.length !== parsed.rows.length * width) {
    throw new InputError(`${path} is damaged (${parsed.rows.length} rows but ${parsed.y.length} targets and ${parsed.predictions.length} predictions)`, 'train the model again (autolab train --force)');
  }
  // JSON has no NaN: a prediction that was NaN comes back as null
  return { ...parsed, predictions: parsed.predictions.map((p) => (p === null ? Number.NaN : p)) };
}
