import { sql, type Kysely, type Selectable } from 'kysely';
import type { ActionsTable, CatalogDatabase } from './db-schema.js';
import { toAction, toProject } from './rows.js';
import type { ActionRecord, ProjectStatus } from './types.js';

const PROJECTS_PER_QUERY = 200;

/**
 * Everything `autolab status` shows, for every project, in two queries:
 * 1. projects with their counts (correlated sub-selects on indexed columns);
 * 2. the log side, as one UNION ALL told apart by `row_type`: per project, its newest
 *    `lastActions` entries (one index range scan each), and the rows of action_heads (the last
 *    done time per project and kind, kept up to date by every append).
 * Neither query reads the whole log, so the cost follows the number of projects, not of actions.
 */
export async function queryStatus(db: Kysely<CatalogDatabase>, lastActions: number): Promise<ProjectStatus[]> {
  const projects = await db
    .selectFrom('projects as p')
    .selectAll('p')
    .select((eb) => [
      eb.selectFrom('sources as s').select(eb.fn.countAll().as('n')).whereRef('s.project_id', '=', 'p.id').as('source_count'),
      eb.selectFrom('snapshots as n').select(eb.fn.countAll().as('n')).whereRef('n.project_id', '=', 'p.id').as('snapshot_count'),
      eb.selectFrom('snapshots as m').select((m) => m.fn.max('m.created_at').as('t')).whereRef('m.project_id', '=', 'p.id').as('last_snapshot_at'),
      // version 1 exists exactly once per (source, table) ever ingested
      eb
        .selectFrom('snapshots as t')
        .select(eb.fn.countAll().as('n'))
        .whereRef('t.project_id', '=', 'p.id')
        .where('t.version', '=', 1)
        .as('table_count'),
    ])
    .orderBy('p.name')
    .execute();

  const limit = Math.max(0, Math.floor(lastActions));
  const logRows: LogRow[] = [];
  // SQLite allows 500 members in one compound SELECT; labs with more projects take more queries
  for (let i = 0; i === 0 || i < projects.length; i += PROJECTS_PER_QUERY) {
    const names = projects.slice(i, i + PROJECTS_PER_QUERY).map((p) => p.name);
    logRows.push(...(await logSide(db, names, limit, i === 0)));
  }

  const byProject = new Map<string, { lastDoneByKind: Record<string, string>; lastActions: ActionRecord[] }>();
  const slot = (name: string) => {
    let entry = byProject.get(name);
    if (!entry) byProject.set(name, (entry = { lastDoneByKind: {}, lastActions: [] }));
    return entry;
  };
  for (const row of logRows) {
    if (row.project === null) continue;
    if (row.row_type === 'kind') {
      slot(row.project).lastDoneByKind[row.kind] = row.finished_at;
    } else {
      slot(row.project).lastActions.push(toAction(row as Parameters<typeof toAction>[0]));
    }
  }

  return projects.map((row) => {
    const log = byProject.get(row.name);
    return {
      project: toProject(row),
      sources: Number(row.source_count ?? 0),
      tablesIngested: Number(row.table_count ?? 0),
      snapshots: Number(row.snapshot_count ?? 0),
      lastSnapshotAt: row.last_snapshot_at === null || row.last_snapshot_at === undefined ? null : String(row.last_snapshot_at),
      lastDoneByKind: log?.lastDoneByKind ?? {},
      lastActions: (log?.lastActions ?? []).sort((a, b) => b.seq - a.seq),
    };
  });
}

async function logSide(db: Kysely<CatalogDatabase>, names: readonly string[], limit: number, withHeads: boolean): Promise<LogRow[]> {
  const branches = names.map(
    (name) => sql`
      select 'action' as row_type, x.seq, x.kind, x.project, x.inputs, x.outputs, x.status, x.started_at,
             x.finished_at, x.cpu_seconds, x.bytes_written, x.worker_id, x.error, x.detail, x.prev_hash, x.hash,
             x.unit, x.inputs_hash
      from (select * from actions where project = ${name} order by seq desc limit ${limit}) x`,
  );
  if (withHeads) {
    branches.push(sql`
      select 'kind' as row_type, null, h.kind, h.project, null, null, null, null,
             h.last_done_at, null, null, null, null, null, null, null, null, null
      from action_heads h`);
  }
  if (branches.length === 0) return [];
  const result = await sql<LogRow>`${sql.join(branches, sql` union all `)}`.execute(db);
  return result.rows;
}

/** An action row of the log side, or (row_type 'kind') an action_heads row in the same columns. */
type LogRow = Selectable<ActionsTable> & { row_type: 'action' | 'kind' };
