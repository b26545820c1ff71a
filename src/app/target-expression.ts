import type { ProjectRecord } from '../catalog/index.js';
import { InputError } from '../common/index.js';
import { setKnownAt, setTargetExpression, type TableProfile, type TagSet } from '../explore/index.js';
import { checkTargetExpression, openDuckEngine } from '../lake/index.js';
import { loadExploration } from './explore.js';
import type { Lab } from './lab-types.js';
import { silverPlanFor } from './stages/silver-stage.js';
import { commitTags, requireTags, type TagUpdate } from './tags.js';

/**
 * `autolab tags set TABLE.NAME role=target --expr "delay > 15" [--time COLUMN]`: a target that is
 * an expression over the table's silver columns, checked by DuckDB when it is set, stored as a tag.
 */

/** Each column of a table as silver will type it: the bronze type, or the type its cleaning casts to. */
export function silverColumnTypes(profile: TableProfile, tags: TagSet): { name: string; type: string }[] {
  const plan = silverPlanFor(profile, tags);
  const casts = new Map(plan.columns.map((c) => [c.name, c.cast]));
  return profile.columns
    .filter((c) => plan.columns.find((p) => p.name === c.name)?.pii !== 'drop')
    .map((c) => {
      const cast = casts.get(c.name);
      return { name: c.name, type: cast === 'number' ? 'DOUBLE' : cast === 'boolean' ? 'BOOLEAN' : cast === 'timestamp' ? 'TIMESTAMP' : c.physicalType };
    });
}

/** `TABLE.NAME` where the table is one of `tables` (table names may hold dots: every split is tried, longest table first). */
function splitRef(ref: string, tables: readonly string[]): { table: string; name: string } {
  for (let i = ref.lastIndexOf('.'); i > 0; i = ref.lastIndexOf('.', i - 1)) {
    const table = ref.slice(0, i);
    if (tables.includes(table) && i + 1 < ref.length) return { table, name: ref.slice(i + 1) };
  }
  throw new InputError(`no table for ${ref} among the explored tables (${tables.join(', ') || 'none'})`, 'write TABLE.NAME, NAME being the new target\'s name');
}

/** The columns an expression target reads, checked by DuckDB against its table's silver columns (an `InputError` in one line otherwise). */
export async function checkExpressionTarget(lab: Lab, project: ProjectRecord, tags: TagSet, table: string, expression: string, what = 'target expression'): Promise<string[]> {
  const state = await loadExploration(lab, project);
  const explored = state.tables.find((t) => t.name === table);
  if (!explored) throw new InputError(`no table ${table} among the explored tables of ${project.name}`, 'name a table `autolab tags show` lists');
  const engine = await openDuckEngine(lab.workDir);
  try {
    return (await checkTargetExpression(engine.conn, table, expression, silverColumnTypes(explored.profile, tags), what)).reads;
  } finally {
    engine.close();
  }
}

export async function setTargetExpressionTag(lab: Lab, project: ProjectRecord, ref: string, expression: string, time?: string): Promise<TagUpdate> {
  const tags = await requireTags(lab.catalog, project);
  const state = await loadExploration(lab, project);
  const { table, name } = splitRef(ref, state.tables.map((t) => t.name));
  const reads = await checkExpressionTarget(lab, project, tags.tags, table, expression);
  return commitTags(lab.catalog, project, (current) => setTargetExpression(current ?? tags.tags, { table, name, expression, reads }, time));
}

/** `autolab tags set TABLE.COLUMN role=time --known-at SQL`: the table's time column, and when its rows became known. */
export async function setKnownAtTag(lab: Lab, project: ProjectRecord, ref: string, expression: string): Promise<TagUpdate> {
  const tags = await requireTags(lab.catalog, project);
  const state = await loadExploration(lab, project);
  const { table, name: time } = splitRef(ref, state.tables.map((t) => t.name));
  const reads = await checkExpressionTarget(lab, project, tags.tags, table, expression, 'known-at expression');
  return commitTags(lab.catalog, project, (current) => setKnownAt(current ?? tags.tags, { table, expression, reads }, time));
}
