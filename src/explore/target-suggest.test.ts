import { describe, expect, it } from 'vitest';
import type { ColumnProfile, TableProfile } from './profile-types.js';
import { suggestTarget } from './target-suggest.js';

function column(index: number, name: string, semanticType: ColumnProfile['semanticType'], distinct: number): ColumnProfile {
  return {
    name, index, physicalType: 'VARCHAR', semanticType, typeConfidence: 1, typeReasons: [], count: 100, missing: 0, missingShare: 0,
    distinct, distinctApprox: false, distinctShare: distinct / 100, unique: distinct === 100, topValues: [], placeholders: [],
    numeric: null, datetime: null, strings: null, alerts: [],
  };
}

function table(name: string, columns: ColumnProfile[], piiColumns: string[] = []): TableProfile {
  return {
    profileVersion: 1, name, source: name, rows: 100, columnCount: columns.length, columns, duplicateRows: 0, duplicateRowsShare: 0,
    candidateKeys: [], correlations: [], missingCooccurrence: null,
    pii: piiColumns.map((c) => ({ table: name, column: c, kind: 'email', confidence: 1, maskedEvidence: [], matchedShare: 1, validatedShare: 1, sampled: 10, reasons: [] })),
    alerts: [], sampleRows: 100, timings: { totalMs: 0, phases: {} },
  };
}

describe('suggestTarget', () => {
  it('prefers a label-like name over position, never ids, text or PII', () => {
    const t = table('customers', [
      column(0, 'customer_id', 'identifier', 100),
      column(1, 'Churn', 'boolean', 2),
      column(2, 'email_flag', 'boolean', 2),
      column(3, 'notes', 'text', 90),
      column(4, 'tenure', 'numeric', 60),
    ], ['email_flag']);
    const s = suggestTarget([t]);
    expect(s[0]).toMatchObject({ column: 'Churn', task: 'binary' });
    expect(s[0]?.reason).toMatch(/label/);
    expect(s.map((x) => x.column)).not.toContain('customer_id');
    expect(s.map((x) => x.column)).not.toContain('notes');
    expect(s.map((x) => x.column)).not.toContain('email_flag');
  });

  it('falls back to a binary column in last position, or a named amount for regression', () => {
    expect(suggestTarget([table('t', [column(0, 'a', 'numeric', 50), column(1, 'b', 'boolean', 2)])])[0]).toMatchObject({ column: 'b', task: 'binary' });
    expect(suggestTarget([table('houses', [column(0, 'rooms', 'numeric', 8), column(1, 'SalePrice', 'numeric', 90)])])[0]).toMatchObject({ column: 'SalePrice', task: 'regression' });
  });
});
