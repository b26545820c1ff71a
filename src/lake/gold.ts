/**
 * Gold: the modelling table, one row per row of the target table, built in DuckDB SQL
 * from a `GoldPlan` over silver Parquet files. Parents are joined on their key; children are
 * aggregated per key. Where the target table has a cut-off time, a child's aggregates see only
 * rows known strictly before the target row's time: the child's rows become running totals per
 * key (`RunningTotals`), and each target row is ASOF-joined to the last of them before its time.
 * Featuretools includes the cut-off instant by default; we do not.
 * Every identifier is quoted, every path and value bound; the target expression, SQL a person
 * wrote, was checked by `checkTargetExpression` and is spliced in its checked wrapper.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { InputError, tempPrefix } from '../common/index.js';
import { describeParquet } from './bronze-writer.js';
import { execute, firstLine, quoteIdent, quoteLiteral, type SqlParams } from './sql.js';
import { wrapTargetExpression } from './target-expression.js';
import { goldLabelName, type GoldAggregate, type GoldFeature, type GoldPlan, type GoldTable, type GoldValueKind, type ParentHop } from './gold-types.js';

const ROW = '__autolab_row';
const LABEL = '__autolab_label';

export interface GoldBuildInput {
  readonly plan: GoldPlan;
  /** the target rows: the target table's silver when training, new rows (cleaned alike) when scoring */
  readonly targetPath: string;
  /** every table the plan reads, by name, as Parquet (the target table too: it can be its own child) */
  readonly tablePaths: Readonly<Record<string, string>>;
  /** compute the label (training); scoring rows may not have the columns it reads */
  readonly withLabel: boolean;
  /** only these features (the pruned plan's), in this order; default every feature of the plan */
  readonly features?: readonly string[];
}

class Params {
  readonly values: SqlParams = {};
  #count = 0;
  bind(value: string): string {
    const name = `p${this.#count++}`;
    this.values[name] = value;
    return `$${name}`;
  }
}

const q = quoteIdent;

function tableOf(plan: GoldPlan, name: string): GoldTable {
  const table = plan.tables.find((t) => t.name === name);
  if (!table) throw new Error(`the gold plan reads table ${name} but does not describe it`);
  return table;
}

function kindOf(plan: GoldPlan, table: string, column: string): GoldValueKind {
  const found = tableOf(plan, table).columns.find((c) => c.name === column);
  if (!found) throw new Error(`the gold plan reads ${table}.${column}, a column it does not describe`);
  return found.kind;
}

/** Keys of two kinds are compared as text (an integer id beside its text spelling). */
function keyExpression(expression: string, kind: GoldValueKind, other: GoldValueKind): string {
  return kind === other ? expression : `CAST(${expression} AS VARCHAR)`;
}

function pathKey(path: readonly ParentHop[]): string {
  return JSON.stringify(path.map((h) => [h.via, h.parent, h.key]));
}

/** The joins from the target rows (`t`) out to every parent a set of paths reaches, each prefix once. */
class ParentJoins {
  readonly #aliases = new Map<string, string>();
  readonly #joins: string[] = [];
  readonly #cte: string[];
  constructor(
    private readonly plan: GoldPlan,
    private readonly params: Params,
    private readonly paths: Readonly<Record<string, string>>,
    cte: string[],
  ) {
    this.#cte = cte;
  }

  /** The alias of the row at the end of `path` (`t` for the empty path), joining what is missing. */
  alias(path: readonly ParentHop[]): string {
    if (path.length === 0) return 't';
    const key = pathKey(path);
    const known = this.#aliases.get(key);
    if (known) return known;
    const from = this.alias(path.slice(0, -1));
    const hop = path[path.length - 1]!;
    const fromTable = path.length === 1 ? this.plan.target.table : path[path.length - 2]!.parent;
    const alias = `p${this.#aliases.size}`;
    const source = this.paths[hop.parent];
    if (source === undefined) throw new Error(`no Parquet file for table ${hop.parent}`);
    // one row per key: silver deduplicates on a confirmed key, but a parent's key may not be one
    this.#cte.push(`${alias}_rows AS (SELECT * FROM read_parquet(${this.params.bind(source)}) WHERE ${q(hop.key)} IS NOT NULL QUALIFY row_number() OVER (PARTITION BY ${q(hop.key)}) = 1)`);
    const left = keyExpression(`${from}.${q(hop.via)}`, kindOf(this.plan, fromTable, hop.via), kindOf(this.plan, hop.parent, hop.key));
    const right = keyExpression(`${alias}.${q(hop.key)}`, kindOf(this.plan, hop.parent, hop.key), kindOf(this.plan, fromTable, hop.via));
    this.#joins.push(`LEFT JOIN ${alias}_rows AS ${alias} ON ${right} = ${left}`);
    this.#aliases.set(key, alias);
    return alias;
  }

  joins(): string {
    return this.#joins.join('\n');
  }
}

function tableAtEnd(plan: GoldPlan, path: readonly ParentHop[]): string {
  return path.length === 0 ? plan.target.table : path[path.length - 1]!.parent;
}

function datePart(expression: string, part: string): string {
  switch (part) {
    case 'weekend':
      return `CAST(dayofweek(${expression}) IN (0, 6) AS INTEGER)`;
    case 'weekday':
      return `CAST(dayofweek(${expression}) AS INTEGER)`;
    default:
      return `CAST(date_part(${quoteLiteral(part)}, ${expression}) AS INTEGER)`;
  }
}

/** An aggregate over a value column `v`, the child's time `ct`, the probe's time `pt` (cut-off); `over` is '' or ` OVER w`. */
function aggregateSql(a: GoldAggregate, v: string, ct: string | null, pt: string | null, over: string, params: Params): string | null {
  switch (a.fn) {
    case 'count':
      return `count(${v})${over}`;
    case 'mean':
      return `avg(${v})${over}`;
    case 'sum':
      return `sum(${v})${over}`;
    case 'min':
      return `min(${v})${over}`;
    case 'max':
      return `max(${v})${over}`;
    case 'std':
      return `stddev_samp(${v})${over}`;
    case 'distinct':
      return `count(DISTINCT ${v})${over}`;
    case 'mode':
      return `mode(${v})${over}`;
    case 'count_value':
      return `coalesce(sum(CASE WHEN CAST(${v} AS VARCHAR) = ${params.bind(a.value)} THEN 1 ELSE 0 END)${over}, 0)`;
    case 'last':
      if (ct === null) return null;
      return over ? `last_value(${v} IGNORE NULLS)${over}` : `arg_max(${v}, ${ct})`;
    case 'trend':
      // per day; NaN (one row) is missing
      return ct === null ? null : `nullif(regr_slope(${v}, epoch(${ct}))${over} * 86400, 'NaN'::DOUBLE)`;
    case 'days_since_last':
      return ct === null || pt === null ? null : `(epoch(${pt}) - epoch(max(${ct})${over})) / 86400.0`;
    case 'recent_count':
    case 'recent_mean':
      // "the last days before the cut-off" has no meaning without one
      return null;
    case 'label_mean':
      // without a cut-off the rows would include the row's own label
      return null;
  }
}

type AggregateFeature = Extract<GoldFeature, { kind: 'aggregate' }>;

/** The label on the rows of `child` as a number, when `child` is the target table and its label an expression (checked, in its wrapper); else null. */
function labelValue(plan: GoldPlan, child: string): string | null {
  const label = plan.target.label;
  return child === plan.target.table && label.kind === 'expression' ? `CAST(${wrapTargetExpression(label.expression)} AS DOUBLE)` : null;
}

function valueColumn(a: GoldAggregate): string | null {
  return 'column' in a ? a.column : null;
}

/**
 * The SELECT that computes the gold table: the row number of each target row (`__autolab_row`,
 * dropped on write), the label when asked, then the features in order. Under a cut-off it reads
 * files that `stages` write first, in order, into `scratch`: each child's running totals, then
 * each group's features per target row, in the target rows' order — the SELECT puts them beside
 * the target rows by position. One statement held every group's rows in hash tables and sorted
 * every column at the end: past DuckDB's 2 GB it spilled 10 GB for 3M flights (91 features).
 */
export function goldSelect(input: GoldBuildInput, scratch: string): { sql: string; params: SqlParams; columns: string[]; stages: string[] } {
  const { plan } = input;
  const params = new Params();
  const cte: string[] = [];
  const wanted = input.features ? new Set(input.features) : undefined;
  const features = plan.features.filter((f) => !wanted || wanted.has(f.name));
  if (wanted && features.length !== wanted.size) {
    const missing = [...wanted].filter((n) => !plan.features.some((f) => f.name === n));
    throw new Error(`features not in the gold plan: ${missing.join(', ')}`);
  }
  const label = plan.target.label;
  const labelSql = !input.withLabel ? '' : label.kind === 'column' ? `, ${q(label.column)} AS ${LABEL}` : `, ${wrapTargetExpression(label.expression)} AS ${LABEL}`;
  cte.push(`t AS (SELECT file_row_number AS ${ROW}, * EXCLUDE (file_row_number)${labelSql} FROM read_parquet(${params.bind(input.targetPath)}, file_row_number = true))`);
  const joins = new ParentJoins(plan, params, input.tablePaths, cte);
  const select: string[] = [`t.${ROW}`];
  const columns: string[] = [];
  if (input.withLabel) {
    select.push(`t.${LABEL} AS ${q(goldLabelName(plan))}`);
    columns.push(goldLabelName(plan));
  }
  const groups = new Map<string, AggregateFeature[]>();
  for (const f of features) {
    if (f.kind === 'aggregate') {
      const key = JSON.stringify([pathKey(f.path), f.child, f.fk, f.key]);
      groups.set(key, [...(groups.get(key) ?? []), f]);
    }
  }
  const groupAlias = new Map<string, string>();
  const running = new Map<string, RunningTotals>();
  const groupCtes: string[] = [];
  const groupStages: string[] = [];
  const staged: string[] = [];
  let g = 0;
  for (const [key, group] of groups) {
    const alias = `g${g++}`;
    groupAlias.set(key, alias);
    if (plan.target.time === null) {
      groupCtes.push(aggregateGroup(input, group, alias, params));
    } else {
      const out = join(scratch, `${alias}.parquet`);
      groupStages.push(`COPY (${runningGroup(input, group, params, running, scratch)}) TO ${quoteLiteral(out)} (FORMAT parquet)`);
      staged.push(`POSITIONAL JOIN read_parquet(${params.bind(out)}) AS ${alias}`);
    }
  }
  // the running totals of each child and key, shared by every path that looks them up, before the groups that read them
  const stages = [...running.values()].map((totals) => `COPY (${totals.sql()}) TO ${quoteLiteral(totals.path)} (FORMAT parquet)`);
  stages.push(...groupStages);
  cte.push(...groupCtes);
  // a staged group's features are columns of its file, already beside the target row
  const outer: string[] = [`t.${ROW}`, ...(input.withLabel ? [`t.${q(goldLabelName(plan))}`] : [])];
  for (const f of features) {
    if (f.kind === 'aggregate') {
      const alias = groupAlias.get(JSON.stringify([pathKey(f.path), f.child, f.fk, f.key]))!;
      const counted = f.aggregate.fn === 'count' || f.aggregate.fn === 'count_value' || f.aggregate.fn === 'recent_count';
      // no related row at all: the count is 0, every other aggregate missing
      if (plan.target.time === null) select.push(counted ? `coalesce(${alias}.${q(f.name)}, 0) AS ${q(f.name)}` : `${alias}.${q(f.name)} AS ${q(f.name)}`);
      outer.push(`${plan.target.time === null ? 't' : alias}.${q(f.name)}`);
    } else {
      outer.push(`t.${q(f.name)}`);
      const value = `${joins.alias(f.path)}.${q(f.column)}`;
      if (f.kind === 'column') select.push(`${value} AS ${q(f.name)}`);
      else if (f.kind === 'date_part') select.push(`${datePart(value, f.part)} AS ${q(f.name)}`);
      else if (f.kind === 'text_length') select.push(`length(CAST(${value} AS VARCHAR)) AS ${q(f.name)}`);
      else select.push(`CASE WHEN ${value} IS NULL THEN NULL ELSE len(regexp_split_to_array(trim(CAST(${value} AS VARCHAR)), '\\s+')) END AS ${q(f.name)}`);
    }
    columns.push(f.name);
  }
  // the groups' joins: each group is keyed by the target row number
  const groupJoins = groupCtes.length === 0 ? [] : [...groupAlias.values()].map((alias) => `LEFT JOIN ${alias} ON ${alias}.${ROW} = t.${ROW}`);
  const rows = `WITH ${cte.join(',\n')}\nSELECT ${select.join(', ')}\nFROM t\n${joins.joins()}\n${groupJoins.join('\n')}\nORDER BY t.${ROW}`;
  // rows are paired in the order each side gives them: a row out of line stops the build
  const aligned = [...groupAlias.values()].map((alias) => `${alias}.${ROW} = t.${ROW}`).join(' AND ');
  const misaligned = quoteLiteral('gold: a group of features came out of line with the target rows');
  const sql = staged.length === 0 ? rows : `SELECT ${outer.join(', ')} FROM (${rows}) AS t\n${staged.join('\n')}\nWHERE CASE WHEN ${aligned} THEN true ELSE error(${misaligned}) END`;
  return { sql, params: params.values, columns, stages };
}

/** One child reached by one path, without a cut-off: its aggregates, per target row. */
function aggregateGroup(input: GoldBuildInput, group: readonly AggregateFeature[], alias: string, params: Params): string {
  const { plan } = input;
  const first = group[0]!;
  const child = tableOf(plan, first.child);
  const childPath = input.tablePaths[first.child];
  if (childPath === undefined) throw new Error(`no Parquet file for table ${first.child}`);
  // the key each target row looks its child rows up by: the path's end's key column, reached by the path's own joins
  const probeCte: string[] = [];
  const probeJoins = new ParentJoins(plan, params, input.tablePaths, probeCte);
  const end = probeJoins.alias(first.path);
  const endTable = tableAtEnd(plan, first.path);
  const keyKind = kindOf(plan, endTable, first.key);
  const fkKind = kindOf(plan, first.child, first.fk);
  const probeKey = keyExpression(`${end}.${q(first.key)}`, keyKind, fkKind);
  const childKey = keyExpression(q(first.fk), fkKind, keyKind);
  const childTime = child.time;
  const withCte = (body: string) => `${alias} AS (${probeCte.length > 0 ? `WITH ${probeCte.join(',\n')} ` : ''}${body})`;
  // every related row counts; one row per key, then joined to the target rows
  const aggs = group.map((f) => {
    const a = f.aggregate;
    const v = a.fn === 'count' || a.fn === 'days_since_last' ? '*' : q(valueColumn(a)!);
    const sql = aggregateSql(a, v, childTime === null ? null : q(childTime), null, '', params);
    return `${sql ?? 'NULL'} AS ${q(f.name)}`;
  });
  const perKey = `SELECT ${childKey} AS __k, ${aggs.join(', ')} FROM read_parquet(${params.bind(childPath)}) WHERE ${q(first.fk)} IS NOT NULL GROUP BY ALL`;
  const targetPath = `(SELECT file_row_number AS ${ROW}, * EXCLUDE (file_row_number) FROM read_parquet(${params.bind(input.targetPath)}, file_row_number = true))`;
  return withCte(`SELECT t.${ROW}, k.* EXCLUDE (__k) FROM ${targetPath} AS t ${probeJoins.joins()} LEFT JOIN (${perKey}) AS k ON k.__k = ${probeKey}`);
}

/**
 * One child reached by one path, under a cut-off: its aggregates for every target row, in the
 * target rows' order — each row ASOF-joined to its key's running totals (`RunningTotals`, shared
 * by every path to the same child and key; written to `scratch` by a stage of their own). A row
 * without a key or a time matches nothing: its counts are 0, every other aggregate missing.
 */
function runningGroup(input: GoldBuildInput, group: readonly AggregateFeature[], params: Params, running: Map<string, RunningTotals>, scratch: string): string {
  const { plan } = input;
  const first = group[0]!;
  const child = tableOf(plan, first.child);
  const childPath = input.tablePaths[first.child];
  if (childPath === undefined) throw new Error(`no Parquet file for table ${first.child}`);
  if (child.time === null) throw new Error(`the gold plan aggregates ${first.child} under a cut-off, but it has no time column`);
  const probeCte: string[] = [];
  const probeJoins = new ParentJoins(plan, params, input.tablePaths, probeCte);
  const keyKind = kindOf(plan, tableAtEnd(plan, first.path), first.key);
  const fkKind = kindOf(plan, first.child, first.fk);
  const probeKey = keyExpression(`${probeJoins.alias(first.path)}.${q(first.key)}`, keyKind, fkKind);
  const runKey = JSON.stringify([first.child, first.fk, keyKind]);
  let totals = running.get(runKey);
  if (!totals) {
    const path = join(scratch, `r${running.size}.parquet`);
    totals = new RunningTotals(path, child, child.time, keyExpression(q(first.fk), fkKind, keyKind), q(first.fk), params.bind(childPath));
    running.set(runKey, totals);
  }
  const r = totals;
  const columns = group.map((f) => `${r.expression(f.aggregate, params, labelValue(plan, first.child))} AS ${q(f.name)}`);
  const targetRows = `(SELECT file_row_number AS ${ROW}, * EXCLUDE (file_row_number) FROM read_parquet(${params.bind(input.targetPath)}, file_row_number = true))`;
  // a window over the last days takes the totals at the cut-off less those as they stood that many days before
  const windows = [...new Set(group.flatMap((f) => ('days' in f.aggregate ? [f.aggregate.days] : [])))];
  const lagged = windows.map((days) => `, CAST(t.${q(plan.target.time!)} AS TIMESTAMP) - to_days(${days}) AS __t${RunningTotals.lagged(days)}`).join('');
  const laggedJoins = windows.map((days) => {
    const c = RunningTotals.lagged(days);
    return ` ASOF LEFT JOIN read_parquet(${params.bind(r.path)}) AS ${c} ON p.__k = ${c}.__k AND p.__t${c} > ${c}.__t`;
  });
  const probes = `SELECT t.${ROW}, ${probeKey} AS __k, CAST(t.${q(plan.target.time!)} AS TIMESTAMP) AS __t${lagged} FROM ${targetRows} AS t ${probeJoins.joins()}`;
  const withCte = probeCte.length > 0 ? `WITH ${probeCte.join(',\n')} ` : '';
  return `${withCte}SELECT p.${ROW}, ${columns.join(', ')} FROM (${probes}) AS p ASOF LEFT JOIN read_parquet(${params.bind(r.path)}) AS c ON p.__k = c.__k AND p.__t > c.__t${laggedJoins.join('')} ORDER BY p.${ROW}`;
}

/**
 * A child's rows as running totals per key: summed per key and instant they became known (a
 * bucket), the buckets accumulated in time order. A target row takes the totals of the last bucket
 * strictly before its cut-off (an ASOF join on `>`). Every aggregate is made of decomposable parts
 * (counts, sums, sums of squares and products, extremes, the last value, each value's first row,
 * each value's count so far for the most frequent one), so the cost is a sort and a scan — a window
 * re-reading each row's history took 73 s for 300,000 flights. A window over the last days
 * subtracts the totals as they stood that many days earlier (one more ASOF join). A child's rows
 * take their place in time when they became known (`knownAt`, a checked expression), else at their
 * time — never before it: a target row that is its own child (a flight that left early) must not
 * be known before its own cut-off.
 */
class RunningTotals {
  readonly #parts = new Map<string, { bucket: string; running: string }>();
  /** the SQL of each value column the parts read (`__v0`, `__v1`, …) */
  readonly #values: string[] = [];
  readonly #distinct = new Set<string>();
  readonly #modes = new Set<string>();
  readonly #known: string;
  constructor(
    /** where its stage writes it */
    readonly path: string,
    private readonly child: GoldTable,
    private readonly time: string,
    private readonly key: string,
    private readonly fk: string,
    private readonly source: string,
  ) {
    this.#known = child.knownAt !== undefined
      ? `greatest(CAST(${q(time)} AS TIMESTAMP), CAST(${wrapTargetExpression(child.knownAt)} AS TIMESTAMP))`
      : `CAST(${q(time)} AS TIMESTAMP)`;
  }

  #value(column: string): string {
    return this.#valueOf(q(column));
  }

  #valueOf(sql: string): string {
    if (!this.#values.includes(sql)) this.#values.push(sql);
    return `__v${this.#values.indexOf(sql)}`;
  }

  #part(name: string, bucket: string, running: (c: string) => string): string {
    if (!this.#parts.has(name)) this.#parts.set(name, { bucket, running: running(name) });
    return `c.${name}`;
  }

  /** The SQL of one aggregate, over the running totals joined as `c` and the probe as `p`; `label`, the label's value on the child's rows (`labelValue`). */
  expression(a: GoldAggregate, params: Params, label: string | null): string {
    const sum = (c: string) => `sum(${c}) OVER w`;
    const x = 'column' in a ? this.#value(a.column) : a.fn === 'label_mean' && label !== null ? this.#valueOf(label) : '';
    // running sums are summed as DOUBLE: a window's sum costs twice as much on HUGEINT (what sum
    // and count give per bucket), the same integers below 2^53, and gold's Parquet holds a
    // HUGEINT as a DOUBLE anyway
    const summed = (name: string, bucket: string) => this.#part(name, `CAST(${bucket} AS DOUBLE)`, sum);
    const n = () => summed(`n_${x}`, `count(${x})`);
    const s = () => summed(`s_${x}`, `sum(${x})`);
    switch (a.fn) {
      case 'count':
        return `coalesce(${summed('n', 'count(*)')}, 0)`;
      case 'days_since_last':
        return `(epoch(p.__t) - epoch(${this.#part('mct', 'max(__ct)', (c) => `max(${c}) OVER w`)})) / 86400.0`;
      case 'mean':
        return `${s()} / nullif(${n()}, 0)`;
      case 'sum':
        return s();
      case 'min':
        return this.#part(`mn_${x}`, `min(${x})`, (c) => `min(${c}) OVER w`);
      case 'max':
        return this.#part(`mx_${x}`, `max(${x})`, (c) => `max(${c}) OVER w`);
      case 'std': {
        const ss = summed(`ss_${x}`, `sum(${x}::DOUBLE * ${x})`);
        return `CASE WHEN ${n()} > 1 THEN sqrt(greatest(0, (${ss} - ${s()}::DOUBLE * ${s()} / ${n()}) / (${n()} - 1))) END`;
      }
      case 'last':
        // rows of one instant: the one later in the child's file, so that a build gives the same value
        // every time (time and row packed in one HUGEINT: a struct as arg_max's key costs 8 times more)
        return this.#part(`l_${x}`, `arg_max(${x}, epoch_us(__ct)::HUGEINT * 18446744073709551616 + __r) FILTER (WHERE ${x} IS NOT NULL)`, (c) => `last_value(${c} IGNORE NULLS) OVER w`);
      case 'trend': {
        // days from the key's first row: the slope does not move with the origin, and sums of squares
        // of days since a distant instant lose it to rounding (2e-6 relative on two flights minutes apart)
        const sx = summed(`sx_${x}`, `sum(__x) FILTER (WHERE ${x} IS NOT NULL)`);
        const sxx = summed(`sxx_${x}`, `sum(__x * __x) FILTER (WHERE ${x} IS NOT NULL)`);
        const sxy = summed(`sxy_${x}`, `sum(__x * ${x})`);
        return `(${n()} * ${sxy} - ${sx} * ${s()}) / nullif(${n()} * ${sxx} - ${sx} * ${sx}, 0)`;
      }
      case 'distinct':
        this.#distinct.add(a.column);
        // 0 before a key's first row, missing for a target row without a key or a time
        return `CASE WHEN p.__k IS NOT NULL AND p.__t IS NOT NULL THEN coalesce(${summed(`nd_${x}`, `sum(__first${x})`)}, 0) END`;
      case 'count_value':
        return `coalesce(${summed(`cv${this.#parts.size}`, `sum(CASE WHEN CAST(${x} AS VARCHAR) = ${params.bind(a.value)} THEN 1 ELSE 0 END)`)}, 0)`;
      case 'mode': {
        // each row carries its value's count so far (`__cnt`); a bucket keeps its best value and
        // count, and the running best is the bucket with the highest count — the earliest on a tie
        // (counts only grow, so the highest count reached is the most frequent value's)
        this.#modes.add(a.column);
        const mc = this.#part(`mc_${x}`, `max(__cnt${x})`, (c) => `max(${c}) OVER w`).slice(2);
        return this.#part(
          `mo_${x}`,
          `arg_min(${x}, struct_pack(a := -__cnt${x}, b := ${x})) FILTER (WHERE ${x} IS NOT NULL)`,
          (c) => `arg_min(${c}, CASE WHEN ${mc} IS NOT NULL THEN struct_pack(a := -${mc}, b := __t) END) OVER w`,
        );
      }
      case 'label_mean':
        if (label === null) throw new Error(`the gold plan averages the label over ${this.child.name}'s rows, which are not the target's rows labelled by an expression`);
        return `${s()} / nullif(${n()}, 0)`;
      case 'recent_count':
        return this.#recent(summed('n', 'count(*)'), a.days);
      case 'recent_mean':
        return `${this.#recent(s(), a.days)} / nullif(${this.#recent(n(), a.days)}, 0)`;
    }
  }

  /** A running sum over the rows known in the `days` before the cut-off: the totals at the cut-off less those `days` earlier (`RunningTotals.lagged`). */
  #recent(part: string, days: number): string {
    return `(coalesce(${part}, 0) - coalesce(${RunningTotals.lagged(days)}.${part.slice(2)}, 0))`;
  }

  /** The alias the totals are joined as `days` days before the cut-off. */
  static lagged(days: number): string {
    if (!Number.isInteger(days) || days <= 0) throw new Error(`the gold plan asks for a window of ${days} days, not a whole number of days`);
    return `c${days}d`;
  }

  /** The SELECT of the running totals, once every aggregate that reads them has asked for its parts. */
  sql(): string {
    const known = this.#known;
    const values = this.#values.map((sql, i) => `, ${sql} AS __v${i}`).join('');
    // a value was seen before the cut-off exactly when its first row was
    const firsts = [...this.#distinct]
      .map((c) => `, CASE WHEN ${q(c)} IS NOT NULL AND row_number() OVER (PARTITION BY ${this.key}, ${q(c)} ORDER BY ${known}) = 1 THEN 1 ELSE 0 END AS __first${this.#value(c)}`)
      .join('');
    // a value's count so far, its peers of the same instant included: the count once that instant is known
    const counts = [...this.#modes]
      .map((c) => `, CASE WHEN ${q(c)} IS NOT NULL THEN count(*) OVER (PARTITION BY ${this.key}, ${q(c)} ORDER BY ${known} RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) END AS __cnt${this.#value(c)}`)
      .join('');
    const rows =
      `SELECT ${this.key} AS __k, ${known} AS __t, CAST(${q(this.time)} AS TIMESTAMP) AS __ct, ` +
      `(epoch(CAST(${q(this.time)} AS TIMESTAMP)) - epoch(min(CAST(${q(this.time)} AS TIMESTAMP)) OVER (PARTITION BY ${this.key}))) / 86400.0 AS __x, file_row_number AS __r${values}${firsts}${counts} ` +
      `FROM read_parquet(${this.source}, file_row_number = true) WHERE ${this.fk} IS NOT NULL AND ${q(this.time)} IS NOT NULL AND ${known} IS NOT NULL`;
    const parts = [...this.#parts];
    const buckets = `SELECT __k, __t, ${parts.map(([name, p]) => `${p.bucket} AS ${name}`).join(', ')} FROM (${rows}) GROUP BY __k, __t`;
    return `SELECT __k, __t, ${parts.map(([name, p]) => `${p.running} AS ${name}`).join(', ')} FROM (${buckets}) WINDOW w AS (PARTITION BY __k ORDER BY __t ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)`;
  }
}

/** Builds the gold table of `input` into `outPath` (Parquet, one row per target row, in their order). */
export async function buildGold(conn: DuckDBConnection, input: GoldBuildInput, outPath: string): Promise<{ rows: number; columns: string[] }> {
  const scratch = await mkdtemp(join(dirname(outPath), tempPrefix('gold-stages')));
  const { sql, params, columns, stages } = goldSelect(input, scratch);
  try {
    // `execute` gives each statement the values it binds
    for (const stage of stages) await execute(conn, stage, params);
    await execute(conn, `COPY (SELECT * EXCLUDE (${ROW}) FROM (${sql})) TO ${quoteLiteral(outPath)} (FORMAT parquet)`, params);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (/Binder Error|Conversion Error/.test(text)) {
      throw new InputError(
        `the features of ${input.plan.target.table} cannot be computed: ${firstLine(error)}`,
        input.withLabel ? 'check the target expression and the tables\' columns with `autolab tags show`' : `give rows with the columns of ${input.plan.target.table} the model was trained on`,
      );
    }
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const facts = await describeParquet(conn, outPath);
  return { rows: facts.rows, columns };
}
