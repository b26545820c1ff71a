/**
 * Accuracy of round 1 against the labelled fixtures in test/fixtures/explore (real vega-datasets
 * tables and generated ones with known PII, keys and relationships). Prints precision and recall
 * of type inference, PII detection and relationship discovery; fails below 0.95 / 0.9.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Relationship, SemanticType, TableProfile } from './profile-types.js';
import { profileTable } from './profile.js';
import { findRelationships } from './relationships.js';

const fixtures = join(import.meta.dirname, '../../test/fixtures/explore');

interface Labels {
  tables: Record<string, { types: Record<string, SemanticType>; pii: Record<string, string>; keys: string[][] }>;
  relationships: { from: string; to: string }[];
}

const labels = JSON.parse(readFileSync(join(fixtures, 'labels.json'), 'utf8')) as Labels;
let dir = '';
let conn: DuckDBConnection;
const profiles = new Map<string, TableProfile>();
const paths = new Map<string, string>();
let relationships: Relationship[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'autolab-explore-'));
  const instance = await DuckDBInstance.create(':memory:');
  conn = await instance.connect();
  const files = readdirSync(fixtures).filter((f) => f.endsWith('.csv'));
  for (const file of files) {
    const name = file.replace(/\.csv$/, '');
    const path = join(dir, `${name}.parquet`);
    // bronze snapshots are Parquet written from DuckDB's CSV reader
    await conn.run(`COPY (SELECT * FROM read_csv($csv)) TO '${path.replaceAll("'", "''")}' (FORMAT parquet)`, { csv: join(fixtures, file) });
    paths.set(name, path);
    profiles.set(name, await profileTable(conn, { name, parquetPath: path }));
  }
  relationships = await findRelationships(
    conn,
    [...profiles.entries()].map(([name, profile]) => ({ name, parquetPath: paths.get(name)!, profile })),
  );
});

afterAll(() => {
  conn?.closeSync();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Score {
  precision: number;
  recall: number;
  errors: string[];
}

function line(label: string, s: Score): string {
  return `${label.padEnd(14)} precision ${s.precision.toFixed(3)}  recall ${s.recall.toFixed(3)}`;
}

function typeScore(): Score {
  // macro average over the types that occur in the labels or the predictions
  const tp = new Map<string, number>();
  const fp = new Map<string, number>();
  const fn = new Map<string, number>();
  const errors: string[] = [];
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const [table, label] of Object.entries(labels.tables)) {
    const profile = profiles.get(table);
    for (const [column, truth] of Object.entries(label.types)) {
      const predicted = profile?.columns.find((c) => c.name === column)?.semanticType ?? 'missing';
      if (predicted === truth) bump(tp, truth);
      else {
        bump(fp, predicted);
        bump(fn, truth);
        errors.push(`${table}.${column}: ${predicted} (true ${truth})`);
      }
    }
  }
  const classes = new Set([...tp.keys(), ...fp.keys(), ...fn.keys()]);
  let p = 0;
  let r = 0;
  for (const c of classes) {
    const t = tp.get(c) ?? 0;
    p += t + (fp.get(c) ?? 0) > 0 ? t / (t + (fp.get(c) ?? 0)) : 1;
    r += t + (fn.get(c) ?? 0) > 0 ? t / (t + (fn.get(c) ?? 0)) : 1;
  }
  return { precision: p / classes.size, recall: r / classes.size, errors };
}

function piiScore(): Score {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const errors: string[] = [];
  for (const [table, label] of Object.entries(labels.tables)) {
    const findings = profiles.get(table)?.pii ?? [];
    for (const f of findings) {
      if (label.pii[f.column] === f.kind) tp++;
      else {
        fp++;
        errors.push(`${table}.${f.column}: found ${f.kind} (${f.confidence}), true ${label.pii[f.column] ?? 'none'}`);
      }
    }
    for (const [column, kind] of Object.entries(label.pii)) {
      if (!findings.some((f) => f.column === column && f.kind === kind)) {
        fn++;
        errors.push(`${table}.${column}: missed ${kind}`);
      }
    }
  }
  return { precision: tp + fp > 0 ? tp / (tp + fp) : 1, recall: tp + fn > 0 ? tp / (tp + fn) : 1, errors };
}

function relationshipScore(): Score {
  const truth = new Set(labels.relationships.map((r) => `${r.from}->${r.to}`));
  const found = new Set(relationships.map((r) => `${r.from.table}.${r.from.column}->${r.to.table}.${r.to.column}`));
  const tp = [...found].filter((f) => truth.has(f)).length;
  const errors = [...[...found].filter((f) => !truth.has(f)).map((f) => `false ${f}`), ...[...truth].filter((t) => !found.has(t)).map((t) => `missed ${t}`)];
  return { precision: found.size > 0 ? tp / found.size : 1, recall: truth.size > 0 ? tp / truth.size : 1, errors };
}

describe('exploration accuracy on the labelled fixtures', () => {
  it('infers semantic types, finds PII and relationships above 0.95 precision and 0.9 recall', () => {
    const types = typeScore();
    const pii = piiScore();
    const rels = relationshipScore();
    const report = [line('types', types), line('pii', pii), line('relationships', rels), ...[...types.errors, ...pii.errors, ...rels.errors].map((e) => `  ${e}`)];
    console.log(report.join('\n'));
    expect(types.precision).toBeGreaterThanOrEqual(0.95);
    expect(types.recall).toBeGreaterThanOrEqual(0.9);
    expect(pii.precision).toBeGreaterThanOrEqual(0.95);
    expect(pii.recall).toBeGreaterThanOrEqual(0.9);
    expect(rels.precision).toBeGreaterThanOrEqual(0.95);
    expect(rels.recall).toBeGreaterThanOrEqual(0.9);
  });

  it('finds every labelled key among the candidate keys, the single-column ones ranked first', () => {
    const missed: string[] = [];
    for (const [table, label] of Object.entries(labels.tables)) {
      const keys = profiles.get(table)?.candidateKeys ?? [];
      for (const key of label.keys) {
        const at = keys.findIndex((k) => k.columns.join('+') === key.join('+'));
        if (at < 0 || (key.length === 1 && at !== 0)) missed.push(`${table}: ${key.join('+')} at ${at} of [${keys.map((k) => k.columns.join('+')).join(', ')}]`);
      }
    }
    expect(missed).toEqual([]);
  });

  it('relates foreign keys with the right cardinality', () => {
    const manager = relationships.find((r) => r.from.column === 'manager_id');
    expect(manager?.cardinality).toBe('one-to-many');
    expect(relationships.every((r) => r.inclusion >= 0.8 && r.score > 0 && r.score <= 1)).toBe(true);
  });
});
