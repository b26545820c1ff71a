import type { TagsColumnView, TagsView } from '../../explore/index.js';
import { formatTable, shortTime } from '../output.js';

/** `autolab tags show` as lines: a table of columns, one of relationships, and what to do next. */
export function formatTagsView(view: TagsView): string[] {
  const lines = [
    `tags of ${view.project}, version ${view.version} (${view.author}, ${shortTime(view.changedAt)}): ` +
      `${view.openColumns} of ${view.totalColumns} columns and ${view.openRelationships} relationships wait on you`,
    '',
  ];
  if (view.columns.length) lines.push(...formatTable(COLUMN_HEADERS, columnRows(view)));
  else lines.push(view.openOnly ? 'every column is confirmed' : 'no columns');
  if (view.relationships.length) lines.push('', ...formatTable(RELATIONSHIP_HEADERS, relationshipRows(view)));
  const expression = view.targetExpression;
  if (expression) lines.push('', `target: ${expression.table}.${expression.name} = ${expression.expression} (an expression; reads ${expression.reads.join(', ')}, never features)`);
  lines.push('', `round 2: ${expression ? 'for a target column only' : FRESHNESS[view.round2]}`);
  if (view.openColumns + view.openRelationships > 0) {
    lines.push(
      'confirm with: autolab tags accept [--min-confidence 0.9] | tags set TABLE.COLUMN role=… | tags rel FROM.COL TO.COL confirmed | tags edit',
    );
  }
  return lines;
}

const FRESHNESS = {
  'no target': 'waits on a confirmed target (tags set TABLE.COLUMN role=target)',
  current: 'up to date with these tags',
  stale: 'not run for these tags and snapshots yet — run autolab explore to bring it up to date',
} as const;

const COLUMN_HEADERS = [
  { header: 'column' },
  { header: 'role' },
  { header: 'type' },
  { header: 'pii' },
  { header: 'policy' },
  { header: 'confidence', align: 'right' as const },
  { header: 'state' },
  { header: 'description', maxWidth: 40 },
];

const RELATIONSHIP_HEADERS = [
  { header: 'relationship' },
  { header: 'cardinality' },
  { header: 'confidence', align: 'right' as const },
  { header: 'state' },
];

/** Table rows for the column view; a suggested value that is still open is marked with `?`. */
export function columnRows(view: TagsView): string[][] {
  return view.columns.map((c) => {
    const mark = (field: TagsColumnView['open'][number], value: string | null) => `${value ?? '-'}${c.open.includes(field) && value !== null ? '?' : ''}`;
    const state = c.state === 'partly confirmed' ? `open: ${c.open.join(', ')}` : c.state;
    return [
      `${c.table}.${c.column}`,
      mark('role', c.role),
      mark('type', c.type),
      mark('pii', c.pii),
      mark('policy', c.policy),
      c.confidence === null ? '-' : c.confidence.toFixed(2),
      state,
      c.description ?? '',
    ];
  });
}

export function relationshipRows(view: TagsView): string[][] {
  return view.relationships.map((r) => [`${r.from} -> ${r.to}`, r.cardinality, r.confidence.toFixed(2), r.state]);
}
