import { describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../common/index.js';
import { acceptSuggestions, confirmedTagsHash, hasConfirmedTarget, parseColumnAssignments, setColumnTags, setKnownAt, setRelationshipTag, setTargetExpression } from './edit.js';
import { mergeSuggestions } from './suggest.js';
import { parseTagsYaml, tagsToYaml } from './yaml.js';
import { fixtureTags } from './tags.testutil.js';
import type { TagSet } from './types.js';

const col = (tags: TagSet, table: string, column: string) => {
  const c = tags.columns.find((x) => x.table === table && x.column === column);
  if (!c) throw new Error(`no ${table}.${column}`);
  return c;
};

describe('tag suggestions', () => {
  it('pre-fills target, ids, foreign keys, time, PII with a default policy, and relationships', () => {
    const tags = fixtureTags();
    expect(col(tags, 'customers', 'churn').suggestion.role).toMatchObject({ value: 'target', confidence: 0.92 });
    expect(col(tags, 'customers', 'customer_id').suggestion.role).toMatchObject({ value: 'id', confidence: 0.97 });
    expect(col(tags, 'orders', 'customer_id').suggestion.role).toMatchObject({ value: 'id', confidence: 0.93 });
    expect(col(tags, 'customers', 'signup').suggestion.role.value).toBe('time');
    expect(col(tags, 'customers', 'tenure').suggestion.role.value).toBe('feature');
    expect(col(tags, 'customers', 'email').suggestion.piiKind).toMatchObject({ value: 'email', confidence: 0.98 });
    expect(col(tags, 'customers', 'email').suggestion.piiPolicy.value).toBe('hash');
    expect(col(tags, 'customers', 'tenure').suggestion.piiKind.value).toBeNull();
    expect(tags.relationships).toHaveLength(1);
    expect(tags.relationships[0]).toMatchObject({ status: 'suggested', suggestedCardinality: 'one-to-many', cardinality: null });
  });

  it('keeps what was confirmed when suggestions are refreshed', () => {
    const fresh = fixtureTags();
    const { tags: edited } = setColumnTags(fresh, 'customers.tenure', { role: 'ignore' });
    const merged = mergeSuggestions(edited, fixtureTags());
    expect(col(merged, 'customers', 'tenure').confirmed.role).toBe('ignore');
    expect(confirmedTagsHash(merged)).toBe(confirmedTagsHash(edited));
  });
});

describe('tag changes', () => {
  it('sets fields from KEY=VALUE and rejects unknown values and columns', () => {
    expect(parseColumnAssignments(['role=id', 'pii=email', 'policy=mask', 'type=categorical'])).toEqual({
      role: 'id',
      piiKind: 'email',
      piiPolicy: 'mask',
      semanticType: 'categorical',
    });
    expect(parseColumnAssignments(['pii=none'])).toEqual({ piiKind: null, piiPolicy: null });
    expect(() => parseColumnAssignments(['role=boss'])).toThrow(UsageError);
    expect(() => parseColumnAssignments(['colour=red'])).toThrow(UsageError);
    expect(() => setColumnTags(fixtureTags(), 'customers.nope', { role: 'id' })).toThrow(InputError);
  });

  it('a new target demotes the previous one, and the confirmed hash follows decisions only', () => {
    const base = fixtureTags();
    const h0 = confirmedTagsHash(base);
    const a = setColumnTags(base, 'customers.churn', { role: 'target' });
    expect(a.changes).toEqual(['customers.churn role=target']);
    const h1 = confirmedTagsHash(a.tags);
    expect(h1).not.toBe(h0);
    const b = setColumnTags(a.tags, 'customers.tenure', { role: 'target' });
    expect(col(b.tags, 'customers', 'churn').confirmed.role).toBe('feature');
    expect(col(b.tags, 'customers', 'tenure').confirmed.role).toBe('target');
    expect(b.changes).toHaveLength(2);
    // setting the same value again changes nothing
    expect(setColumnTags(b.tags, 'customers.tenure', { role: 'target' }).changes).toEqual([]);
  });

  it('accepts only suggestions at or above the confidence, and one target', () => {
    const base = fixtureTags();
    const strict = acceptSuggestions(base, 0.95);
    expect(col(strict.tags, 'customers', 'customer_id').confirmed.role).toBe('id'); // 0.97
    expect(col(strict.tags, 'customers', 'churn').confirmed.role).toBeUndefined(); // 0.92
    expect(strict.tags.relationships[0]?.status).toBe('suggested'); // 0.93
    expect(col(strict.tags, 'customers', 'email').confirmed).toMatchObject({ piiKind: 'email', piiPolicy: 'hash' });
    const loose = acceptSuggestions(strict.tags, 0.9);
    expect(col(loose.tags, 'customers', 'churn').confirmed.role).toBe('target');
    expect(loose.tags.relationships[0]).toMatchObject({ status: 'confirmed', cardinality: 'one-to-many' });
    // a person's decision is never overwritten by accept
    const manual = setColumnTags(base, 'customers.customer_id', { role: 'feature' }).tags;
    expect(col(acceptSuggestions(manual, 0).tags, 'customers', 'customer_id').confirmed.role).toBe('feature');
  });

  it('confirms and rejects relationships', () => {
    const base = fixtureTags();
    const ref = { from: { table: 'orders', column: 'customer_id' }, to: { table: 'customers', column: 'customer_id' } };
    const rejected = setRelationshipTag(base, ref, { status: 'rejected' });
    expect(rejected.tags.relationships[0]).toMatchObject({ status: 'rejected', cardinality: null });
    const confirmed = setRelationshipTag(rejected.tags, ref, { cardinality: 'one-to-one' });
    expect(confirmed.tags.relationships[0]).toMatchObject({ status: 'confirmed', cardinality: 'one-to-one' });
  });
});

describe('tags YAML', () => {
  it('round-trips: the file shows suggestions and saving it confirms them', () => {
    const base = fixtureTags();
    const text = tagsToYaml(base);
    expect(text).toContain('suggested role=target (0.92)');
    const parsed = parseTagsYaml(text, base);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(col(parsed.tags, 'customers', 'churn').confirmed).toMatchObject({ role: 'target', semanticType: 'boolean', piiKind: null });
    expect(col(parsed.tags, 'customers', 'email').confirmed).toMatchObject({ piiKind: 'email', piiPolicy: 'hash' });
    expect(parsed.tags.relationships[0]).toMatchObject({ status: 'suggested' });
  });

  it('names the line of each problem', () => {
    const base = fixtureTags();
    const lines = tagsToYaml(base).split('\n');
    const roleLine = lines.findIndex((l) => l.trim() === 'role: target');
    lines[roleLine] = lines[roleLine]!.replace('target', 'boss');
    const tenureLine = lines.findIndex((l) => l.trim().startsWith('tenure:'));
    lines[tenureLine] = lines[tenureLine]!.replace('tenure', 'tenur');
    const result = parseTagsYaml(lines.join('\n'), base);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.line)).toEqual([Math.min(roleLine, tenureLine) + 1, Math.max(roleLine, tenureLine) + 1]);
    expect(result.problems.find((p) => p.line === roleLine + 1)?.message).toMatch(/role/);
    expect(result.problems.find((p) => p.line === tenureLine + 1)?.message).toMatch(/no column tenur in table customers/);
  });

  it('reports YAML syntax errors and unknown keys with their line', () => {
    const base = fixtureTags();
    const bad = parseTagsYaml('tables:\n  customers:\n    churn:\n      role: [target\n', base);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems[0]?.line).toBeGreaterThanOrEqual(4);
    const unknown = parseTagsYaml('tables:\n  customers:\n    churn:\n      role: target\n      colour: red\n', base);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.problems).toEqual([expect.objectContaining({ line: 5 })]);
  });
});

describe('a target defined by an expression', () => {
  const late = { table: 'customers', name: 'late', expression: 'tenure > 12', reads: ['tenure'] };

  it('replaces a column target, tags the time column, changes the confirmed hash and survives refreshed suggestions', () => {
    const { tags: withColumn } = setColumnTags(fixtureTags(), 'customers.churn', { role: 'target' });
    const { tags, changes } = setTargetExpression(withColumn, late, 'signup');
    expect(col(tags, 'customers', 'churn').confirmed.role).toBe('feature');
    expect(col(tags, 'customers', 'signup').confirmed.role).toBe('time');
    expect(tags.targetExpression).toEqual(late);
    expect(changes).toContain('customers.late role=target expr="tenure > 12"');
    expect(hasConfirmedTarget(tags)).toBe(true);
    expect(confirmedTagsHash(tags)).not.toBe(confirmedTagsHash(withColumn));
    const other = setTargetExpression(withColumn, { ...late, expression: 'tenure > 24' }, 'signup').tags;
    expect(confirmedTagsHash(other)).not.toBe(confirmedTagsHash(tags));
    expect(mergeSuggestions(tags, fixtureTags()).targetExpression).toEqual(late);
    // a column made the target again ends the expression
    const back = setColumnTags(tags, 'customers.churn', { role: 'target' }).tags;
    expect(back.targetExpression).toBeUndefined();
  });

  it('refuses a name that is a column, a table not explored and a time column not in the table', () => {
    expect(() => setTargetExpression(fixtureTags(), { ...late, name: 'churn' })).toThrow(/already a column/);
    expect(() => setTargetExpression(fixtureTags(), { ...late, table: 'nope' })).toThrow(/no table nope/);
    expect(() => setTargetExpression(fixtureTags(), late, 'ordered_at')).toThrow(/no column ordered_at in table customers/);
  });

  it('round-trips through the YAML, and a changed expression comes back with its reads left to the lab', () => {
    const { tags } = setTargetExpression(fixtureTags(), late);
    const yaml = tagsToYaml(tags);
    expect(yaml).toContain('expr: tenure > 12');
    const same = parseTagsYaml(yaml, tags);
    expect(same.ok && same.tags.targetExpression).toEqual(late);
    const edited = parseTagsYaml(yaml.replace('expr: tenure > 12', 'expr: tenure > 36'), tags);
    expect(edited.ok && edited.tags.targetExpression).toEqual({ ...late, expression: 'tenure > 36', reads: [] });
    const clash = parseTagsYaml(yaml.replace('name: late', 'name: churn'), tags);
    expect(clash.ok).toBe(false);
  });
});

describe('when rows became known', () => {
  it('tags the time column, changes the confirmed hash, and survives refreshed suggestions', () => {
    const { tags, changes } = setKnownAt(fixtureTags(), { table: 'customers', expression: 'signup + INTERVAL 1 DAY', reads: ['signup'] }, 'signup');
    expect(col(tags, 'customers', 'signup').confirmed.role).toBe('time');
    expect(changes).toContain('customers known at "signup + INTERVAL 1 DAY"');
    expect(confirmedTagsHash(tags)).not.toBe(confirmedTagsHash(setColumnTags(fixtureTags(), 'customers.signup', { role: 'time' }).tags));
    expect(mergeSuggestions(tags, fixtureTags()).knownAt).toEqual(tags.knownAt);
    expect(() => setKnownAt(fixtureTags(), { table: 'customers', expression: 'x', reads: [] }, 'nope')).toThrow(/no column nope in table customers/);
  });
});
