/**
 * Pruning a gold table's features: mostly missing (> 95 % by default), constant, duplicate (the
 * same value in every row as an earlier feature) and highly correlated (|r| > 0.95 with a feature
 * ranked higher) ones are dropped, then the rest is capped (500 by default), keeping the features
 * most associated with the label: |Pearson r| for a numeric label, the correlation ratio η of the
 * feature on the classes otherwise. Counts, missing shares and duplicates are exact (SQL over the
 * whole table); correlations and associations are measured on a sample of rows (missing values
 * filled with the feature's mean there).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { GroupMoments } from '../explore/index.js';
import { queryRows, quoteIdent } from '../lake/index.js';

export interface PruneOptions {
  /** the label's column (never a feature) */
  readonly label: string;
  readonly maxMissingShare?: number;
  readonly maxCorrelation?: number;
  readonly maxFeatures?: number;
  /** rows the correlations are measured on; default 5,000 */
  readonly sampleRows?: number;
}

export interface PruneResult {
  /** the features kept, most associated with the label first */
  readonly kept: readonly string[];
  readonly dropped: {
    readonly missing: readonly string[];
    readonly constant: readonly string[];
    readonly duplicate: readonly string[];
    readonly correlated: readonly string[];
    readonly capped: readonly string[];
  };
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL|BOOLEAN)/i;
/** aggregates per statement: a statement naming thousands of columns binds slowly */
const PER_STATEMENT = 400;

const q = quoteIdent;

/** Which features to keep, and why each other one goes, for the gold table at `path`. */
export async function pruneFeatures(conn: DuckDBConnection, path: string, options: PruneOptions): Promise<PruneResult> {
  // the explorer is loaded here, not with this folder: `predict` reads features' index and needs none of it (0.1 s of its start)
  const { correlationRatio } = await import('../explore/index.js');
  const maxMissing = options.maxMissingShare ?? 0.95;
  const maxCorrelation = options.maxCorrelation ?? 0.95;
  const cap = options.maxFeatures ?? 500;
  const described = await queryRows(conn, 'DESCRIBE SELECT * FROM read_parquet($p)', { p: path });
  const columns = described.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  const label = columns.find((c) => c.name === options.label);
  if (!label) throw new Error(`the gold table has no label column ${options.label}`);
  const features = columns.filter((c) => c.name !== options.label);

  const [[totalRows]] = (await queryRows(conn, 'SELECT count(*) FROM read_parquet($p)', { p: path })) as [[number | string]];
  const rows = Number(totalRows);
  const stats = new Map<string, { present: number; constant: boolean; fingerprint: string }>();
  for (let start = 0; start < features.length; start += PER_STATEMENT) {
    const chunk = features.slice(start, start + PER_STATEMENT);
    const select = chunk.flatMap((c) => [
      `count(${q(c.name)})`,
      `count(DISTINCT ${q(c.name)}) <= 1`,
      // the same values in the same rows give the same fingerprint; equal ones are compared exactly below
      `CAST(sum(hash(file_row_number, ${q(c.name)})::HUGEINT) AS VARCHAR)`,
    ]);
    const [row] = await queryRows(conn, `SELECT ${select.join(', ')} FROM read_parquet($p, file_row_number = true)`, { p: path });
    chunk.forEach((c, i) => stats.set(c.name, { present: Number(row![3 * i]), constant: row![3 * i + 1] === true, fingerprint: `${c.type}:${String(row![3 * i + 2])}` }));
  }

  const missing: string[] = [];
  const constant: string[] = [];
  const duplicate: string[] = [];
  const survivors: { name: string; type: string }[] = [];
  const byFingerprint = new Map<string, string[]>();
  for (const c of features) {
    const s = stats.get(c.name)!;
    if (rows === 0 || 1 - s.present / rows > maxMissing) missing.push(c.name);
    else if (s.constant) constant.push(c.name);
    else {
      const earlier = byFingerprint.get(s.fingerprint) ?? [];
      let same = false;
      for (const other of earlier) {
        const [[differ]] = (await queryRows(conn, `SELECT count(*) FILTER (WHERE ${q(other)} IS DISTINCT FROM ${q(c.name)}) FROM read_parquet($p)`, { p: path })) as [[number | string]];
        if (Number(differ) === 0) same = true;
        if (same) break;
      }
      if (same) duplicate.push(c.name);
      else {
        byFingerprint.set(s.fingerprint, [...earlier, c.name]);
        survivors.push(c);
      }
    }
  }

  // association with the label and correlations between numeric features, on a sample
  const numeric = survivors.filter((c) => NUMERIC.test(c.type));
  const sampleRows = options.sampleRows ?? 5000;
  const step = Math.max(1, Math.ceil(rows / sampleRows));
  const sampled = numeric.length === 0 ? [] : await queryRows(
    conn,
    `SELECT ${[label, ...numeric].map((c) => (NUMERIC.test(c.type) ? `CAST(${q(c.name)} AS DOUBLE)` : `CAST(${q(c.name)} AS VARCHAR)`)).join(', ')} FROM read_parquet($p, file_row_number = true) WHERE file_row_number % $step = 0`,
    { p: path, step },
  );
  const n = sampled.length;
  const vectors = numeric.map((_, j) => standardized(sampled.map((r) => toNumber(r[j + 1]))));
  const labelValues = sampled.map((r) => r[0]);
  const association = new Map<string, number>();
  numeric.forEach((c, j) => association.set(c.name, associationWithLabel(vectors[j]!, labelValues, NUMERIC.test(label.type) && !/^BOOLEAN/i.test(label.type), correlationRatio)));

  const order = [...survivors].sort((a, b) => (association.get(b.name) ?? -1) - (association.get(a.name) ?? -1) || (survivors.indexOf(a) - survivors.indexOf(b)));
  const correlated: string[] = [];
  const kept: string[] = [];
  const keptVectors: Float64Array[] = [];
  for (const c of order) {
    const j = numeric.indexOf(c);
    if (j >= 0 && n > 2) {
      const v = vectors[j]!;
      if (keptVectors.some((k) => Math.abs(dot(k, v) / n) > maxCorrelation)) {
        correlated.push(c.name);
        continue;
      }
      keptVectors.push(v);
    }
    kept.push(c.name);
  }
  return { kept: kept.slice(0, cap), dropped: { missing, constant, duplicate, correlated, capped: kept.slice(cap) } };
}

function toNumber(value: unknown): number {
  if (value === null || value === undefined) return NaN;
  const n = Number(value);
  return Number.isFinite(n) ? n : NaN;
}

/** Mean-filled, centred, scaled to unit variance (all zeros when constant on the sample). */
function standardized(values: readonly number[]): Float64Array {
  const out = new Float64Array(values.length);
  let sum = 0;
  let count = 0;
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    sum += v;
    count++;
  }
  const mean = count > 0 ? sum / count : 0;
  let ss = 0;
  values.forEach((v, i) => {
    out[i] = Number.isNaN(v) ? 0 : v - mean;
    ss += out[i]! * out[i]!;
  });
  const sd = Math.sqrt(ss / Math.max(1, values.length));
  if (sd > 0) for (let i = 0; i < out.length; i++) out[i]! /= sd;
  else out.fill(0);
  return out;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** |r| with a numeric label; η of the feature on the label's classes otherwise; 0 when undefined. */
function associationWithLabel(feature: Float64Array, label: readonly unknown[], numericLabel: boolean, correlationRatio: (groups: readonly GroupMoments[]) => number | null): number {
  if (numericLabel) {
    const y = standardized(label.map(toNumber));
    return Math.abs(dot(feature, y) / Math.max(1, feature.length));
  }
  const groups = new Map<string, { n: number; sum: number; sumSq: number }>();
  label.forEach((value, i) => {
    if (value === null || value === undefined) return;
    const g = groups.get(String(value)) ?? { n: 0, sum: 0, sumSq: 0 };
    const x = feature[i]!;
    g.n++;
    g.sum += x;
    g.sumSq += x * x;
    groups.set(String(value), g);
  });
  return correlationRatio([...groups.values()] as GroupMoments[]) ?? 0;
}
