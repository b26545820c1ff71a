import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleGold } from '../automl/index.js';
import { InputError, tempPrefix } from '../common/index.js';
import { readFrame, type FrameRead } from '../features/index.js';
import { buildGold, cleanedRows, copyToParquet, openDuckEngine, type SilverPlan } from '../lake/index.js';
import { checkDataFile, readDataFile } from '../sources/index.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
import { currentSilver } from './stages/silver-stage.js';

/**
 * A model trained on gold scores new rows of its target table: the rows are read as ingest reads
 * a file and cleaned as silver cleaned training's (the bundle's `clean`), then the bundle's feature
 * plan is computed for them by DuckDB, every related table looked up in the project's current
 * silver — the same SQL that made the training rows, so the same features.
 */
export async function goldFeaturesOf(lab: Lab, gold: BundleGold, clean: SilverPlan | undefined, dataPath: string, textColumns: readonly string[]): Promise<FrameRead> {
  await checkDataFile(dataPath);
  const project = await resolveProject(lab, gold.project);
  const silver = await currentSilver(lab, project);
  const tablePaths: Record<string, string> = {};
  for (const table of gold.plan.tables) {
    const found = silver.tables.find((t) => t.table === table.name);
    if (!found) throw new InputError(`the model's features read table ${table.name} of project ${project.name}, which has no current silver table`, `run \`autolab run ${project.name}\` (or \`autolab silver ${project.name}\`) first`);
    tablePaths[table.name] = await lab.store.localPathFor(found.lakeKey);
  }
  const tmp = await mkdtemp(join(lab.workDir, tempPrefix('score')));
  try {
    const rowsPath = join(tmp, 'rows.parquet');
    const featuresPath = join(tmp, 'features.parquet');
    let notes: readonly string[];
    const engine = await openDuckEngine(tmp);
    try {
      const sink = { consume: (conn: Parameters<typeof copyToParquet>[0], sql: string, params: Parameters<typeof copyToParquet>[2]) => copyToParquet(conn, `SELECT * FROM (${sql})`, params, rowsPath) };
      const quality = await readDataFile(engine.conn, dataPath, { kind: 'rows', consumer: clean ? cleanedRows(clean, sink) : sink }, { label: dataPath, workDir: tmp });
      notes = quality.notes;
      await buildGold(engine.conn, { plan: gold.plan, targetPath: rowsPath, tablePaths, withLabel: false }, featuresPath);
    } finally {
      engine.close();
    }
    return { frame: await readFrame(featuresPath, { textColumns, workDir: tmp }), notes };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
