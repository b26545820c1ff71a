import type { ExploreOutcome } from '../../app/explore.js';
import { columnView, type ReportData } from '../../explore/index.js';
import { formatTable } from '../output.js';

/**
 * What `autolab explore` tells a person after a run, as data (`--json`) and as lines: the tables,
 * the alerts by kind, the suggested target and why, keys, relationships, personal data, what waits
 * on the tags, round 2 when it ran, and where the report is.
 */
export interface ExploreSummary {
  readonly project: string;
  readonly tables: ExploreOutcome['tables'];
  readonly alerts: {
    readonly warnings: number;
    readonly infos: number;
    /** most frequent first */
    readonly byKind: readonly { readonly kind: string; readonly count: number }[];
    /** the first warnings, as sentences (the report lists them all) */
    readonly firstWarnings: readonly string[];
  };
  readonly target: {
    readonly suggested: ExploreOutcome['target'];
    /** TABLE.COLUMN once a person (or auto-accept) confirmed it */
    readonly confirmed: string | null;
  };
  readonly candidateKeys: readonly { readonly table: string; readonly columns: readonly string[]; readonly confidence: number }[];
  readonly relationships: readonly {
    readonly from: string;
    readonly to: string;
    readonly cardinality: string;
    readonly score: number;
    readonly status: string;
  }[];
  readonly pii: readonly { readonly column: string; readonly kind: string; readonly confidence: number; readonly evidence: readonly string[] }[];
  readonly tags: ExploreOutcome['tags'];
  readonly round2: {
    readonly target: string;
    readonly task: string;
    readonly leakage: readonly { readonly column: string; readonly kind: string }[];
    readonly drift: readonly { readonly table: string; readonly column: string; readonly psi: number; readonly level: string }[];
    readonly reused: boolean;
  } | null;
  readonly report: string;
}

const WARNINGS_SHOWN = 5;

export function exploreSummary(outcome: ExploreOutcome, report: ReportData, reportPath: string): ExploreSummary {
  const byKind = new Map<string, number>();
  for (const a of report.alerts) byKind.set(a.kind, (byKind.get(a.kind) ?? 0) + 1);
  const tags = report.tags?.tags;
  const confirmedTarget = tags?.columns.find((c) => c.confirmed.role === 'target');
  const relStatus = (from: string, to: string) =>
    tags?.relationships.find((r) => `${r.from.table}.${r.from.column}` === from && `${r.to.table}.${r.to.column}` === to)?.status ?? 'suggested';
  const target = report.round2?.target;
  return {
    project: outcome.project,
    tables: outcome.tables,
    alerts: {
      warnings: report.overview.warnings,
      infos: report.overview.infos,
      byKind: [...byKind].map(([kind, count]) => ({ kind, count })).sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind)),
      firstWarnings: report.alerts
        .filter((a) => a.severity === 'warning')
        .slice(0, WARNINGS_SHOWN)
        .map((a) => `${a.table}: ${a.message}`),
    },
    target: { suggested: outcome.target, confirmed: tags?.targetExpression ? `${tags.targetExpression.table}.${tags.targetExpression.name}` : confirmedTarget ? `${confirmedTarget.table}.${confirmedTarget.column}` : null },
    candidateKeys: report.tables.flatMap((t) =>
      t.profile.candidateKeys.slice(0, 3).map((k) => ({ table: t.name, columns: k.columns, confidence: k.confidence })),
    ),
    relationships: report.relationships.map((r) => {
      const from = `${r.from.table}.${r.from.column}`;
      const to = `${r.to.table}.${r.to.column}`;
      return { from, to, cardinality: r.cardinality, score: r.score, status: relStatus(from, to) };
    }),
    pii: report.pii.map((p) => ({ column: `${p.table ?? '?'}.${p.column}`, kind: p.kind, confidence: p.confidence, evidence: p.maskedEvidence.slice(0, 2) })),
    // a column waits on a person while any of its fields is open, as `tags show` counts
    tags: { ...outcome.tags, openColumns: tags ? tags.columns.filter((c) => columnView(c).open.length > 0).length : outcome.tags.openColumns },
    round2: target
      ? {
          target: `${target.target.table}.${target.target.column}`,
          task: target.target.task,
          leakage: target.leakage.map((l) => ({ column: l.column, kind: l.kind })),
          drift: (report.round2?.drift ?? []).flatMap((d) =>
            d.columns.filter((c) => c.level !== 'stable').map((c) => ({ table: d.table, column: c.column, psi: c.psi, level: c.level })),
          ),
          reused: outcome.round2?.reused ?? false,
        }
      : null,
    report: reportPath,
  };
}

export function formatExploreSummary(s: ExploreSummary): string[] {
  const rows = s.tables.reduce((n, t) => n + t.rows, 0);
  const columns = s.tables.reduce((n, t) => n + t.columns, 0);
  const lines = [`explored ${s.project}: ${plural(s.tables.length, 'table')}, ${int(rows)} rows, ${plural(columns, 'column')}`, ''];
  lines.push(
    ...formatTable(
      [{ header: 'table' }, { header: 'version', align: 'right' }, { header: 'rows', align: 'right' }, { header: 'columns', align: 'right' }, { header: 'alerts', align: 'right' }, { header: 'profile' }],
      s.tables.map((t) => [t.name, String(t.version), int(t.rows), String(t.columns), String(t.alerts), t.profiled ? 'new' : 'unchanged']),
    ),
  );
  lines.push('');
  const kinds = s.alerts.byKind.map((k) => `${k.kind} ${k.count}`).join(', ');
  lines.push(`alerts: ${plural(s.alerts.warnings, 'warning')}, ${s.alerts.infos} info${kinds ? ` — ${kinds}` : ''}`);
  lines.push(...s.alerts.firstWarnings.map((w) => `  ! ${w}`));
  if (s.alerts.warnings > s.alerts.firstWarnings.length) lines.push(`  … and ${s.alerts.warnings - s.alerts.firstWarnings.length} more warnings in the report`);
  if (s.target.confirmed) lines.push(`target: ${s.target.confirmed} (confirmed)`);
  else if (s.target.suggested) {
    const t = s.target.suggested;
    lines.push(`suggested target: ${t.table}.${t.column} (${t.task}, confidence ${fixed(t.confidence)}) — ${t.reason}`);
  } else lines.push('suggested target: none found — tag one with autolab tags set TABLE.COLUMN role=target');
  if (s.candidateKeys.length) {
    const byTable = new Map<string, string[]>();
    for (const k of s.candidateKeys) byTable.set(k.table, [...(byTable.get(k.table) ?? []), k.columns.join('+')]);
    lines.push(`candidate keys: ${[...byTable].map(([t, ks]) => `${t} (${ks.join(', ')})`).join('; ')}`);
  } else lines.push('candidate keys: none');
  if (s.relationships.length) {
    lines.push('relationships:');
    lines.push(
      ...formatTable(
        [{ header: 'from' }, { header: 'to' }, { header: 'cardinality' }, { header: 'score', align: 'right' }, { header: 'state' }],
        s.relationships.map((r) => [r.from, r.to, r.cardinality, fixed(r.score), r.status]),
      ).map((l) => `  ${l}`),
    );
  } else if (s.tables.length > 1) lines.push('relationships: none found');
  if (s.pii.length) {
    lines.push('personal data:');
    lines.push(
      ...formatTable(
        [{ header: 'column' }, { header: 'kind' }, { header: 'confidence', align: 'right' }, { header: 'evidence (masked)', maxWidth: 50 }],
        s.pii.map((p) => [p.column, p.kind, fixed(p.confidence), p.evidence.join(', ')]),
      ).map((l) => `  ${l}`),
    );
  } else lines.push('personal data: none found');
  const open = s.tags.openColumns + s.tags.openRelationships;
  if (s.tags.autoAccepted) lines.push(`tags: version ${s.tags.version}, suggestions accepted automatically (project setting)`);
  else if (open > 0) {
    lines.push(
      `tags: version ${s.tags.version}; ${plural(s.tags.openColumns, 'column')} and ${plural(s.tags.openRelationships, 'relationship')} wait on you — autolab tags show ${s.project}, then tags set / accept / edit`,
    );
  } else lines.push(`tags: version ${s.tags.version}, every tag confirmed`);
  if (s.round2) {
    const leak = s.round2.leakage.map((l) => `${l.column} (${l.kind})`).join(', ');
    const drift = s.round2.drift.map((d) => `${d.table}.${d.column} ${d.level}`).join(', ');
    lines.push(`round 2 (target ${s.round2.target}, ${s.round2.task}${s.round2.reused ? ', unchanged' : ''}): leakage suspects ${leak || 'none'}; drift ${drift || 'none'}`);
  } else lines.push('round 2: waits on a confirmed target (autolab tags set TABLE.COLUMN role=target)');
  lines.push('', `report: ${s.report}`);
  return lines;
}

function int(n: number): string {
  return n.toLocaleString('en-US');
}

function fixed(n: number): string {
  return n.toFixed(2);
}

function plural(n: number, word: string): string {
  return `${int(n)} ${word}${n === 1 ? '' : 's'}`;
}
