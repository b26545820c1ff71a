import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from './lab-config.js';
import { servedHumilityRules } from './serve-humility.js';

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

describe('autolab.yaml: the humility section', () => {
  const base = 'catalog: sqlite:.autolab/catalog.sqlite\nstore: file:.autolab/store\n';
  const yaml = `${base}humility:\n  outlying: { zScore: 5 }\n  unseen: { action: refuse }\n  projects:\n    churn:\n      unseen: false\n      uncertain: { band: 0.05, action: fallback, fallback: review }\n`;

  it('takes rules for every project, replaced rule by rule per project', () => {
    const config = parseConfig(yaml, 'autolab.yaml');
    expect(servedHumilityRules({ config, project: 'other' })).toEqual({ outlying: { range: true, zScore: 5, action: 'flag' }, unseen: { action: 'refuse' } });
    expect(servedHumilityRules({ config, project: 'churn' })).toEqual({
      outlying: { range: true, zScore: 5, action: 'flag' },
      uncertain: { band: 0.05, threshold: 0.5, margin: 0.1, action: 'fallback', fallback: 'review' },
    });
    expect(servedHumilityRules({ config: parseConfig(base, 'autolab.yaml'), project: 'churn' })).toBeUndefined();
  });

  it('refuses a bad rule in one line, naming where and what it takes', () => {
    expect(() => parseConfig(`${base}humility:\n  unseen: { action: ignore }\n`, 'autolab.yaml')).toThrow(/^autolab\.yaml is not a valid lab configuration \(humility\.unseen\.action: .*\) — humility: takes uncertain/);
    expect(() => parseConfig(`${base}humility:\n  outlying: { action: fallback }\n`, 'autolab.yaml')).toThrow(/\(humility\.outlying\.fallback: action fallback needs a fallback: value\)/);
    expect(() => parseConfig(`${base}humility:\n  uncertain: { band: 2 }\n`, 'autolab.yaml')).toThrow(/\(humility\.uncertain\.band: /);
    expect(() => parseConfig(`${base}humility:\n  outlier: {}\n`, 'autolab.yaml')).toThrow(/\(humility: /);
  });

  it('reads a rules file for autolab serve, and says in one line what is wrong with one', () => {
    const dir = mkdtempSync(join(tmpdir(), 'autolab-humility-file-'));
    const file = join(dir, 'rules.yaml');
    writeFileSync(file, 'lowObservation: { minRows: 25, action: flag }\n');
    expect(servedHumilityRules({ file })).toEqual({ lowObservation: { minRows: 25, action: 'flag' } });
    writeFileSync(file, JSON.stringify({ humility: { unseen: { action: 'refuse' } } }));
    expect(servedHumilityRules({ file })).toEqual({ unseen: { action: 'refuse' } });
    writeFileSync(file, 'lowObservation: { minRows: -1 }\n');
    expect(() => servedHumilityRules({ file })).toThrow(new RegExp(`^the file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} does not hold valid humility rules \\(lowObservation\\.minRows: [^\\n]*\\) — humility: takes`));
    expect(() => servedHumilityRules({ file: join(dir, 'nope.yaml') })).toThrow(/^the humility rules file .*nope\.yaml cannot be read — check the path$/);
    rmSync(dir, { recursive: true, force: true });
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
