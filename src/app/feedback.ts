import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { ProjectRecord } from '../catalog/index.js';
import { InputError, tempPrefix } from '../common/index.js';
import { hasConfirmedTarget } from '../explore/index.js';
import { readFrame } from '../features/index.js';
import { copyToParquet, keySegment, openDuckEngine } from '../lake/index.js';
import { feedbackOf, FeedbackInputError, type FeedbackEntry } from '../monitor/index.js';
import type { Lab } from './lab-types.js';
import { currentTags } from './tags.js';
import { trainingColumns } from './train.js';

/**
 * Outcomes that arrived after their predictions, kept in the lake beside the prediction log: one
 * Parquet file per batch under `lake/feedback/<service>/` (a `POST /feedback`, an `autolab feedback`
 * file). Monitoring joins them to the logged predictions by id, or by the record's key.
 */

export const FEEDBACK_PREFIX = 'lake/feedback/';

const COLUMNS = `{id: 'VARCHAR', key: 'VARCHAR', outcome: 'VARCHAR', time: 'BIGINT'}`;
const SELECT = `SELECT id, key, outcome, epoch_ms(time) AS time FROM read_json($batch, format = 'newline_delimited', columns = ${COLUMNS})`;

let written = 0;

/** Writes `entries` as one Parquet file into the lab's store under `lake/feedback/<service>/`; its key. */
export async function writeFeedback(lab: Pick<Lab, 'store' | 'workDir'>, service: string, entries: readonly FeedbackEntry[]): Promise<string> {
  const scratch = await mkdtemp(join(lab.workDir, tempPrefix('feedback')));
  const engine = await openDuckEngine(scratch, { threads: 1, memoryLimit: '256MB' });
  try {
    const lines = join(scratch, 'batch.jsonl');
    await writeFile(lines, entries.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const name = `feedback-${new Date().toISOString().replace(/[:.]/g, '-')}-${hostname()}-${process.pid}-${written++}.parquet`;
    const file = join(scratch, name);
    await copyToParquet(engine.conn, SELECT, { batch: lines }, file);
    const key = `${FEEDBACK_PREFIX}${keySegment(service)}/${name}`;
    await lab.store.moveObject(key, file);
    return key;
  } finally {
    engine.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * `autolab feedback PROJECT FILE`: a CSV / JSON / Parquet file (read as any source file is) with a
 * column `id` (prediction ids) or `key`, and `outcome` — or the target's own name for it. Every row
 * is checked before anything is kept; one bad row refuses the file, naming the row and the column.
 */
export async function loadFeedbackFile(lab: Lab, project: ProjectRecord, path: string): Promise<{ rows: number; key: string }> {
  const file = resolve(path);
  const tags = await currentTags(lab.catalog, project);
  const target = tags && hasConfirmedTarget(tags.tags) ? trainingColumns(tags.tags, project.name).target : 'outcome';
  const frame = await readFrame(file, { textColumns: ['id', 'key', 'outcome', target], workDir: lab.workDir });
  const column = (name: string) => frame.columns.find((c) => c.name === name);
  const outcomeColumn = column('outcome') ?? column(target);
  if (!outcomeColumn) throw new InputError(`${file} has no column 'outcome' (nor '${target}')`, 'add the true outcome of each prediction as a column named outcome');
  const idColumn = column('id');
  const keyColumn = column('key');
  if (!idColumn && !keyColumn) throw new InputError(`${file} has no column 'id' nor 'key'`, 'give each outcome the prediction id /predict answered, or the record\'s key');
  const text = (c: typeof idColumn, r: number): string | null => {
    if (!c) return null;
    const v = c.values[r];
    return v === null || v === undefined || (typeof v === 'number' && Number.isNaN(v)) ? null : String(v);
  };
  const now = Date.now();
  const entries: FeedbackEntry[] = [];
  for (let r = 0; r < frame.rows; r++) {
    try {
      entries.push(feedbackOf({ id: text(idColumn, r), key: idColumn && text(idColumn, r) !== null ? null : text(keyColumn, r), outcome: text(outcomeColumn, r) }, now));
    } catch (error) {
      if (error instanceof FeedbackInputError) throw new InputError(`${file} row ${r + 1}: ${error.what}`, error.hint);
      throw error;
    }
  }
  if (entries.length === 0) throw new InputError(`${file} holds no rows`, 'give at least one outcome');
  return { rows: entries.length, key: await writeFeedback(lab, project.name, entries) };
}
