/** Assembles the report's content from stored exploration results. */
import type { Relationship, TargetSuggestion } from '../profile-types.js';
import type { ReportAlert, ReportData, ReportTable } from './types.js';
import type { SilverReport } from '../../lake/index.js';
import type { Round2Result } from '../round2/index.js';
import { confirmedTarget, openTagCount, type TagSet } from '../tags/index.js';

export interface ReportInput {
  readonly project: string;
  readonly tables: readonly ReportTable[];
  readonly relationships: readonly Relationship[];
  readonly targetSuggestion: TargetSuggestion | null;
  readonly tags: { readonly version: number; readonly tags: TagSet } | null;
  readonly round2: Round2Result | null;
  /** each table's latest silver build, once tags are confirmed and silver was built */
  readonly quality?: readonly SilverReport[];
  /** fixed in tests; now by default */
  readonly generatedAt?: string;
}

export function buildReport(input: ReportInput): ReportData {
  const alerts: ReportAlert[] = [];
  for (const t of input.tables) {
    for (const a of t.profile.alerts) {
      alerts.push({ table: t.name, column: a.column, kind: a.kind, severity: a.severity, message: a.message });
    }
  }
  const targetTable = input.round2?.target?.target.table ?? '';
  for (const l of input.round2?.target?.leakage ?? []) {
    alerts.push({ table: targetTable, column: l.column, kind: `leakage:${l.kind}`, severity: 'warning', message: l.reason });
  }
  for (const d of input.round2?.drift ?? []) {
    for (const c of d.columns) {
      if (c.level === 'stable') continue;
      alerts.push({
        table: d.table,
        column: c.column,
        kind: 'drift',
        severity: c.level === 'large' ? 'warning' : 'info',
        message: `${c.column} drifted between versions ${d.fromVersion} and ${d.toVersion} (PSI ${c.psi.toFixed(2)}, ${c.level})`,
      });
    }
  }
  for (const j of input.round2?.joins ?? []) {
    if (j.matchedShare < 0.95) {
      alerts.push({
        table: j.from.table,
        column: j.from.column,
        kind: 'join_coverage',
        severity: 'warning',
        message: `only ${(j.matchedShare * 100).toFixed(1)}% of ${j.from.table}.${j.from.column} values find a row in ${j.to.table}`,
      });
    }
  }
  // warnings first, then by table and column, so the list reads top-down
  alerts.sort((a, b) => sev(a) - sev(b) || a.table.localeCompare(b.table) || (a.column ?? '').localeCompare(b.column ?? ''));

  let rows = 0;
  let columns = 0;
  let cells = 0;
  let missingCells = 0;
  let duplicateRows = 0;
  for (const t of input.tables) {
    rows += t.profile.rows;
    columns += t.profile.columnCount;
    cells += t.profile.rows * t.profile.columnCount;
    for (const c of t.profile.columns) missingCells += c.missing;
    duplicateRows += t.profile.duplicateRows ?? 0;
  }
  const pii = input.tables.flatMap((t) => t.profile.pii.map((p) => ({ ...p, table: p.table ?? t.name })));
  const confirmed = input.tags ? confirmedTarget(input.tags.tags) : undefined;
  const target = confirmed
    ? { table: confirmed.table, column: confirmed.column, confirmed: true }
    : input.targetSuggestion
      ? { table: input.targetSuggestion.table, column: input.targetSuggestion.column, confirmed: false }
      : null;
  const open = input.tags ? openTagCount(input.tags.tags) : null;
  return {
    reportVersion: 1,
    project: input.project,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    overview: {
      tables: input.tables.length,
      rows,
      columns,
      cells,
      missingCells,
      duplicateRows,
      warnings: alerts.filter((a) => a.severity === 'warning').length,
      infos: alerts.filter((a) => a.severity === 'info').length,
      piiColumns: new Set(pii.map((p) => `${p.table}.${p.column}`)).size,
      relationships: input.relationships.length,
      target,
      openTags: open ? open.columns + open.relationships : null,
    },
    alerts,
    tables: input.tables,
    relationships: input.relationships,
    pii,
    targetSuggestion: input.targetSuggestion,
    tags: input.tags,
    round2: input.round2,
    quality: input.quality ?? [],
  };
}

function sev(a: ReportAlert): number {
  return a.severity === 'warning' ? 0 : 1;
}
