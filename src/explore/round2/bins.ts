/**
 * Binning in DuckDB for round 2: each column becomes a small integer (a quantile bin of its
 * value, or its rank among the most frequent categories; -1 for missing), and whole tables are
 * counted per (column, bin, group) in one scan by unpivoting the binned columns.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { SemanticType } from '../profile-types.js';
import { ParamBinder, queryRows, quoteIdent, toNumber } from '../sql.js';
import type { SqlParams } from '../sql.js';

export interface ColumnSpec {
  readonly name: string;
  readonly physicalType: string;
  readonly semanticType: SemanticType;
  /** strftime format when a string column holds dates */
  readonly datetimeFormat: string | null;
}

/** A relation read by several statements: its FROM fragment and the parameters it binds. */
export interface Source {
  readonly from: string;
  readonly params: SqlParams;
}

export function parquetSource(path: string, paramName = 'src_path'): Source {
  return { from: `read_parquet($${paramName})`, params: { [paramName]: path } };
}

export type BinPlan =
  | { readonly spec: ColumnSpec; readonly kind: 'quantile'; readonly edges: readonly number[] }
  | { readonly spec: ColumnSpec; readonly kind: 'category'; readonly categories: readonly string[] };

const NUMERIC_STORAGE = /INT|FLOAT|DOUBLE|DECIMAL|REAL|NUMERIC/i;
const DATETIME_STORAGE = /^(DATE|TIMESTAMP)/i;

/** Is the column binned by value (numbers, times) rather than by category? */
export function isOrdered(spec: ColumnSpec): boolean {
  if (spec.semanticType === 'numeric') return true;
  if (spec.semanticType === 'datetime') return DATETIME_STORAGE.test(spec.physicalType) || spec.datetimeFormat !== null;
  return false;
}

/** The column as a DOUBLE (numbers; times in epoch seconds) or as VARCHAR (categories). */
export function valueSql(spec: ColumnSpec, binder: ParamBinder): string {
  const col = quoteIdent(spec.name);
  if (spec.semanticType === 'numeric') {
    return NUMERIC_STORAGE.test(spec.physicalType) ? `CAST(${col} AS DOUBLE)` : `TRY_CAST(${col} AS DOUBLE)`;
  }
  if (spec.semanticType === 'datetime') {
    if (DATETIME_STORAGE.test(spec.physicalType)) return `CAST(epoch(CAST(${col} AS TIMESTAMP)) AS DOUBLE)`;
    if (spec.datetimeFormat !== null) {
      return `CAST(epoch(TRY_STRPTIME(CAST(${col} AS VARCHAR), ${binder.bind(spec.datetimeFormat)})) AS DOUBLE)`;
    }
  }
  return `CAST(${col} AS VARCHAR)`;
}

/** Decide the bins of each column from `source` (two scans at most: quantiles, top categories). */
export async function planBins(
  conn: DuckDBConnection,
  source: Source,
  specs: readonly ColumnSpec[],
  options: { quantiles?: number; maxCategories?: number } = {},
): Promise<BinPlan[]> {
  const q = options.quantiles ?? 10;
  const maxCategories = options.maxCategories ?? 20;
  const ordered = specs.filter(isOrdered);
  const categorical = specs.filter((s) => !isOrdered(s));
  const plans = new Map<string, BinPlan>();

  if (ordered.length > 0) {
    const binder = new ParamBinder(source.params);
    const fractions = Array.from({ length: q - 1 }, (_, i) => ((i + 1) / q).toFixed(4)).join(', ');
    const select = ordered.map((s, i) => `quantile_cont(${valueSql(s, binder)}, [${fractions}]) AS "q${i}"`).join(', ');
    const [row] = await queryRows(conn, `SELECT ${select} FROM ${source.from}`, binder.params);
    ordered.forEach((spec, i) => {
      const raw = row?.[i];
      const values = Array.isArray(raw) ? raw.map(toNumber).filter((x): x is number => x !== null) : [];
      const edges = [...new Set(values)].sort((a, b) => a - b);
      plans.set(spec.name, { spec, kind: 'quantile', edges });
    });
  }

  if (categorical.length > 0) {
    const binder = new ParamBinder(source.params);
    const select = categorical.map((s, i) => `${valueSql(s, binder)} AS "c${i}"`).join(', ');
    const rows = await queryRows(
      conn,
      `WITH u AS (UNPIVOT (SELECT ${select} FROM ${source.from}) ON COLUMNS(*) INTO NAME name VALUE v)
       SELECT name, v FROM (
         SELECT name, v, row_number() OVER (PARTITION BY name ORDER BY count(*) DESC, v) AS rn
         FROM u GROUP BY name, v
       ) WHERE rn <= ${Math.floor(maxCategories)} ORDER BY name, rn`,
      binder.params,
    );
    const byAlias = new Map<string, string[]>();
    for (const [name, v] of rows) {
      const list = byAlias.get(String(name)) ?? [];
      list.push(String(v));
      byAlias.set(String(name), list);
    }
    categorical.forEach((spec, i) => plans.set(spec.name, { spec, kind: 'category', categories: byAlias.get(`c${i}`) ?? [] }));
  }
  return specs.map((s) => plans.get(s.name)).filter((p): p is BinPlan => p !== undefined);
}

/** Number of bins a plan produces, missing excluded: bins are 0..binCount-1, missing is -1. */
export function binCount(plan: BinPlan): number {
  return plan.kind === 'quantile' ? plan.edges.length + 1 : plan.categories.length + 1;
}

/** An INTEGER expression: -1 missing; quantile: edges below or at the value; category: 1 + rank, 0 other. */
export function binSql(plan: BinPlan, binder: ParamBinder): string {
  const v = valueSql(plan.spec, binder);
  if (plan.kind === 'quantile') {
    if (plan.edges.length === 0) return `CASE WHEN ${v} IS NULL OR isnan(${v}) THEN -1 ELSE 0 END`;
    const whens = plan.edges.map((e, i) => `WHEN ${v} < ${binder.bind(e)} THEN ${i}`).join(' ');
    return `CASE WHEN ${v} IS NULL OR isnan(${v}) THEN -1 ${whens} ELSE ${plan.edges.length} END`;
  }
  if (plan.categories.length === 0) return `CASE WHEN ${v} IS NULL THEN -1 ELSE 0 END`;
  const whens = plan.categories.map((c, i) => `WHEN ${v} = ${binder.bind(c)} THEN ${i + 1}`).join(' ');
  return `CASE WHEN ${v} IS NULL THEN -1 ${whens} ELSE 0 END`;
}

export interface BinCell {
  readonly column: string;
  readonly group: string;
  readonly bin: number;
  readonly count: number;
  /** sum and sum of squares of the measure over the cell (0 without a measure) */
  readonly sum: number;
  readonly sumSq: number;
}

/**
 * Counts per (column, bin, group) for every plan in one scan. `groupSql` (e.g. the target's
 * class) defaults to a constant; `measureSql` (e.g. a numeric target) is summed per cell;
 * `whereSql` filters rows (e.g. the target present). SQL fragments come from valueSql/binSql.
 */
export async function binnedCounts(
  conn: DuckDBConnection,
  source: Source,
  plans: readonly BinPlan[],
  options: { groupSql?: (binder: ParamBinder) => string; measureSql?: (binder: ParamBinder) => string; whereSql?: (binder: ParamBinder) => string } = {},
): Promise<BinCell[]> {
  if (plans.length === 0) return [];
  const binder = new ParamBinder(source.params);
  const group = options.groupSql ? options.groupSql(binder) : `'all'`;
  const measure = options.measureSql ? options.measureSql(binder) : '0.0';
  const bins = plans.map((p, i) => `${binSql(p, binder)} AS "b${i}"`).join(', ');
  const where = options.whereSql ? `WHERE ${options.whereSql(binder)}` : '';
  const rows = await queryRows(
    conn,
    `WITH b AS (SELECT CAST(${group} AS VARCHAR) AS g__, CAST(${measure} AS DOUBLE) AS m__, ${bins} FROM ${source.from} ${where})
     SELECT name, g__, bin, count(*) AS n, sum(m__) AS s, sum(m__ * m__) AS ss
     FROM (UNPIVOT b ON COLUMNS(* EXCLUDE (g__, m__)) INTO NAME name VALUE bin)
     GROUP BY ALL`,
    binder.params,
  );
  return rows.map(([name, g, bin, n, s, ss]) => {
    const index = Number(String(name).slice(1));
    return {
      column: plans[index]?.spec.name ?? String(name),
      group: g === null ? '' : String(g),
      bin: toNumber(bin) ?? -1,
      count: toNumber(n) ?? 0,
      sum: toNumber(s) ?? 0,
      sumSq: toNumber(ss) ?? 0,
    };
  });
}

/** Counts of each column's bins as a dense array (missing first, then bins 0..k-1). */
export function binHistogram(cells: readonly BinCell[], plan: BinPlan): Float64Array {
  const out = new Float64Array(binCount(plan) + 1);
  for (const c of cells) if (c.column === plan.spec.name) out[c.bin + 1] = (out[c.bin + 1] ?? 0) + c.count;
  return out;
}
