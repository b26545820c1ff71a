/**
 * Exploration round 1 for one table. The work is a handful of DuckDB statements:
 *   1. schema and row count (Parquet metadata);
 *   2. a reservoir sample into a temp table (the whole table when small);
 *   3. string formats on the sample (numbers, booleans, dates and which format);
 *   4. the main scan: every column's aggregates and whole-row duplicates;
 *   5. top values (a UNION ALL of per-column GROUP BYs; on a wide table, histograms per chunk);
 *   6. the second scan: histograms, outliers, exact uniqueness checks, key pairs, missing pairs;
 *   7. correlations and PII on the sample.
 * JavaScript only assembles the aggregate results.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { describeError, InputError } from '../common/index.js';
import type {
  CandidateKey,
  ColumnProfile,
  DatetimeStats,
  MissingCooccurrence,
  NumericStats,
  ProfileInput,
  ProfileOptions,
  StringStats,
  TableProfile,
  ValueCount,
} from './profile-types.js';
import { columnAlerts, tableAlerts, type ColumnAlertContext } from './alerts.js';
import {
  addHistogramAggregates,
  addMissingAggregates,
  bitmapCheck,
  computeCorrelations,
  DISTINCT_ROWS_EXPR,
  MAX_CATEGORIES,
  numericExpr,
  QUANTILE_LEVELS,
  ROW_ALIAS,
  runBitmapChecks,
  runMainScan,
  topValues,
  valueCounts,
  WIDE_RELATION_COLUMNS,
  type ColumnPlan,
  type CorrelationColumn,
  type HistogramResult,
  type RawColumnStats,
} from './stats/index.js';
import { keyEligible, pairCandidates, pairDistinctExpr, pairKey, pairsUniqueOnSample, rankKeys, singleKey, type KeyColumnInfo } from './keys.js';
import {
  formatShare,
  inferSemanticType,
  measureStringFormats,
  PLACEHOLDER_NUMBERS,
  planColumn,
  type TypeInference,
  narrowWideIntegers,
} from './types/index.js';
import { detectPiiOnRelation, type PiiColumn } from './pii/index.js';
import { execute, ParamBinder, parquetRelation, queryRows, quoteIdent, tableRelation, tempName, toCount, type Relation } from './sql.js';
import { SelectList } from './sql-select-list.js';

type Options = Required<Omit<ProfileOptions, 'onPhase'>> & {
  /** cells (rows × columns) the sample may hold; wide tables get fewer sample rows */
  readonly sampleCellBudget: number;
  /** columns with more distinct values than this have their top values counted on the sample */
  readonly topValuesFullDistinctLimit: number;
  /** beyond the row limit, columns estimated to have at most this many distinct values are recounted exactly */
  readonly exactDistinctValueLimit: number;
};

export const PROFILE_DEFAULTS: Options = {
  exactDistinctRowLimit: 1_000_000,
  exactDistinctValueLimit: 100_000,
  topK: 10,
  histogramBins: 20,
  sampleRows: 100_000,
  maxCorrelationColumns: 50,
  maxKeyPairColumns: 12,
  skipPii: false,
  sampleCellBudget: 20_000_000,
  topValuesFullDistinctLimit: 100_000,
};

/**
 * Approximate distinct counts this close to the row count are checked exactly, so a key is never
 * declared (or missed) on a sketch; HyperLogLog can be 10% off on sequential integers.
 */
const NEAR_UNIQUE = 0.8;

/** Aggregates per statement of the second scan. */
const SECOND_SCAN_CHUNK = 300;

export async function profileTable(conn: DuckDBConnection, input: ProfileInput, options: ProfileOptions = {}): Promise<TableProfile> {
  const { onPhase, ...settings } = options;
  const opts: Options = { ...PROFILE_DEFAULTS, ...definedOnly(settings) };
  const started = performance.now();
  const phases: Record<string, number> = {};
  let mark = started;
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - mark);
    mark = now;
    onPhase?.(name, phases[name]);
  };

  const stored = input.parquetPath !== undefined ? parquetRelation(input.parquetPath) : tableRelation(input.tableName ?? input.name);
  const storedSchema = await readSchema(conn, stored, input.name);
  const wide = await narrowWideIntegers(conn, stored, storedSchema);
  const source = wide.source;
  const schema = source === stored ? storedSchema : await readSchema(conn, source, input.name);
  const rows = toCount((await queryRows(conn, `SELECT count(*) FROM ${source.from}`, source.params))[0]?.[0]);
  phase('schema');

  const sampleTarget = Math.max(1000, Math.min(opts.sampleRows, Math.floor(opts.sampleCellBudget / Math.max(1, schema.length))));
  const sampleTable = quoteIdent(tempName('autolab_sample'));
  // a sample of nearly every row costs what the whole table does: copy it all, and read no Parquet again
  const wholeTable = rows <= sampleTarget * 1.25;
  const sampleSql = wholeTable
    ? `CREATE TEMP TABLE ${sampleTable} AS SELECT * FROM ${source.from}`
    : rows > 10 * sampleTarget
      ? // whole vectors at random: far cheaper than a reservoir over every row, and random enough for formats, PII and correlations
        `CREATE TEMP TABLE ${sampleTable} AS SELECT * FROM ${source.from} USING SAMPLE ${((100 * sampleTarget) / rows).toFixed(4)}% (system, 42)`
      : `CREATE TEMP TABLE ${sampleTable} AS SELECT * FROM ${source.from} USING SAMPLE reservoir(${Math.floor(sampleTarget)} ROWS) REPEATABLE (42)`;
  await execute(conn, sampleSql, source.params);
  try {
    const sample: Relation = { from: sampleTable, params: {}, label: `sample of ${source.label}` };
    // a small table is read from its in-memory copy: faster than decoding Parquet again
    const full = wholeTable ? sample : source;
    const sampleRows = toCount((await queryRows(conn, `SELECT count(*) FROM ${sampleTable}`))[0]?.[0]);
    phase('sample');
    const profile = await profileFromSample(conn, input, source, full, sample, schema, rows, sampleRows, opts, phases, phase, started);
    return wide.alerts.length === 0 ? profile : { ...profile, alerts: [...wide.alerts, ...profile.alerts] };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${sampleTable}`);
  }
}

async function profileFromSample(
  conn: DuckDBConnection,
  input: ProfileInput,
  source: Relation,
  full: Relation,
  sample: Relation,
  schema: readonly { name: string; type: string }[],
  rows: number,
  sampleRows: number,
  opts: Options,
  phases: Record<string, number>,
  phase: (name: string) => void,
  started: number,
): Promise<TableProfile> {
  const stringColumns = schema.filter((c) => planColumn(c.name, 0, c.type, null).kind === 'string').map((c) => c.name);
  const formats = await measureStringFormats(conn, sample, stringColumns);
  const plans = schema.map((c, i) => planColumn(c.name, i, c.type, formats.get(c.name) ?? null));
  phase('formats');

  // exact distinct counts and top values from one value count, before the main scan (which then
  // counts no distinct values): for a table held whole in memory, and for a wide one whose columns
  // cannot hold more distinct values than top values count on the full table anyway — there a
  // histogram costs a third of a `count(DISTINCT …)` (5,000 columns × 10,000 rows: ~80 s CPU of
  // distinct counts), and every column's top values are exact
  const countFirst = rows > 0 && (full === sample || (schema.length > WIDE_RELATION_COLUMNS && rows <= opts.topValuesFullDistinctLimit));
  const counted = countFirst ? await valueCounts(conn, full, plans.map((p) => p.name), opts.topK) : null;
  if (counted) phase('value_counts');

  const exactScan = rows <= opts.exactDistinctRowLimit;
  const sampleNonIntegral = exactScan ? undefined : await decimalNonIntegral(conn, sample, plans);
  const main = await runMainScan(conn, full, plans, {
    rows,
    exactDistinctRowLimit: opts.exactDistinctRowLimit,
    withMad: full === sample,
    sampleNonIntegral,
    knownDistinct: counted?.distinct,
  });
  phase('aggregates');

  const fromSample = (s: RawColumnStats) =>
    counted === null && full !== sample && (s.distinct > opts.topValuesFullDistinctLimit || s.distinct >= 0.5 * s.nonMissing);
  const tops = counted
    ? counted.top
    : await topValues(
        conn,
        full,
        sample,
        plans.map((p, i) => ({ name: p.name, fromSample: fromSample(main.columns[i]!) })),
        opts.topK,
        schema.length,
      );
  if (!counted) phase('top_values');

  const provisional = plans.map((plan, i) => {
    const stats = main.columns[i]!;
    const unique = stats.nonMissing > 0 && (stats.distinctApprox ? stats.distinct >= NEAR_UNIQUE * stats.nonMissing : stats.distinct === stats.nonMissing);
    return inferSemanticType({ plan, stats, unique, topValues: tops.get(plan.name) ?? [] });
  });

  // exact recounts where the sketch was used: cheap for few distinct values, needed for keys
  const exactChecks = plans.filter((_, i) => {
    const s = main.columns[i]!;
    return s.distinctApprox && s.nonMissing > 0 && (s.distinct <= opts.exactDistinctValueLimit || s.distinct >= NEAR_UNIQUE * s.nonMissing);
  });
  const keyInfos = (types: readonly TypeInference[], uniques: ReadonlyMap<string, number>) =>
    plans.map((plan, i): KeyColumnInfo => {
      const s = main.columns[i]!;
      return {
        name: plan.name,
        index: i,
        semanticType: types[i]!.semanticType,
        kind: plan.kind,
        missing: rows - s.nonMissing,
        distinct: uniques.get(plan.name) ?? s.distinct,
        exact: !s.distinctApprox || uniques.has(plan.name),
        integral: (s.numeric?.nonIntegral ?? 0) === 0,
      };
    });
  const provisionalInfos = keyInfos(provisional, new Map());
  const provisionallyUnique = new Set(provisionalInfos.filter((k) => keyEligible(k) && k.distinct >= NEAR_UNIQUE * rows).map((k) => k.name));
  const pairs = rows > 1 ? pairCandidates(provisionalInfos, rows, provisionallyUnique, opts.maxKeyPairColumns) : [];
  const samplePairs = await pairsUniqueOnSample(conn, sample, sampleRows, pairs);
  phase('key_pairs_sample');

  // exact recounts of integers, dates and whole-second timestamps by bitmap, before the second
  // scan: far cheaper than hashing, and a column found unique spares the whole-row duplicate count
  const bitmapDistinct = await runBitmapChecks(
    conn,
    full,
    exactChecks.flatMap((p) => bitmapCheck(p, main.columns[p.index]!) ?? []),
  );
  phase('exact_bitmaps');

  // second scan
  const second = new SelectList();
  const binder = new ParamBinder(full.params);
  const histogramReaders = plans.map((plan, i) => addHistogramAggregates(second, binder, plan, main.columns[i]!, opts.histogramBins));
  const exactAt = exactChecks.filter((p) => !bitmapDistinct.has(p.name)).map((p) => ({ name: p.name, at: second.add(`count(DISTINCT ${quoteIdent(p.name)})`) }));
  const pairAt = full === sample ? [] : samplePairs.map((pair) => ({ pair, at: second.add(pairDistinctExpr(pair[0].name, pair[1].name)) }));
  const sentinelAt = plans.flatMap((plan, i) => sentinelChecks(second, binder, plan, main.columns[i]!));
  // a column that is present and distinct in every row already proves there are no duplicate rows
  const surelyUnique =
    main.columns.some((s) => !s.distinctApprox && s.nonMissing === rows && s.distinct === rows) ||
    plans.some((p, i) => main.columns[i]!.nonMissing === rows && bitmapDistinct.get(p.name) === rows);
  const distinctRowsAt = schema.length > 0 && !surelyUnique ? second.add(DISTINCT_ROWS_EXPR) : -1;
  const missingReader = addMissingAggregates(second, plans.map((p, i) => ({ name: p.name, missing: rows - main.columns[i]!.nonMissing })), rows);
  const secondRow: unknown[] = [];
  // in parts: one statement of thousands of aggregates (a wide table) runs at half the speed
  for (const part of second.chunks(SECOND_SCAN_CHUNK)) {
    secondRow.push(...((await queryRows(conn, `SELECT\n  ${part}\nFROM ${full.from} AS ${ROW_ALIAS}`, binder.params))[0] ?? []));
  }
  const histograms: (HistogramResult | null)[] = histogramReaders.map((read) => (read ? read(secondRow) : null));
  const exactDistinct = new Map([...bitmapDistinct, ...exactAt.map(({ name, at }) => [name, toCount(secondRow[at])] as const)]);
  const uniquePairs = full === sample ? samplePairs : pairAt.filter(({ at }) => toCount(secondRow[at]) === rows).map(({ pair }) => pair);
  const missingCooccurrence: MissingCooccurrence | null = missingReader ? missingReader(secondRow) : null;
  const sentinels = new Map<string, ValueCount[]>();
  for (const { name, value, at } of sentinelAt) {
    const count = toCount(secondRow[at]);
    if (count > 0) sentinels.set(name, [...(sentinels.get(name) ?? []), { value: String(value), count }]);
  }
  let distinctRows: number | null = null;
  if (surelyUnique) distinctRows = rows;
  else if (distinctRowsAt >= 0) distinctRows = toCount(secondRow[distinctRowsAt]);
  phase('histograms');

  const types = plans.map((plan, i) => {
    const stats = withExactDistinct(main.columns[i]!, exactDistinct.get(plan.name));
    return inferSemanticType({ plan, stats, unique: isUnique(stats), topValues: tops.get(plan.name) ?? [] });
  });
  const finalInfos = keyInfos(types, exactDistinct);
  const keys: CandidateKey[] = [];
  if (rows > 0) {
    for (const info of finalInfos) if (keyEligible(info) && info.exact && info.distinct === rows) keys.push(singleKey(info, rows));
    for (const [a, b] of uniquePairs) {
      const ia = finalInfos[a.index]!;
      const ib = finalInfos[b.index]!;
      if (keyEligible(ia) && keyEligible(ib)) keys.push(pairKey(ia, ib));
    }
  }
  const candidateKeys = rankKeys(keys);

  const columns = plans.map((plan, i) =>
    assembleColumn(plan, withSentinels(withExactDistinct(main.columns[i]!, exactDistinct.get(plan.name)), sentinels.get(plan.name)), types[i]!, tops.get(plan.name) ?? [], histograms[i] ?? null, rows, fromSample(main.columns[i]!)),
  );
  phase('assemble');

  const correlationColumns = chooseCorrelationColumns(plans, columns, opts.maxCorrelationColumns);
  const correlations = rows >= 3 ? await computeCorrelations(conn, sample, correlationColumns) : [];
  phase('correlations');

  const piiColumns: PiiColumn[] = columns.map((c, i) => ({
    name: c.name,
    kind: plans[i]!.kind,
    semanticType: c.semanticType,
    datetimeMin: c.datetime?.min ?? null,
    datetimeMax: c.datetime?.max ?? null,
  }));
  const pii = opts.skipPii ? [] : await detectPiiOnRelation(conn, input.name, sample, piiColumns, schema.length > 500 ? 50 : 200);
  phase('pii');

  const duplicateRows = distinctRows === null ? null : rows - distinctRows;
  const alerts = [...tableAlerts(rows, duplicateRows, correlations), ...columns.flatMap((c) => c.alerts)];
  return {
    profileVersion: 1,
    name: input.name,
    source: source.label,
    rows,
    columnCount: columns.length,
    columns,
    duplicateRows,
    duplicateRowsShare: duplicateRows === null || rows === 0 ? null : duplicateRows / rows,
    candidateKeys,
    correlations,
    missingCooccurrence,
    pii,
    alerts,
    sampleRows,
    timings: { totalMs: Math.round(performance.now() - started), phases },
  };
}

async function readSchema(conn: DuckDBConnection, source: Relation, name: string): Promise<{ name: string; type: string }[]> {
  try {
    const reader = await conn.runAndReadAll(`SELECT * FROM ${source.from} LIMIT 0`, source.params);
    const names = reader.columnNames();
    const types = reader.columnTypes().map((t) => t.toString());
    return names.map((n, i) => ({ name: n, type: types[i] ?? 'VARCHAR' }));
  } catch (error) {
    throw new InputError(`cannot read table ${name} from ${source.label}: ${describeError(error).split('\n')[0]}`, 'check that the snapshot file exists and is Parquet', { cause: error });
  }
}

/** Non-integral counts of DECIMAL columns with a scale, on the sample (one statement). */
async function decimalNonIntegral(conn: DuckDBConnection, sample: Relation, plans: readonly ColumnPlan[]): Promise<Map<string, number>> {
  const decimals = plans.filter((p) => p.kind === 'decimal');
  const out = new Map<string, number>();
  if (decimals.length === 0) return out;
  const list = new SelectList();
  for (const p of decimals) list.add(`count_if(${quoteIdent(p.name)} <> floor(${quoteIdent(p.name)}))`);
  const row = (await queryRows(conn, `SELECT ${list.toSql()} FROM ${sample.from}`, sample.params))[0] ?? [];
  decimals.forEach((p, i) => out.set(p.name, toCount(row[i])));
  return out;
}

function withExactDistinct(stats: RawColumnStats, exact: number | undefined): RawColumnStats {
  return exact === undefined ? stats : { ...stats, distinct: exact, distinctApprox: false };
}

function withSentinels(stats: RawColumnStats, sentinels: ValueCount[] | undefined): RawColumnStats {
  return sentinels === undefined ? stats : { ...stats, placeholders: [...stats.placeholders, ...sentinels] };
}

/**
 * Numeric "no value" sentinels (-999…) are only suspected at a column's minimum or maximum: count
 * those — in number columns and in columns of numbers written as text (`-999` beside `N/A`).
 */
function sentinelChecks(list: SelectList, binder: ParamBinder, plan: ColumnPlan, stats: RawColumnStats): { name: string; value: number; at: number }[] {
  const expr = numericExpr(plan);
  const numeric = stats.numeric;
  if (expr === null || !numeric) return [];
  const extremes = [...new Set([numeric.min, numeric.max])].filter((v): v is number => v !== null && PLACEHOLDER_NUMBERS.includes(v));
  return extremes.map((value) => ({ name: plan.name, value, at: list.add(`count_if(${expr} = ${binder.bind(value)})`) }));
}

function isUnique(stats: RawColumnStats): boolean {
  return !stats.distinctApprox && stats.nonMissing > 0 && stats.distinct === stats.nonMissing;
}

function assembleColumn(
  plan: ColumnPlan,
  stats: RawColumnStats,
  type: TypeInference,
  top: readonly ValueCount[],
  histogram: HistogramResult | null,
  rows: number,
  topFromSample: boolean,
): ColumnProfile {
  const missing = rows - stats.nonMissing;
  const numeric = numericStats(stats, histogram);
  const datetime = datetimeStats(plan, stats, histogram) ?? epochStats(type, stats, histogram);
  const strings = stringStats(plan, stats);
  const base: ColumnProfile = {
    name: plan.name,
    index: plan.index,
    physicalType: plan.physicalType,
    semanticType: type.semanticType,
    typeConfidence: type.confidence,
    typeReasons: type.reasons,
    count: rows,
    missing,
    missingShare: rows > 0 ? missing / rows : 0,
    distinct: stats.distinct,
    distinctApprox: stats.distinctApprox,
    distinctShare: stats.nonMissing > 0 ? Math.min(1, stats.distinct / stats.nonMissing) : 0,
    unique: isUnique(stats),
    topValues: top,
    topValuesFromSample: topFromSample,
    placeholders: stats.placeholders,
    numeric,
    datetime,
    strings,
    alerts: [],
  };
  const formats = plan.formats;
  const context: ColumnAlertContext = {
    numbersAsStrings: plan.numericSource === 'string' && (type.semanticType === 'numeric' || type.semanticType === 'identifier'),
    datesAsStrings: plan.kind === 'string' && plan.temporalSource !== null && type.semanticType === 'datetime' ? plan.temporalSource : null,
    booleansAsStrings: plan.kind === 'string' && type.semanticType === 'boolean',
    numberShare: formats && plan.numericSource === null && plan.temporalSource === null ? formatShare(formats, formats.numeric) : null,
    dateShare: formats && plan.temporalSource === null ? formatShare(formats, formats.datetime) : null,
  };
  return { ...base, alerts: columnAlerts(base, context) };
}

function numericStats(stats: RawColumnStats, histogram: HistogramResult | null): NumericStats | null {
  const n = stats.numeric;
  if (!n || n.parsed === 0) return null;
  const q = n.quantiles;
  return {
    min: n.min,
    max: n.max,
    mean: n.mean,
    std: n.std,
    sum: n.sum,
    skewness: n.skewness,
    kurtosis: n.kurtosis,
    mad: n.mad,
    quantiles: { p01: q[0] ?? null, p05: q[1] ?? null, p25: q[2] ?? null, p50: q[3] ?? null, p75: q[4] ?? null, p95: q[5] ?? null, p99: q[6] ?? null },
    zeros: n.zeros,
    negatives: n.negatives,
    infinite: n.infinite,
    outliers: histogram?.outliers ?? 0,
    outlierFences: histogram?.fences ?? null,
    integral: n.nonIntegral === 0,
    histogram: histogram?.histogram ?? [],
  };
}

function datetimeStats(plan: ColumnPlan, stats: RawColumnStats, histogram: HistogramResult | null): DatetimeStats | null {
  const t = stats.temporal;
  if (!t || t.parsed === 0) return null;
  return {
    min: t.minIso,
    max: t.maxIso,
    format: plan.temporalSource === 'native' ? null : plan.temporalSource,
    parsedShare: stats.nonMissing > 0 ? t.parsed / stats.nonMissing : 0,
    histogram: histogram?.histogram ?? [],
  };
}

/** Datetime statistics of whole numbers counting time since 1970. */
function epochStats(type: TypeInference, stats: RawColumnStats, histogram: HistogramResult | null): DatetimeStats | null {
  const n = stats.numeric;
  if (!type.epochUnit || !n || n.min === null || n.max === null) return null;
  const scale = type.epochUnit === 'seconds' ? 1000 : 1;
  const iso = (v: number) => new Date(v * scale).toISOString();
  return {
    min: iso(n.min),
    max: iso(n.max),
    format: `epoch ${type.epochUnit}`,
    parsedShare: stats.nonMissing > 0 ? n.parsed / stats.nonMissing : 0,
    histogram: (histogram?.histogram ?? []).map((b) => ({ lower: b.lower * scale, upper: b.upper * scale, count: b.count })),
  };
}

function stringStats(plan: ColumnPlan, stats: RawColumnStats): StringStats | null {
  const s = stats.strings;
  if (!s) return null;
  const f = plan.formats;
  return {
    minLength: s.minLength,
    maxLength: s.maxLength,
    meanLength: s.meanLength,
    blank: s.blank,
    padded: s.padded,
    numericShare: f ? formatShare(f, f.numeric) : 0,
    datetimeShare: f ? formatShare(f, f.datetime) : 0,
    booleanShare: f ? formatShare(f, f.boolean) : 0,
    meanWords: f?.meanWords ?? null,
  };
}

function chooseCorrelationColumns(plans: readonly ColumnPlan[], columns: readonly ColumnProfile[], max: number): CorrelationColumn[] {
  const numeric: CorrelationColumn[] = [];
  const categorical: CorrelationColumn[] = [];
  columns.forEach((c, i) => {
    const plan = plans[i]!;
    const expr = numericExpr(plan);
    if (c.semanticType === 'numeric' && expr !== null && numeric.length < max) {
      numeric.push({ name: c.name, expr, role: 'numeric', centre: c.numeric?.mean ?? 0 });
    } else if ((c.semanticType === 'categorical' || c.semanticType === 'boolean') && c.distinct <= MAX_CATEGORIES && categorical.length < max) {
      categorical.push({ name: c.name, expr: `${quoteIdent(c.name)}::VARCHAR`, role: 'categorical' });
    }
  });
  return [...numeric, ...categorical];
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The quantile levels reported in NumericStats, for readers that iterate them. */
export const REPORTED_QUANTILES = QUANTILE_LEVELS;
