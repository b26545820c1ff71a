/**
 * Round 2 on the target's table: class balance, each feature's association with the target,
 * leakage suspects and features present in only part of the rows. All counting runs in DuckDB
 * (a handful of scans whatever the column count); only the small count tables come back.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DataError } from '../../common/index.js';
import type { ColumnProfile, TableProfile, TargetTask } from '../profile-types.js';
import { binCount, binnedCounts, isOrdered, planBins, valueSql } from './bins.js';
import type { BinCell, BinPlan, ColumnSpec, Source } from './bins.js';
import { correlationRatio } from '../correlation-ratio.js';
import { aucFromRanks, mutualInformation } from './math.js';
import type { ClassCount, FeatureAssociation, LeakageSuspect, PartialFeature, TargetAnalysis, TargetSummary } from './types.js';
import { ParamBinder, queryRows, quoteIdent, toNumber } from '../sql.js';
import type { ColumnRole } from '../tags/index.js';
import { percent } from '../percent.js';

export interface TargetAnalysisInput {
  readonly source: Source;
  readonly profile: TableProfile;
  readonly target: string;
  /** when absent, inferred from the target's profile */
  readonly task?: TargetTask;
  /** confirmed roles of the table's columns: ids and ignored columns are left out */
  readonly roles?: Readonly<Record<string, ColumnRole | undefined>>;
}

/** A near copy of the target: thresholds on the measures of FeatureAssociation. */
const NEAR_COPY = { normalizedMI: 0.9, aucDistance: 0.49, pearson: 0.99, correlationRatio: 0.99 };

export function specOf(column: ColumnProfile): ColumnSpec {
  return {
    name: column.name,
    physicalType: column.physicalType,
    semanticType: column.semanticType,
    datetimeFormat: column.datetime?.format ?? null,
  };
}

export function inferTask(column: ColumnProfile): TargetTask {
  if (column.semanticType === 'boolean' || column.distinct === 2) return 'binary';
  if (column.semanticType === 'numeric' && column.distinct > 20) return 'regression';
  return 'multiclass';
}

export async function analyseTarget(conn: DuckDBConnection, input: TargetAnalysisInput): Promise<TargetAnalysis> {
  const targetColumn = input.profile.columns.find((c) => c.name === input.target);
  if (!targetColumn) {
    throw new DataError(`the target ${input.profile.name}.${input.target} is not in the table`, 'tag an existing column as the target');
  }
  const task = input.task ?? inferTask(targetColumn);
  const y = quoteIdent(input.target);
  const summary = await summariseTarget(conn, input.source, input.profile.name, targetColumn, task);
  if (task !== 'regression' && (summary.classes?.length ?? 0) < 2) {
    throw new DataError(`the target ${input.profile.name}.${input.target} has fewer than two classes`, 'tag another column as the target');
  }

  const features = input.profile.columns.filter((c) => {
    const role = input.roles?.[c.name];
    if (c.name === input.target || role === 'id' || role === 'ignore' || role === 'target') return false;
    return c.semanticType !== 'empty' && c.semanticType !== 'constant' && (c.semanticType !== 'identifier' || role !== undefined);
  });
  const specs = features.map(specOf);
  const plans = await planBins(conn, input.source, specs);

  let targetGroup: (b: ParamBinder) => string;
  let groups: string[];
  if (task === 'regression') {
    const [targetPlan] = await planBins(conn, input.source, [specOf(targetColumn)]);
    if (!targetPlan) throw new Error('no bins for the target');
    targetGroup = (b) => binSqlFor(targetPlan, b);
    groups = Array.from({ length: binCount(targetPlan) }, (_, i) => String(i));
  } else {
    targetGroup = () => `CAST(${y} AS VARCHAR)`;
    groups = (summary.classes ?? []).map((c) => c.value);
  }
  const cells = await binnedCounts(conn, input.source, plans, {
    groupSql: targetGroup,
    measureSql: task === 'regression' ? () => `CAST(${y} AS DOUBLE)` : undefined,
    whereSql: () => `${y} IS NOT NULL`,
  });
  const cellsByColumn = groupBy(cells, (c) => c.column);

  const numeric = plans.filter((p) => p.kind === 'quantile');
  const [aucs, etas, pearsons] = await Promise.all([
    task === 'binary' ? aucPerFeature(conn, input.source, numeric, y, minorityClass(summary)) : Promise.resolve(new Map<string, number | null>()),
    task !== 'regression' ? correlationRatioByClass(conn, input.source, numeric, y) : Promise.resolve(new Map<string, number | null>()),
    task === 'regression' ? pearsonPerFeature(conn, input.source, numeric, y) : Promise.resolve(new Map<string, number | null>()),
  ]);

  const associations: FeatureAssociation[] = [];
  const leakage: LeakageSuspect[] = [];
  const partialFeatures: PartialFeature[] = [];
  for (const plan of plans) {
    const name = plan.spec.name;
    const own = cellsByColumn.get(name) ?? [];
    const rows = binCount(plan) + 1;
    const counts = new Float64Array(rows * groups.length);
    const groupIndex = new Map(groups.map((g, i) => [g, i]));
    for (const cell of own) {
      const j = groupIndex.get(cell.group);
      if (j !== undefined) counts[(cell.bin + 1) * groups.length + j] = (counts[(cell.bin + 1) * groups.length + j] ?? 0) + cell.count;
    }
    const { mi, targetEntropy } = mutualInformation({ rows, cols: groups.length, counts });
    const normalizedMI = targetEntropy > 0 ? Math.min(1, mi / targetEntropy) : 0;
    const auc = aucs.get(name) ?? null;
    let eta = etas.get(name) ?? null;
    if (task === 'regression' && plan.kind === 'category') eta = categoryEta(own);
    const pearson = pearsons.get(name) ?? null;
    const strength = Math.max(normalizedMI, auc === null ? 0 : Math.abs(auc - 0.5) * 2, eta ?? 0, pearson === null ? 0 : Math.abs(pearson));
    associations.push({
      column: name,
      semanticType: plan.spec.semanticType,
      mutualInformation: round(mi),
      normalizedMI: round(normalizedMI),
      auc: auc === null ? null : round(auc),
      correlationRatio: eta === null ? null : round(eta),
      pearson: pearson === null ? null : round(pearson),
      strength: round(strength),
    });

    // presence that reveals the target is the more specific diagnosis of the same high MI
    let reveal: LeakageSuspect | null = null;
    const profile = features.find((f) => f.name === name);
    const presentShare = profile ? 1 - profile.missingShare : 1;
    if (presentShare < 0.95 && presentShare > 0) {
      const byClass = task === 'regression' ? null : presenceByClass(own, groups);
      partialFeatures.push({ column: name, presentShare: round(presentShare), presentShareByClass: byClass });
      reveal = byClass ? presenceReveals(name, byClass) : null;
    }
    const suspect = reveal ?? nearCopyReason(name, normalizedMI, auc, pearson, eta);
    if (suspect) leakage.push(suspect);
  }
  leakage.push(...(await afterOutcome(conn, input, features)));
  associations.sort((a, b) => b.strength - a.strength || a.column.localeCompare(b.column));
  return { target: summary, associations, leakage, partialFeatures };
}

function binSqlFor(plan: BinPlan, binder: ParamBinder): string {
  const v = valueSql(plan.spec, binder);
  if (plan.kind !== 'quantile' || plan.edges.length === 0) return '0';
  const whens = plan.edges.map((e, i) => `WHEN ${v} < ${binder.bind(e)} THEN ${i}`).join(' ');
  return `CASE ${whens} ELSE ${plan.edges.length} END`;
}

async function summariseTarget(
  conn: DuckDBConnection,
  source: Source,
  table: string,
  column: ColumnProfile,
  task: TargetTask,
): Promise<TargetSummary> {
  const y = quoteIdent(column.name);
  if (task === 'regression') {
    const binder = new ParamBinder(source.params);
    const v = valueSql({ name: column.name, physicalType: column.physicalType, semanticType: 'numeric', datetimeFormat: null }, binder);
    const [row] = await queryRows(
      conn,
      `SELECT count(*), count(${v}), avg(${v}), stddev_samp(${v}), min(${v}), max(${v}) FROM ${source.from}`,
      binder.params,
    );
    const [rows, present, mean, std, min, max] = (row ?? []).map(toNumber);
    return {
      table,
      column: column.name,
      task,
      rows: rows ?? 0,
      missing: (rows ?? 0) - (present ?? 0),
      classes: null,
      imbalanceRatio: null,
      mean: mean ?? null,
      std: std ?? null,
      min: min ?? null,
      max: max ?? null,
    };
  }
  const rows = await queryRows(
    conn,
    `SELECT CAST(${y} AS VARCHAR) AS v, count(*) AS n FROM ${source.from} GROUP BY 1 ORDER BY n DESC, v`,
    source.params,
  );
  let total = 0;
  let missing = 0;
  const present: { value: string; count: number }[] = [];
  for (const [v, n] of rows) {
    const count = toNumber(n) ?? 0;
    total += count;
    if (v === null) missing += count;
    else present.push({ value: String(v), count });
  }
  const known = total - missing;
  const classes: ClassCount[] = present.map((c) => ({ ...c, share: known > 0 ? round(c.count / known) : 0 }));
  const first = classes[0];
  const last = classes[classes.length - 1];
  return {
    table,
    column: column.name,
    task,
    rows: total,
    missing,
    classes,
    imbalanceRatio: first && last && last.count > 0 ? round(first.count / last.count) : null,
    mean: null,
    std: null,
    min: null,
    max: null,
  };
}

function minorityClass(summary: TargetSummary): string {
  const classes = summary.classes ?? [];
  return classes[classes.length - 1]?.value ?? '';
}

/** Exact AUC of each numeric feature for the binary target, tie-averaged ranks, one query. */
async function aucPerFeature(
  conn: DuckDBConnection,
  source: Source,
  plans: readonly BinPlan[],
  y: string,
  positive: string,
): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  if (plans.length === 0) return out;
  const binder = new ParamBinder(source.params);
  const pos = binder.bind(positive);
  const values = plans.map((p, i) => `${valueSql(p.spec, binder)} AS "x${i}"`).join(', ');
  const rows = await queryRows(
    conn,
    `WITH u AS (UNPIVOT (SELECT CAST(CAST(${y} AS VARCHAR) = ${pos} AS INTEGER) AS pos__, ${values}
                         FROM ${source.from} WHERE ${y} IS NOT NULL)
                ON COLUMNS(* EXCLUDE (pos__)) INTO NAME name VALUE v),
          g AS (SELECT name, v, count(*) AS n, sum(pos__) AS p FROM u WHERE NOT isnan(v) GROUP BY name, v),
          r AS (SELECT name, n, p, coalesce(sum(n) OVER (PARTITION BY name ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before FROM g)
     SELECT name, sum(p * (before + (n + 1) / 2.0)), sum(p), sum(n) - sum(p) FROM r GROUP BY name`,
    binder.params,
  );
  for (const [name, rankSum, p, n] of rows) {
    const plan = plans[Number(String(name).slice(1))];
    if (plan) out.set(plan.spec.name, aucFromRanks(toNumber(rankSum) ?? 0, toNumber(p) ?? 0, toNumber(n) ?? 0));
  }
  return out;
}

/** η of each numeric feature grouped by the target's class, one query. */
async function correlationRatioByClass(conn: DuckDBConnection, source: Source, plans: readonly BinPlan[], y: string): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  if (plans.length === 0) return out;
  const binder = new ParamBinder(source.params);
  const values = plans.map((p, i) => `${valueSql(p.spec, binder)} AS "x${i}"`).join(', ');
  const rows = await queryRows(
    conn,
    `WITH u AS (UNPIVOT (SELECT CAST(${y} AS VARCHAR) AS g__, ${values} FROM ${source.from} WHERE ${y} IS NOT NULL)
                ON COLUMNS(* EXCLUDE (g__)) INTO NAME name VALUE v)
     SELECT name, g__, count(*), sum(v), sum(v * v) FROM u WHERE NOT isnan(v) GROUP BY ALL`,
    binder.params,
  );
  const groups = new Map<string, { n: number; sum: number; sumSq: number }[]>();
  for (const [name, , n, s, ss] of rows) {
    const list = groups.get(String(name)) ?? [];
    list.push({ n: toNumber(n) ?? 0, sum: toNumber(s) ?? 0, sumSq: toNumber(ss) ?? 0 });
    groups.set(String(name), list);
  }
  for (const [alias, list] of groups) {
    const plan = plans[Number(alias.slice(1))];
    if (plan) out.set(plan.spec.name, correlationRatio(list));
  }
  return out;
}

async function pearsonPerFeature(conn: DuckDBConnection, source: Source, plans: readonly BinPlan[], y: string): Promise<Map<string, number | null>> {
  const out = new Map<string, number | null>();
  if (plans.length === 0) return out;
  const binder = new ParamBinder(source.params);
  const select = plans.map((p) => `corr(${valueSql(p.spec, binder)}, CAST(${y} AS DOUBLE))`).join(', ');
  const [row] = await queryRows(conn, `SELECT ${select} FROM ${source.from}`, binder.params);
  plans.forEach((p, i) => out.set(p.spec.name, toNumber(row?.[i])));
  return out;
}

/** η of a numeric target across a category feature's bins (missing included as a bin). */
function categoryEta(cells: readonly BinCell[]): number | null {
  const byBin = new Map<number, { n: number; sum: number; sumSq: number }>();
  for (const c of cells) {
    const g = byBin.get(c.bin) ?? { n: 0, sum: 0, sumSq: 0 };
    g.n += c.count;
    g.sum += c.sum;
    g.sumSq += c.sumSq;
    byBin.set(c.bin, g);
  }
  return correlationRatio([...byBin.values()]);
}

function presenceByClass(cells: readonly BinCell[], classes: readonly string[]): { value: string; presentShare: number }[] {
  return classes.map((value) => {
    let total = 0;
    let missing = 0;
    for (const c of cells) {
      if (c.group !== value) continue;
      total += c.count;
      if (c.bin === -1) missing += c.count;
    }
    return { value, presentShare: total > 0 ? round(1 - missing / total) : 0 };
  });
}

/** A feature filled in for one class and empty for another was most likely written with the outcome. */
function presenceReveals(column: string, byClass: readonly { value: string; presentShare: number }[]): LeakageSuspect | null {
  const most = byClass.reduce((a, b) => (b.presentShare > a.presentShare ? b : a), byClass[0] ?? { value: '', presentShare: 0 });
  const least = byClass.reduce((a, b) => (b.presentShare < a.presentShare ? b : a), byClass[0] ?? { value: '', presentShare: 0 });
  const gap = most.presentShare - least.presentShare;
  if (gap < 0.9) return null;
  return {
    column,
    kind: 'presence_reveals_target',
    reason: `${column} is present in ${percent(most.presentShare, 0)} of rows where the target is ${most.value} but ${percent(least.presentShare, 0)} where it is ${least.value}: probably recorded with the outcome`,
    value: round(gap),
  };
}

function nearCopyReason(column: string, nmi: number, auc: number | null, pearson: number | null, eta: number | null): LeakageSuspect | null {
  if (auc !== null && Math.abs(auc - 0.5) >= NEAR_COPY.aucDistance) {
    return { column, kind: 'near_copy', reason: `${column} alone separates the classes (AUC ${auc.toFixed(3)})`, value: round(auc) };
  }
  if (pearson !== null && Math.abs(pearson) >= NEAR_COPY.pearson) {
    return { column, kind: 'near_copy', reason: `${column} is almost a linear copy of the target (r = ${pearson.toFixed(3)})`, value: round(pearson) };
  }
  if (eta !== null && eta >= NEAR_COPY.correlationRatio) {
    return { column, kind: 'near_copy', reason: `the target almost determines ${column} (η = ${eta.toFixed(3)})`, value: round(eta) };
  }
  if (nmi >= NEAR_COPY.normalizedMI) {
    return { column, kind: 'near_copy', reason: `${column} carries ${percent(nmi, 0)} of the target's information`, value: round(nmi) };
  }
  return null;
}

/**
 * Times after the outcome: with a column tagged `time` (when the row was observed), any other
 * datetime feature later than it in most rows was not known at prediction time.
 */
async function afterOutcome(conn: DuckDBConnection, input: TargetAnalysisInput, features: readonly ColumnProfile[]): Promise<LeakageSuspect[]> {
  const timeName = Object.entries(input.roles ?? {}).find(([, role]) => role === 'time')?.[0];
  const timeColumn = input.profile.columns.find((c) => c.name === timeName);
  if (!timeColumn || !isOrdered(specOf(timeColumn))) return [];
  const others = features.filter((f) => f.name !== timeColumn.name && f.semanticType === 'datetime' && isOrdered(specOf(f)));
  if (others.length === 0) return [];
  const binder = new ParamBinder(input.source.params);
  const t = valueSql(specOf(timeColumn), binder);
  const select = others
    .map((f) => {
      const v = valueSql(specOf(f), binder);
      return `avg(CASE WHEN ${v} > ${t} THEN 1.0 ELSE 0.0 END) FILTER (WHERE ${v} IS NOT NULL AND ${t} IS NOT NULL)`;
    })
    .join(', ');
  const [row] = await queryRows(conn, `SELECT ${select} FROM ${input.source.from}`, binder.params);
  const out: LeakageSuspect[] = [];
  others.forEach((f, i) => {
    const share = toNumber(row?.[i]);
    if (share !== null && share >= 0.5) {
      out.push({
        column: f.name,
        kind: 'after_outcome',
        reason: `${f.name} is later than the observation time ${timeColumn.name} in ${percent(share, 0)} of rows: not known when predicting`,
        value: round(share),
      });
    }
  });
  return out;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

