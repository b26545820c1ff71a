/**
 * Data drift between two tables of rows, each any DuckDB relation (a silver snapshot's Parquet, one
 * window of it, a table of logged predictions): per column the test Evidently picks by type and
 * size, the PSI of round 2 (deciles or top categories of the reference), missing shares and new
 * categories; then the dataset verdict. The heavy part is three scans per side in DuckDB (the ECDF
 * gaps of every numeric column in one statement, category counts in another, PSI's bins); the tests
 * run on the small tables of counts that come back.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError } from '../common/index.js';
import {
  binHistogram,
  binnedCounts,
  isOrdered,
  ParamBinder,
  planBins,
  populationStabilityIndex,
  psiLevel,
  toNumber,
  valueSql,
  type ColumnSpec,
  type Source,
} from '../explore/index.js';
import { queryRows } from '../lake/index.js';
import { DEFAULT_THRESHOLDS, type ColumnDriftResult, type DriftSummary, type DriftTest, type DriftThresholds } from './drift-types.js';
import { chiSquareGoodnessOfFit, jensenShannonDistance } from './stats/distances.js';
import { ksTwoSamplePValue } from './stats/ks.js';

export interface DriftInput {
  readonly reference: Source;
  readonly current: Source;
  /** the columns to compare, with the types that decide numeric or categorical */
  readonly columns: readonly ColumnSpec[];
  /** the model's importance per column (any scale; missing columns weigh 0) */
  readonly importance?: Readonly<Record<string, number>>;
  readonly thresholds?: Partial<DriftThresholds>;
}

/** Evidently treats a numeric column with at most this many distinct values as categorical. */
const FEW_VALUES = 5;
/** categories compared one by one per column; rarer ones are counted together */
const MAX_CATEGORIES = 1000;

interface NumericGaps {
  readonly ks: number;
  readonly wasserstein: number;
  readonly refValid: number;
  readonly curValid: number;
  readonly distinct: number;
  /** value counts when the column has few distinct values: [value, ref, cur] */
  readonly values: readonly (readonly [number, number, number])[] | null;
}

interface CategoryCounts {
  readonly labels: string[];
  readonly reference: number[];
  readonly current: number[];
  /** index of the bucket of rare categories, or -1 */
  other: number;
}

export async function computeDrift(conn: DuckDBConnection, input: DriftInput): Promise<DriftSummary> {
  const thresholds = { ...DEFAULT_THRESHOLDS, ...input.thresholds };
  const [referenceRows, currentRows] = await Promise.all([countRows(conn, input.reference), countRows(conn, input.current)]);
  if (referenceRows === 0) throw new InputError('the reference rows are empty', 'monitor against the rows a model was trained on');
  const numeric = input.columns.filter(isOrdered);
  const categorical = input.columns.filter((c) => !isOrdered(c));
  const gaps = await numericGaps(conn, input.reference, input.current, numeric);
  const counts = await categoryCounts(conn, input.reference, input.current, categorical);
  const psi = await psiByColumn(conn, input.reference, input.current, input.columns);
  const totalImportance = input.importance ? Object.values(input.importance).reduce((s, v) => s + Math.max(0, v), 0) : 0;
  const importanceOf = (name: string): number | null =>
    input.importance && totalImportance > 0 ? Math.max(0, input.importance[name] ?? 0) / totalImportance : null;
  const small = referenceRows <= thresholds.smallReference;

  const results: ColumnDriftResult[] = input.columns.map((spec) => {
    const name = spec.name;
    const psiValue = psi.get(name) ?? 0;
    const common = { column: name, psi: round(psiValue), psiLevel: psiLevel(psiValue), importance: importanceOf(name) };
    const gap = gaps.get(name);
    if (gap && gap.values === null) {
      const test: DriftTest = small ? 'ks' : 'wasserstein';
      const statistic = small ? ksTwoSamplePValue(gap.ks, gap.refValid, gap.curValid) : gap.wasserstein;
      const threshold = small ? thresholds.pValue : thresholds.wasserstein;
      return {
        ...common,
        kind: 'numeric',
        test,
        statistic,
        threshold,
        drifted: gap.curValid > 0 && (small ? statistic < threshold : statistic >= threshold),
        ...(small ? { ksStatistic: gap.ks } : {}),
        missingShare: missingShares(gap.refValid, gap.curValid, referenceRows, currentRows),
        newCategories: [],
        newCategoryCount: 0,
      };
    }
    const c = gap?.values ? countsOfValues(gap.values) : counts.get(name);
    if (!c) throw new Error(`drift: no counts for column ${name}`);
    const test: DriftTest = small ? 'chi-square' : 'jensen-shannon';
    const statistic = small ? chiSquareGoodnessOfFit(c.reference, c.current).pValue : jensenShannonDistance(c.reference, c.current);
    const threshold = small ? thresholds.pValue : thresholds.jensenShannon;
    const curValid = c.current.reduce((s, v) => s + v, 0);
    const refValid = c.reference.reduce((s, v) => s + v, 0);
    const fresh = c.labels.filter((_, i) => i !== c.other && c.reference[i] === 0 && c.current[i]! > 0);
    return {
      ...common,
      kind: gap ? 'numeric' : 'categorical',
      test,
      statistic,
      threshold,
      drifted: curValid > 0 && (small ? statistic < threshold : statistic >= threshold),
      missingShare: missingShares(refValid, curValid, referenceRows, currentRows),
      newCategories: fresh.slice(0, 10),
      newCategoryCount: fresh.length,
    };
  });

  const driftedColumns = results.filter((r) => r.drifted).length;
  const driftedShare = results.length > 0 ? driftedColumns / results.length : 0;
  const weighted = results.every((r) => r.importance === null)
    ? null
    : results.reduce((s, r) => s + (r.drifted ? (r.importance ?? 0) : 0), 0) / Math.max(1e-12, results.reduce((s, r) => s + (r.importance ?? 0), 0));
  return {
    referenceRows,
    currentRows,
    columns: results,
    driftedColumns,
    driftedShare,
    driftShareThreshold: thresholds.driftShare,
    datasetDrift: results.length > 0 && driftedShare >= thresholds.driftShare,
    weightedDriftScore: weighted,
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function missingShares(refValid: number, curValid: number, refRows: number, curRows: number) {
  return { reference: refRows > 0 ? 1 - refValid / refRows : 0, current: curRows > 0 ? 1 - curValid / curRows : 0 };
}

async function countRows(conn: DuckDBConnection, source: Source): Promise<number> {
  const [row] = await queryRows(conn, `SELECT count(*) FROM ${source.from}`, source.params);
  return toNumber(row?.[0]) ?? 0;
}

/** Both sides' columns as c0…ck (DOUBLE for numeric, VARCHAR for categories), stacked in long form. */
function longForm(reference: Source, current: Source, specs: readonly ColumnSpec[], binder: ParamBinder, asText: boolean): string {
  const select = (source: Source) =>
    specs.map((s, i) => `${asText ? `CAST(${valueSql(s, binder)} AS VARCHAR)` : valueSql(s, binder)} AS "c${i}"`).join(', ') + ` FROM ${source.from}`;
  return `u AS (
      SELECT name, v, 1 AS side FROM (UNPIVOT (SELECT ${select(reference)}) ON COLUMNS(*) INTO NAME name VALUE v)
      UNION ALL
      SELECT name, v, 2 AS side FROM (UNPIVOT (SELECT ${select(current)}) ON COLUMNS(*) INTO NAME name VALUE v))`;
}

/**
 * One statement for every numeric column: the ECDFs of both sides at every distinct value, their
 * largest gap (the KS statistic, as scipy's `ks_2samp` takes it) and the area between them (the
 * Wasserstein-1 distance, as `wasserstein_distance`), normalised by the reference's standard
 * deviation as Evidently does (at least 0.001).
 */
async function numericGaps(conn: DuckDBConnection, reference: Source, current: Source, specs: readonly ColumnSpec[]): Promise<Map<string, NumericGaps>> {
  const out = new Map<string, NumericGaps>();
  if (specs.length === 0) return out;
  const binder = new ParamBinder({ ...reference.params, ...current.params });
  const rows = await queryRows(
    conn,
    `WITH ${longForm(reference, current, specs, binder, false)},
     g AS (SELECT name, v, count(*) FILTER (WHERE side = 1) AS nr, count(*) FILTER (WHERE side = 2) AS nc
           FROM u WHERE isfinite(v) GROUP BY name, v),
     t AS (SELECT name, v, nr, nc,
             CAST(sum(nr) OVER w AS DOUBLE) / nullif(sum(nr) OVER (PARTITION BY name), 0) AS fr,
             CAST(sum(nc) OVER w AS DOUBLE) / nullif(sum(nc) OVER (PARTITION BY name), 0) AS fc,
             lead(v) OVER (PARTITION BY name ORDER BY v) - v AS width,
             sum(nr * v) OVER (PARTITION BY name) / nullif(sum(nr) OVER (PARTITION BY name), 0) AS mean
           FROM g WINDOW w AS (PARTITION BY name ORDER BY v ROWS UNBOUNDED PRECEDING))
     -- the reference's standard deviation from its value counts (two passes: the mean first), so the rows are read once
     SELECT name, max(abs(coalesce(fr, 0) - coalesce(fc, 0))),
            sum(abs(coalesce(fr, 0) - coalesce(fc, 0)) * width) / greatest(sqrt(sum(nr * (v - mean) * (v - mean)) / nullif(sum(nr), 0)), 0.001),
            sum(nr), sum(nc), count(*),
            CASE WHEN count(*) <= ${FEW_VALUES} THEN list([v, nr, nc] ORDER BY v) END
     FROM t GROUP BY name`,
    binder.params,
  );
  for (const [name, ks, w, nr, nc, distinct, values] of rows) {
    const spec = specs[Number(String(name).slice(1))];
    if (!spec) continue;
    out.set(spec.name, {
      ks: toNumber(ks) ?? 0,
      wasserstein: toNumber(w) ?? 0,
      refValid: toNumber(nr) ?? 0,
      curValid: toNumber(nc) ?? 0,
      distinct: toNumber(distinct) ?? 0,
      values: Array.isArray(values)
        ? values.map((triple) => {
            const [v, r, c] = (triple as unknown[]).map((x) => toNumber(x) ?? 0);
            return [v!, r!, c!] as const;
          })
        : null,
    });
  }
  // a column with no finite value on either side: nothing to compare, counted as categorical with no values
  for (const spec of specs) if (!out.has(spec.name)) out.set(spec.name, { ks: 0, wasserstein: 0, refValid: 0, curValid: 0, distinct: 0, values: [] });
  return out;
}

function countsOfValues(values: readonly (readonly [number, number, number])[]): CategoryCounts {
  return { labels: values.map(([v]) => String(v)), reference: values.map(([, r]) => r), current: values.map(([, , c]) => c), other: -1 };
}

/** One statement for every categorical column: counts per category on each side (the rarest past 1,000 together). */
async function categoryCounts(conn: DuckDBConnection, reference: Source, current: Source, specs: readonly ColumnSpec[]): Promise<Map<string, CategoryCounts>> {
  const out = new Map<string, CategoryCounts>();
  for (const spec of specs) out.set(spec.name, { labels: [], reference: [], current: [], other: -1 });
  if (specs.length === 0) return out;
  const binder = new ParamBinder({ ...reference.params, ...current.params });
  const rows = await queryRows(
    conn,
    `WITH ${longForm(reference, current, specs, binder, true)},
     g AS (SELECT name, v, count(*) FILTER (WHERE side = 1) AS nr, count(*) FILTER (WHERE side = 2) AS nc FROM u GROUP BY name, v),
     k AS (SELECT *, row_number() OVER (PARTITION BY name ORDER BY nr + nc DESC, v) > ${MAX_CATEGORIES} AS rare FROM g)
     SELECT name, CASE WHEN rare THEN NULL ELSE v END, rare, sum(nr), sum(nc) FROM k GROUP BY ALL ORDER BY name, rare, 2`,
    binder.params,
  );
  for (const [name, v, rare, nr, nc] of rows) {
    const spec = specs[Number(String(name).slice(1))];
    const counts = spec ? out.get(spec.name) : undefined;
    if (!counts) continue;
    if (rare === true) counts.other = counts.labels.length;
    counts.labels.push(rare === true ? '(rarer categories)' : String(v));
    counts.reference.push(toNumber(nr) ?? 0);
    counts.current.push(toNumber(nc) ?? 0);
  }
  return out;
}

/** Round 2's PSI: bins fixed on the reference (deciles, or its 20 most frequent categories), missing its own bin. */
async function psiByColumn(conn: DuckDBConnection, reference: Source, current: Source, specs: readonly ColumnSpec[]): Promise<Map<string, number>> {
  const plans = await planBins(conn, reference, specs);
  const [ref, cur] = await Promise.all([binnedCounts(conn, reference, plans), binnedCounts(conn, current, plans)]);
  return new Map(plans.map((plan) => [plan.spec.name, populationStabilityIndex(binHistogram(ref, plan), binHistogram(cur, plan))]));
}
