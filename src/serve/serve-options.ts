import { z } from 'zod';
import { humilityRulesShape } from '../monitor/humility/index.js';

/** How `autolab serve` runs: what it serves, where it listens, with how many workers, where it logs. */
export const serveOptionsShape = z.object({
  /** a bundle folder served in the blue slot */
  modelDir: z.string().optional(),
  /** a JSON file holding a `Deployment`, followed every `pollMs` */
  deploymentFile: z.string().optional(),
  pollMs: z.number().int().positive().default(1000),
  port: z.number().int().min(0).max(65535),
  host: z.string(),
  /** worker processes (one per core by default); 1 serves from this process */
  workers: z.number().int().min(1),
  /** the prediction log's folder; none: not logged (unless `labRoot`) */
  logDir: z.string().optional(),
  /** a lab whose lake takes the prediction log (`lake/predictions/<model>/`), when no `logDir` is given */
  labRoot: z.string().optional(),
  logFlushMs: z.number().int().positive().default(2000),
  maxRows: z.number().int().positive().default(10_000),
  bodyLimit: z.number().int().positive().default(16 * 1024 * 1024),
  /** humility rules run on every answered record (see monitor's humility-config.ts) */
  humility: humilityRulesShape.optional(),
});

export type ServeOptions = z.input<typeof serveOptionsShape>;
export type CheckedServeOptions = z.output<typeof serveOptionsShape>;
