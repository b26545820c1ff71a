import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureOutput, err, out, run } from './cli.testutil.js';
import { labWithModel } from './models.testutil.js';

captureOutput();

const work = mkdtempSync(join(tmpdir(), 'autolab-predict-project-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('autolab predict PROJECT', () => {
  it('scores the project\'s target table into gold.TABLE_predictions once per version and snapshot, and exports it', async () => {
    const root = join(work, 'lab');
    await labWithModel(root, {}, 1);
    process.chdir(root);

    expect(await run('predict', 'churn')).toBe(2);
    expect(err).toMatch(/^autolab: project churn has no model in production to score with — give a version/);
    expect(await run('predict', 'churn', '--version', 'two')).toBe(2);
    expect(err).toMatch(/^autolab: model version 'two' is not a positive whole number/);
    expect(await run('predict', 'models/churn')).toBe(2);
    expect(err).toBe('autolab: models/churn is a model bundle: give the data file to score too — autolab predict models/churn DATA [--out FILE]\n');
    expect(await run('predict', 'models/churn', 'customers.csv', '--version', '1')).toBe(2);
    expect(err).toMatch(/^autolab: --version picks a version of a project/);

    expect(await run('predict', 'churn', '--version', '1', '--out', 'scored.csv')).toBe(0);
    expect(out).toBe('scored 300 rows with model version 1: gold.customers_predictions of churn, exported to scored.csv\n');
    const lines = readFileSync(join(root, 'scored.csv'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(301);
    expect(lines[0]).toMatch(/^(id|row),prediction,proba_no,proba_yes,model_version,scored_at$/);

    expect(await run('predict', 'churn', '--version', '1', '--json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ project: 'churn', name: 'customers_predictions', version: 1, rows: 300, scored: false });
    expect(await run('export', 'churn', 'gold.customers_predictions', '--out', 'again.parquet')).toBe(0);
    expect(out).toContain('300');
  }, 120_000);
});
