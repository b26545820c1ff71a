import { isAbsolute, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { LabError, describeError, registerSecret } from '../common/index.js';
import { HUMILITY_HINT, humilitySectionShape } from '../monitor/humility/index.js';
import type { LabConfig } from './lab-types.js';

export const CONFIG_FILE = 'autolab.yaml';
export const LAB_DIR = '.autolab';
export const DEFAULT_CATALOG = `sqlite:${LAB_DIR}/catalog.sqlite`;
export const DEFAULT_STORE = `file:${LAB_DIR}/store`;
export const DEFAULT_TIME_LIMIT_SECONDS = 60;

const configSchema = z.object({
  catalog: z.string().min(1),
  store: z.string().min(1),
  defaults: z
    .object({
      timeLimitSeconds: z.number().positive().default(DEFAULT_TIME_LIMIT_SECONDS),
      autoAcceptTags: z.boolean().default(false),
    })
    .default({ timeLimitSeconds: DEFAULT_TIME_LIMIT_SECONDS, autoAcceptTags: false }),
  // per project: approve a challenger that beats the production model on its holdout by this margin (the metric's units)
  approval: z.record(z.string(), z.object({ autoApproveMargin: z.number().nonnegative() }).strict()).optional(),
  // per project: what triggers a new training once a model is in production, and whether an approved one goes live by itself
  retraining: z
    .record(
      z.string(),
      z
        .object({
          on: z.enum(['new-data', 'drift', 'performance', 'alert', 'manual']).default('new-data'),
          deploy: z.enum(['auto', 'manual']).default('auto'),
        })
        .strict(),
    )
    .optional(),
  /**
   * monitoring: where a drift alert is POSTed (a URL, or `${env:NAME}` holding one), the window the
   * current rows are cut by (on a tagged time column), and the drift thresholds (Evidently's defaults)
   */
  monitor: z
    .object({
      webhook: z.string().min(1).optional(),
      window: z.enum(['day', 'week', 'month']).optional(),
      thresholds: z
        .object({
          pValue: z.number().gt(0).lt(1).optional(),
          wasserstein: z.number().positive().optional(),
          jensenShannon: z.number().gt(0).lt(1).optional(),
          driftShare: z.number().gt(0).max(1).optional(),
          smallReference: z.number().int().nonnegative().optional(),
        })
        .strict()
        .optional(),
    })
    .strict()
    .optional(),
  /** humility rules the prediction service runs on every record (`autolab serve PROJECT`), with per-project replacements */
  humility: humilitySectionShape.optional(),
  /** feature synthesis: hops outward from the target table, and windows of days before the cut-off (features/synthesis.ts's defaults when left out) */
  gold: z
    .object({ depth: z.number().int().min(0).max(4).optional(), recentDays: z.array(z.number().int().min(1).max(3660)).max(8).optional() })
    .strict()
    .optional(),
});

export function defaultConfig(overrides: { catalog?: string; store?: string } = {}): LabConfig {
  return {
    catalog: overrides.catalog ?? DEFAULT_CATALOG,
    store: overrides.store ?? DEFAULT_STORE,
    defaults: { timeLimitSeconds: DEFAULT_TIME_LIMIT_SECONDS, autoAcceptTags: false },
  };
}

export function configToYaml(config: LabConfig): string {
  return (
    '# autolab lab settings. URLs may use ${env:NAME} for passwords; relative paths are from this folder.\n' +
    stringify({ catalog: config.catalog, store: config.store, defaults: config.defaults, ...(config.approval ? { approval: config.approval } : {}), ...(config.retraining ? { retraining: config.retraining } : {}), ...(config.monitor ? { monitor: config.monitor } : {}), ...(config.humility ? { humility: config.humility } : {}), ...(config.gold ? { gold: config.gold } : {}) })
  );
}

export function parseConfig(text: string, file: string): LabConfig {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new LabError(`${file} is not valid YAML (${describeError(error).split('\n')[0]})`, 'fix the file by hand or restore it', {
      cause: error,
    });
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'the top level';
    const hints: Record<string, string> = {
      monitor: 'monitor: takes webhook, window (day, week or month) and thresholds (pValue, wasserstein, jensenShannon, driftShare, smallReference)',
      retraining: 'retraining: takes, per project, on (new-data, drift, performance, alert or manual) and deploy (auto or manual)',
      humility: HUMILITY_HINT,
      approval: 'approval: takes, per project, autoApproveMargin (a number ≥ 0 in the metric\'s units)',
      gold: 'gold: takes depth (a whole number of hops from 0 to 4) and recentDays (a list of whole numbers of days, e.g. [7, 30])',
    };
    const hint = hints[String(issue?.path[0])] ?? 'it needs catalog: and store: URLs';
    throw new LabError(`${file} is not a valid lab configuration (${where}: ${issue?.message ?? 'invalid'})`, hint);
  }
  return parsed.data;
}

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${env:NAME}` with the variable's value and registers it as a secret. A reference
 * that is part of a URL (a password) is URL-encoded; one that is the whole value is used as is.
 */
export function resolveEnvRefs(value: string, holder: string): string {
  const whole = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$/.test(value);
  return value.replace(ENV_REF, (_match, name: string) => {
    const resolved = process.env[name];
    if (resolved === undefined || resolved === '') {
      throw new LabError(`${holder} refers to \${env:${name}} but ${name} is not set`, `export ${name} before running autolab`);
    }
    registerSecret(resolved);
    return whole ? resolved : encodeURIComponent(resolved);
  });
}

/** `sqlite:relative/x` and `file:relative/dir` are taken from the lab root; everything else is left alone. */
export function absolutiseUrl(url: string, root: string): string {
  for (const scheme of ['sqlite:', 'file:']) {
    if (!url.startsWith(scheme)) continue;
    const rest = url.slice(scheme.length);
    if (rest.startsWith('/')) return url;
    return `${scheme}${isAbsolute(rest) ? rest : resolve(root, rest)}`;
  }
  return url;
}
