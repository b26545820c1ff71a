/**
 * Small, hand-written round-1 results for the tag tests: two tables (customers, orders) with a
 * key, a foreign key, an e-mail column, a date and a churn flag. Written out here so that the tag
 * logic is tested on exactly known input, independent of the profiler.
 */
import type { ColumnProfile, Relationship, SemanticType, TableProfile, TargetSuggestion } from '../profile-types.js';
import { suggestTags } from './suggest.js';
import type { TagSet } from './types.js';

export function fixtureColumn(name: string, index: number, semanticType: SemanticType, rows: number, distinct: number): ColumnProfile {
  return {
    name,
    index,
    physicalType: semanticType === 'numeric' ? 'DOUBLE' : 'VARCHAR',
    semanticType,
    typeConfidence: 0.95,
    typeReasons: ['fixture'],
    count: rows,
    missing: 0,
    missingShare: 0,
    distinct,
    distinctApprox: false,
    distinctShare: distinct / rows,
    unique: distinct === rows,
    topValues: [],
    placeholders: [],
    numeric: null,
    datetime: null,
    strings: null,
    alerts: [],
  };
}

export function fixtureTable(name: string, rows: number, columns: ColumnProfile[], extra: Partial<TableProfile> = {}): TableProfile {
  return {
    profileVersion: 1,
    name,
    source: `${name}.parquet`,
    rows,
    columnCount: columns.length,
    columns,
    duplicateRows: 0,
    duplicateRowsShare: 0,
    candidateKeys: [],
    correlations: [],
    missingCooccurrence: null,
    pii: [],
    alerts: [],
    sampleRows: rows,
    timings: { totalMs: 1, phases: {} },
    ...extra,
  };
}

export function fixtureProfiles(): { profiles: TableProfile[]; relationships: Relationship[]; target: TargetSuggestion } {
  const customers = fixtureTable(
    'customers',
    100,
    [
      fixtureColumn('customer_id', 0, 'identifier', 100, 100),
      fixtureColumn('email', 1, 'text', 100, 100),
      fixtureColumn('tenure', 2, 'numeric', 100, 40),
      fixtureColumn('churn', 3, 'boolean', 100, 2),
      fixtureColumn('signup', 4, 'datetime', 100, 90),
    ],
    {
      candidateKeys: [{ columns: ['customer_id'], unique: true, distinctShare: 1, missing: 0, confidence: 0.97, reasons: ['unique', 'name ends in _id'] }],
      pii: [
        {
          table: 'customers',
          column: 'email',
          kind: 'email',
          confidence: 0.98,
          maskedEvidence: ['j***@e******.com'],
          matchedShare: 1,
          validatedShare: 1,
          sampled: 100,
          reasons: ['all values are e-mail addresses'],
        },
      ],
    },
  );
  const orders = fixtureTable('orders', 300, [
    fixtureColumn('order_id', 0, 'identifier', 300, 300),
    fixtureColumn('customer_id', 1, 'numeric', 300, 95),
    fixtureColumn('amount', 2, 'numeric', 300, 250),
  ]);
  const relationships: Relationship[] = [
    {
      from: { table: 'orders', column: 'customer_id' },
      to: { table: 'customers', column: 'customer_id' },
      score: 0.93,
      inclusion: 1,
      inclusionEstimated: false,
      cardinality: 'one-to-many',
      nameSimilarity: 1,
      toUniqueness: 1,
      reasons: ['all values found', 'same name'],
    },
  ];
  const target: TargetSuggestion = { table: 'customers', column: 'churn', task: 'binary', reason: 'a binary column named churn', confidence: 0.92 };
  return { profiles: [customers, orders], relationships, target };
}

export function fixtureTags(): TagSet {
  const { profiles, relationships, target } = fixtureProfiles();
  return suggestTags(profiles, relationships, target);
}
