import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleGold } from '../automl/index.js';
import type { ProjectRecord } from '../catalog/index.js';
import { InputError, tempPrefix } from '../common/index.js';
import { readFrame, type FrameRead } from '../features/index.js';
import { buildGold, cleanedRows, copyToParquet, openDuckEngine, type SilverPlan } from '../lake/index.js';
import { checkDataFile, readDataFile } from '../sources/index.js';
import type { Lab } from './lab-types.js';
import { resolveProject } from './project.js';
import { currentSilver, type SilverTable } from './stages/silver-stage.js';

/** The current silver table of every table a bundle's gold plan reads; a one-line error naming one that has none. */
export async function goldSilverTables(lab: Lab, project: ProjectRecord, gold: BundleGold): Promise<SilverTable[]> {
  const silver = await currentSilver(lab, project);
  return gold.plan.tables.map((table) => {
    const found = silver.tables.find((t) => t.table === table.name);
    if (!found) throw new InputError(`the model's features read table ${table.name} of project ${project.name}, which has no current silver table`, `run \`autolab run ${project.name}\` (or \`autolab silver ${project.name}\`) first`);
    return found;
  });
}

/** Each silver table's Parquet as a local file (fetched from S3 when the store is there), by table name. */
export async function localPathsOf(lab: Lab, tables: readonly SilverTable[]): Promise<Record<string, string>> {
  const paths: Record<string, string> = {};
  for (const table of tables) paths[table.table] = await lab.store.localPathFor(table.lakeKey);
  return paths;
}

/**
 * A model trained on gold scores new rows of its target table: the rows are read as ingest reads
 * a file and cleaned as silver cleaned training's (the bundle's `clean`), then the bundle's feature
 * plan is computed for them by DuckDB, every related table looked up in the project's current
 * silver — the same SQL that made the training rows, so the same features.
 */
export async function goldFeaturesOf(lab: Lab, gold: BundleGold, clean: SilverPlan | undefined, dataPath: string, textColumns: readonly string[]): Promise<FrameRead> {
  await checkDataFile(dataPath);
  const project = await resolveProject(lab, gold.project);
  const tablePaths = await localPathsOf(lab, await goldSilverTables(lab, project, gold));
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
