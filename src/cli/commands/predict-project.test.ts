import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLab } from '../../app/lab.js';
import { trainProject } from '../../app/train.js';
import { captureOutput, err, out, run } from './cli.testutil.js';
import { labWithModel } from './models.testutil.js';

const repository = process.cwd();
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

    // a second version scores too; the first one's scoring, reused, is still what --out writes for it
    // trained from the repository's folder: the fold workers find their TypeScript loader from there
    process.chdir(repository);
    const lab = await openLab(root);
    try {
      await trainProject(lab, (await lab.catalog.getProject('churn'))!, { trials: 1, seed: 3, force: true });
    } finally {
      await lab.close();
      process.chdir(root);
    }
    expect(await run('predict', 'churn', '--version', '2', '--json')).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ version: 2, scored: true });
    expect(await run('predict', 'churn', '--version', '1', '--out', 'v1.csv')).toBe(0);
    expect(out).toMatch(/^model version 1 had scored these 300 rows already/);
    const versionColumn = (file: string) => new Set(readFileSync(join(root, file), 'utf8').trimEnd().split('\n').slice(1).map((l) => l.split(',').at(-2)));
    expect(versionColumn('v1.csv')).toEqual(new Set(['1']));
    // export takes the newest scoring of the table
    expect(await run('export', 'churn', 'gold.customers_predictions', '--out', 'newest.csv')).toBe(0);
    expect(versionColumn('newest.csv')).toEqual(new Set(['2']));
  }, 120_000);
});
