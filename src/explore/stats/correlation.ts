/**
 * Associations between columns, measured on the sample in four statements: Pearson and Spearman
 * (ranks by window functions) for numbers, bias-corrected Cramér's V for categories (pair codes
 * counted with `histogram`), and the correlation ratio η for a category against a number.
 * JavaScript only combines the small aggregate results.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { CorrelationMatrix } from '../profile-types.js';
import { execute, ParamBinder, queryRows, quoteIdent, toCount, toNumber, type Relation } from '../sql.js';
import { correlationRatio } from '../correlation-ratio.js';
import { SelectList } from '../sql-select-list.js';

export interface CorrelationColumn {
  readonly name: string;
  /** SQL expression of the value: DOUBLE for numeric columns, VARCHAR for categorical ones */
  readonly expr: string;
  readonly role: 'numeric' | 'categorical';
  /** numeric columns: a centre to subtract (the mean), for stable sums of squares */
  readonly centre?: number;
}

/** At most this many categories per column enter Cramér's V and η. */
export const MAX_CATEGORIES = 50;

/** Rows of the sample used for associations: plenty for a coefficient, cheap for thousands of pairs. */
export const CORRELATION_ROWS = 20_000;

export async function computeCorrelations(
  conn: DuckDBConnection,
  sample: Relation,
  columns: readonly CorrelationColumn[],
): Promise<CorrelationMatrix[]> {
  const numeric = columns.filter((c) => c.role === 'numeric');
  const categorical = columns.filter((c) => c.role === 'categorical');
  const out: CorrelationMatrix[] = [];
  if (numeric.length + categorical.length < 2) return out;
  const prepared = await prepareSample(conn, sample, categorical, numeric);
  try {
    let spearman: (number | null)[][] | null = null;
    if (numeric.length >= 2) {
      const [pearson, ranked] = await numericCorrelations(conn, prepared, numeric.length);
      spearman = ranked;
      out.push({ method: 'pearson', columns: numeric.map((c) => c.name), values: pearson });
      out.push({ method: 'spearman', columns: numeric.map((c) => c.name), values: ranked });
    }
    await categoricalCorrelations(conn, categorical.length > 0 ? prepared : null, categorical, numeric, out, spearman);
  } finally {
    await prepared.drop();
  }
  return out;
}

async function categoricalCorrelations(
  conn: DuckDBConnection,
  codes: PreparedSample | null,
  categorical: readonly CorrelationColumn[],
  numeric: readonly CorrelationColumn[],
  out: CorrelationMatrix[],
  spearman: (number | null)[][] | null,
): Promise<void> {
  let cramers: (number | null)[][] | null = null;
  if (codes && categorical.length >= 2) {
    cramers = await cramersV(conn, codes, categorical.length);
    out.push({ method: 'cramers_v', columns: categorical.map((c) => c.name), values: cramers });
  }
  let eta: (number | null)[][] | null = null;
  if (codes && numeric.length >= 1) {
    eta = await correlationRatios(conn, codes, categorical.length, numeric.length);
    // rows: categorical, columns: numeric; shown as a square matrix over both, blank within a kind
    const names = [...categorical.map((c) => c.name), ...numeric.map((c) => c.name)];
    const square = names.map((_, i) =>
      names.map((__, j) => {
        if (i < categorical.length && j >= categorical.length) return eta?.[i]?.[j - categorical.length] ?? null;
        if (j < categorical.length && i >= categorical.length) return eta?.[j]?.[i - categorical.length] ?? null;
        return i === j ? 1 : null;
      }),
    );
    out.push({ method: 'correlation_ratio', columns: names, values: square });
  }
  const names = [...numeric.map((c) => c.name), ...categorical.map((c) => c.name)];
  const n = numeric.length;
  const values = names.map((_, i) =>
    names.map((__, j) => {
      if (i === j) return 1;
      if (i < n && j < n) return spearman?.[i]?.[j] ?? null;
      if (i >= n && j >= n) return cramers?.[i - n]?.[j - n] ?? null;
      return i >= n ? eta?.[i - n]?.[j] ?? null : eta?.[j - n]?.[i] ?? null;
    }),
  );
  out.push({ method: 'auto', columns: names, values });
}

async function numericCorrelations(conn: DuckDBConnection, prepared: PreparedSample, m: number): Promise<[(number | null)[][], (number | null)[][]]> {
  const list = new SelectList();
  const at: { p: number; s: number }[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      at[i]![j] = { p: list.add(`corr(x${i}, x${j})`), s: list.add(`corr(r${i}, r${j})`) };
    }
  }
  const row = (await queryRows(conn, `SELECT ${list.toSql()} FROM ${prepared.table}`))[0] ?? [];
  const pearson = square(m);
  const spearman = square(m);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const pos = at[i]![j]!;
      setBoth(pearson, i, j, clampCorr(toNumber(row[pos.p])));
      setBoth(spearman, i, j, clampCorr(toNumber(row[pos.s])));
    }
  }
  return [pearson, spearman];
}

/**
 * The sample reshaped for associations, one temp table with, per row: centred numbers x_j, their
 * average ranks r_j (ties share the mean rank) and category codes c_i (1..k, null beyond
 * MAX_CATEGORIES). Ranks and codes come from one window over the unpivoted columns — a window per
 * column would cost a sort per column.
 */
interface PreparedSample {
  readonly table: string;
  readonly drop: () => Promise<void>;
}

async function prepareSample(
  conn: DuckDBConnection,
  sample: Relation,
  categorical: readonly CorrelationColumn[],
  numeric: readonly CorrelationColumn[],
): Promise<PreparedSample> {
  const tag = `${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const base = quoteIdent(`autolab_corr_base_${tag}`);
  const table = quoteIdent(`autolab_corr_${tag}`);
  const binder = new ParamBinder(sample.params);
  const nums = numeric.map((c, j) => `((${c.expr})::DOUBLE - ${binder.bind(c.centre ?? 0)}::DOUBLE) AS x${j}`);
  const cats = categorical.map((c, i) => `(${c.expr})::VARCHAR AS s${i}`);
  const limit = binder.bind(CORRELATION_ROWS);
  await execute(
    conn,
    `CREATE TEMP TABLE ${base} AS SELECT row_number() OVER () AS rid, ${[...nums, ...cats].join(', ')} FROM (SELECT * FROM ${sample.from} LIMIT ${limit})`,
    binder.params,
  );
  const drop = async () => {
    await conn.run(`DROP TABLE IF EXISTS ${table}`);
    await conn.run(`DROP TABLE IF EXISTS ${base}`);
  };
  try {
    const parts = [`${base}.*`];
    const joins: string[] = [];
    if (numeric.length > 0) {
      const names = numeric.map((_, j) => `x${j}`);
      const ranks = `SELECT rid, ${names.map((n, j) => `max(r) FILTER (WHERE col = '${n}') AS r${j}`).join(', ')}
        FROM (SELECT rid, col, rank() OVER (PARTITION BY col ORDER BY v) + (count(*) OVER (PARTITION BY col, v) - 1) / 2.0 AS r
              FROM (UNPIVOT (SELECT rid, ${names.join(', ')} FROM ${base}) ON ${names.join(', ')} INTO NAME col VALUE v))
        GROUP BY rid`;
      joins.push(`LEFT JOIN (${ranks}) ranks USING (rid)`);
      parts.push(...numeric.map((_, j) => `ranks.r${j}`));
    }
    if (categorical.length > 0) {
      const names = categorical.map((_, i) => `s${i}`);
      const codes = `SELECT rid, ${names.map((n, i) => `max(code) FILTER (WHERE col = '${n}') AS c${i}`).join(', ')}
        FROM (SELECT rid, col, nullif(least(dense_rank() OVER (PARTITION BY col ORDER BY v), ${MAX_CATEGORIES + 1}), ${MAX_CATEGORIES + 1}) AS code
              FROM (UNPIVOT (SELECT rid, ${names.join(', ')} FROM ${base}) ON ${names.join(', ')} INTO NAME col VALUE v))
        GROUP BY rid`;
      joins.push(`LEFT JOIN (${codes}) codes USING (rid)`);
      parts.push(...categorical.map((_, i) => `codes.c${i}`));
    }
    await conn.run(`CREATE TEMP TABLE ${table} AS SELECT ${parts.join(', ')} FROM ${base} ${joins.join(' ')}`);
  } catch (error) {
    await drop();
    throw error;
  }
  return { table, drop };
}

async function cramersV(conn: DuckDBConnection, codes: PreparedSample, k: number): Promise<(number | null)[][]> {
  const list = new SelectList();
  const at: number[][] = Array.from({ length: k }, () => []);
  const stride = MAX_CATEGORIES + 1;
  for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) at[i]![j] = list.add(`histogram(c${i} * ${stride} + c${j})`);
  const result = square(k);
  if (list.size === 0) return result;
  const row = (await queryRows(conn, `SELECT ${list.toSql()} FROM ${codes.table}`))[0] ?? [];
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      const cells = new Map<number, Map<number, number>>();
      const entries = row[at[i]![j]!];
      if (Array.isArray(entries)) {
        for (const e of entries as { key: unknown; value: unknown }[]) {
          const key = toCount(e.key);
          const a = Math.floor(key / stride);
          const b = key % stride;
          const inner = cells.get(a) ?? new Map<number, number>();
          inner.set(b, toCount(e.value));
          cells.set(a, inner);
        }
      }
      setBoth(result, i, j, cramersVFromTable(cells));
    }
  }
  return result;
}

/** Bias-corrected Cramér's V (Bergsma 2013) of a contingency table given as nested maps. */
export function cramersVFromTable(cells: ReadonlyMap<number, ReadonlyMap<number, number>>): number | null {
  const rowTotals = new Map<number, number>();
  const colTotals = new Map<number, number>();
  let n = 0;
  for (const [a, inner] of cells) {
    for (const [b, count] of inner) {
      if (!(count > 0)) continue;
      rowTotals.set(a, (rowTotals.get(a) ?? 0) + count);
      colTotals.set(b, (colTotals.get(b) ?? 0) + count);
      n += count;
    }
  }
  const r = rowTotals.size;
  const k = colTotals.size;
  if (n < 2 || r < 2 || k < 2) return null;
  let chi2 = 0;
  for (const [a, ra] of rowTotals) {
    for (const [b, cb] of colTotals) {
      const expected = (ra * cb) / n;
      const observed = cells.get(a)?.get(b) ?? 0;
      chi2 += ((observed - expected) * (observed - expected)) / expected;
    }
  }
  const phi2 = chi2 / n;
  const phi2corr = Math.max(0, phi2 - ((k - 1) * (r - 1)) / (n - 1));
  const rcorr = r - ((r - 1) * (r - 1)) / (n - 1);
  const kcorr = k - ((k - 1) * (k - 1)) / (n - 1);
  const denom = Math.min(kcorr - 1, rcorr - 1);
  if (denom <= 0) return null;
  return Math.min(1, Math.sqrt(phi2corr / denom));
}

async function correlationRatios(
  conn: DuckDBConnection,
  codes: PreparedSample,
  k: number,
  m: number,
): Promise<(number | null)[][]> {
  const result: (number | null)[][] = Array.from({ length: k }, () => Array.from({ length: m }, () => null));
  const branches: string[] = [];
  for (let i = 0; i < k; i++) {
    const aggs = Array.from({ length: m }, (_, j) => `count(x${j}), sum(x${j}), sum(x${j} * x${j})`).join(', ');
    branches.push(`SELECT ${i} AS cat, c${i} AS code, ${aggs} FROM ${codes.table} WHERE c${i} IS NOT NULL GROUP BY c${i}`);
  }
  const rows = await queryRows(conn, branches.join('\nUNION ALL\n'));
  const groups = new Map<number, unknown[][]>();
  for (const row of rows) {
    const cat = toCount(row[0]);
    const list = groups.get(cat) ?? [];
    list.push(row);
    groups.set(cat, list);
  }
  for (let i = 0; i < k; i++) {
    const g = groups.get(i) ?? [];
    for (let j = 0; j < m; j++) {
      const parts = g.map((row) => ({ n: toCount(row[2 + 3 * j]), sum: toNumber(row[3 + 3 * j]) ?? 0, sumSq: toNumber(row[4 + 3 * j]) ?? 0 }));
      result[i]![j] = correlationRatio(parts);
    }
  }
  return result;
}

function square(n: number): (number | null)[][] {
  return Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? 1 : null)));
}

function setBoth(matrix: (number | null)[][], i: number, j: number, value: number | null): void {
  matrix[i]![j] = value;
  matrix[j]![i] = value;
}

function clampCorr(value: number | null): number | null {
  if (value === null) return null;
  return Math.max(-1, Math.min(1, value));
}
