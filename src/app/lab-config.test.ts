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

describe('autolab.yaml: the gold section', () => {
  const base = 'catalog: sqlite:.autolab/catalog.sqlite\nstore: file:.autolab/store\n';

  it('takes the depth of feature synthesis and its windows of days, and refuses what is not whole numbers', () => {
    expect(parseConfig(`${base}gold:\n  depth: 1\n`, 'autolab.yaml').gold).toEqual({ depth: 1 });
    expect(parseConfig(`${base}gold:\n  recentDays: [7, 30]\n`, 'autolab.yaml').gold).toEqual({ recentDays: [7, 30] });
    expect(() => parseConfig(`${base}gold:\n  recentDays: 7\n`, 'autolab.yaml')).toThrow(/\(gold\.recentDays: .*\) — gold: takes depth .* and recentDays/);
    expect(parseConfig(base, 'autolab.yaml').gold).toBeUndefined();
    expect(() => parseConfig(`${base}gold:\n  depth: 1.5\n`, 'autolab.yaml')).toThrow(/\(gold\.depth: .*\) — gold: takes depth \(a whole number of hops from 0 to 4\)/);
    expect(() => parseConfig(`${base}gold:\n  deep: 1\n`, 'autolab.yaml')).toThrow(/\(gold: /);
  });
});
