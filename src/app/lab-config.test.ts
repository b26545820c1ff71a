import { describe, expect, it } from 'vitest';
import { parseConfig } from './lab-config.js';

describe('autolab.yaml: the monitor section', () => {
  const base = 'catalog: sqlite:.autolab/catalog.sqlite\nstore: file:.autolab/store\n';

  it('takes a webhook, a window and drift thresholds', () => {
    const config = parseConfig(`${base}monitor:\n  webhook: \${env:HOOK}\n  window: week\n  thresholds:\n    driftShare: 0.3\n    pValue: 0.01\n`, 'autolab.yaml');
    expect(config.monitor).toEqual({ webhook: '${env:HOOK}', window: 'week', thresholds: { driftShare: 0.3, pValue: 0.01 } });
    expect(parseConfig(base, 'autolab.yaml').monitor).toBeUndefined();
  });

  it('refuses a window or threshold it does not know, naming where', () => {
    expect(() => parseConfig(`${base}monitor:\n  window: fortnight\n`, 'autolab.yaml')).toThrow(/autolab\.yaml is not a valid lab configuration \(monitor\.window: .*\) — monitor: takes webhook, window \(day, week or month\)/);
    expect(() => parseConfig(`${base}monitor:\n  thresholds:\n    pValue: 5\n`, 'autolab.yaml')).toThrow(/\(monitor\.thresholds\.pValue: /);
    expect(() => parseConfig(`${base}monitor:\n  treshold: 1\n`, 'autolab.yaml')).toThrow(/\(monitor: /);
  });
});

describe('autolab.yaml: the retraining policy', () => {
  const base = 'catalog: sqlite:.autolab/catalog.sqlite\nstore: file:.autolab/store\n';

  it('takes per project what triggers a training and whether an approved version goes live, with defaults', () => {
    const config = parseConfig(`${base}retraining:\n  churn:\n    on: drift\n  sales:\n    deploy: manual\n`, 'autolab.yaml');
    expect(config.retraining).toEqual({ churn: { on: 'drift', deploy: 'auto' }, sales: { on: 'new-data', deploy: 'manual' } });
  });

  it('refuses a trigger it does not know, naming where and what it takes', () => {
    expect(() => parseConfig(`${base}retraining:\n  churn:\n    on: weekly\n`, 'autolab.yaml')).toThrow(/\(retraining\.churn\.on: .*\) — retraining: takes, per project, on \(new-data, drift, performance, alert or manual\)/);
  });
});
