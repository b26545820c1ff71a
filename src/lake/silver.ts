import type { DuckDBConnection } from '@duckdb/node-api';
import { listValue } from './duckdb.js';
import { DataError } from '../common/index.js';
import { copyToParquet, type ColumnSchema } from './bronze-writer.js';
import { execute, queryRows, quoteIdent, quoteLiteral, type SqlParams } from './sql.js';
import type { QualityRule, RuleCheck, RuleResult, SilverColumn, SilverPlan, SilverReport } from './silver-types.js';

/**
 * Silver: one table per bronze table, fit to learn from. Every step is DuckDB SQL over the bronze
 * Parquet: values cleaned column by column (placeholders to null, text trimmed, types cast, PII
 * masked or hashed), quality rules checked on the cleaned values (warn, quarantine, fail), rows
 * deduplicated on the key. Nothing disappears unaccounted for: rows in = rows out + rows
 * quarantined + duplicates removed, checked on every build.
 */

const TRUE_WORDS = ['true', 't', 'yes', 'y', '1'];
const FALSE_WORDS = ['false', 'f', 'no', 'n', '0'];
const EMAIL = '^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$';
const EXAMPLES = 3;

/** A number written into SQL: only finite numbers the lab computed, never user text. */
function numberLiteral(n: number): string {
  if (!Number.isFinite(n)) throw new Error(`not a finite number: ${n}`);
  return `${n}::DOUBLE`;
}

function isText(type: string): boolean {
  return /^(VARCHAR|TEXT|STRING)/i.test(type);
}

function isNumeric(type: string): boolean {
  return /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL)/i.test(type);
}

/** Binds lists of text as parameters, one per distinct list (the same placeholders on every column bind once). */
class ListParams {
  readonly params: SqlParams = {};
  readonly #names = new Map<string, string>();

  name(values: readonly string[]): string {
    const key = JSON.stringify(values);
    let name = this.#names.get(key);
    if (name === undefined) {
      name = `list${this.#names.size}`;
      this.#names.set(key, name);
      this.params[name] = listValue([...values]);
    }
    return `$${name}`;
  }
}

export interface CleaningOptions {
  /** the salt of hashed PII (from the vault); without one, hashed columns are dropped (scoring) */
  readonly salt?: string;
}

/** Text cast to the column's type; a value that is not of the type is null. */
function castText(value: string, column: SilverColumn, lists: ListParams): string {
  switch (column.cast) {
    case null:
      return value;
    case 'number':
      return `TRY_CAST(${value} AS DOUBLE)`;
    case 'boolean': {
      const words = (list: readonly string[]) => list.map((w) => `'${w}'`).join(', ');
      return `CASE WHEN lower(${value}) IN (${words(TRUE_WORDS)}) THEN true WHEN lower(${value}) IN (${words(FALSE_WORDS)}) THEN false ELSE NULL END`;
    }
    case 'timestamp':
      return column.dateFormat === null || column.dateFormat === 'iso8601' ? `TRY_CAST(${value} AS TIMESTAMP)` : `try_strptime(${value}, ${lists.name([column.dateFormat])}[1])`;
  }
}

/**
 * The expression that cleans one column, given its stored type; undefined when the column is dropped.
 * The steps: a placeholder is null; text is trimmed; text is cast (a value that is not of the type
 * becomes null — the build counts those); a sentinel number is null; PII is masked or hashed.
 */
function cleanedExpression(column: SilverColumn, type: string, lists: ListParams, options: CleaningOptions): string | undefined {
  if (column.pii === 'drop' || (column.pii === 'hash' && options.salt === undefined)) return undefined;
  const id = quoteIdent(column.name);
  let value = id;
  if (isText(type)) {
    const base = column.trim ? `trim(${id})` : id;
    value = column.nullStrings.length > 0 ? `CASE WHEN list_contains(${lists.name(column.nullStrings)}, lower(trim(${id}))) THEN NULL ELSE ${base} END` : base;
    value = castText(value, column, lists);
  }
  const numeric = isNumeric(type) || (isText(type) && column.cast === 'number');
  if (numeric && column.nullNumbers.length > 0) {
    value = `CASE WHEN CAST(${value} AS DOUBLE) IN (${column.nullNumbers.map(numberLiteral).join(', ')}) THEN NULL ELSE ${value} END`;
  }
  if (column.pii === 'mask') {
    value = `CASE WHEN ${value} IS NULL THEN NULL ELSE left(CAST(${value} AS VARCHAR), 1) || repeat('*', greatest(length(CAST(${value} AS VARCHAR)) - 1, 0)) END`;
  } else if (column.pii === 'hash') {
    value = `CASE WHEN ${value} IS NULL THEN NULL ELSE sha256(${lists.name([options.salt ?? ''])}[1] || CAST(${value} AS VARCHAR)) END`;
  }
  return value;
}

/**
 * The SELECT list that cleans the columns of a relation whose columns and types are `input`:
 * planned columns cleaned, others kept as they are, planned columns the input lacks left out.
 */
export function cleaningSelect(plan: SilverPlan, input: readonly { name: string; type: string }[], options: CleaningOptions = {}): { list: string; params: SqlParams; kept: string[] } {
  const lists = new ListParams();
  const byName = new Map(plan.columns.map((c) => [c.name, c]));
  const parts: string[] = [];
  const kept: string[] = [];
  for (const { name, type } of input) {
    const column = byName.get(name);
    const expression = column ? cleanedExpression(column, type, lists, options) : quoteIdent(name);
    if (expression === undefined) continue;
    parts.push(`${expression} AS ${quoteIdent(name)}`);
    kept.push(name);
  }
  return { list: parts.join(', '), params: lists.params, kept };
}

/** What takes rows from a reader (structurally the sources' RowConsumer). */
export interface RowSink {
  /** `columns`: the names and DuckDB types the select gives, when the caller knows them (no DESCRIBE needed) */
  consume(conn: DuckDBConnection, selectSql: string, params: SqlParams, columns?: readonly ColumnSchema[]): Promise<void>;
}

/**
 * A row sink that cleans rows as silver would before handing them on: a model trained on silver
 * scores a raw file (or a bronze snapshot) with the same values it learned from. Scoring has no
 * salt, so hashed PII columns are dropped (they are never features).
 */
export function cleanedRows(plan: SilverPlan, sink: RowSink): RowSink {
  return {
    async consume(conn, selectSql, params, columns) {
      const input = columns ?? (await queryRows(conn, `DESCRIBE ${selectSql}`, params)).map((r) => ({ name: String(r[0]), type: String(r[1]) }));
      const select = cleaningSelect(plan, input);
      if (select.kept.length === 0) return sink.consume(conn, selectSql, params);
      return sink.consume(conn, `SELECT ${select.list} FROM (${selectSql})`, { ...params, ...select.params });
    },
  };
}

export interface SilverBuildInput {
  readonly plan: SilverPlan;
  readonly rules: readonly QualityRule[];
  readonly bronzePath: string;
  /** Parquet files of the tables that `references` rules name */
  readonly referenced: Readonly<Record<string, string>>;
  readonly salt: string;
  readonly outPath: string;
  readonly quarantinePath: string;
}

/** The SQL condition under which a row breaks a rule (on the cleaned table `s`). */
function violation(rule: QualityRule, params: SqlParams, index: number, referenced: Readonly<Record<string, string>>): string {
  const c = quoteIdent(rule.column);
  const check: RuleCheck = rule.check;
  switch (check.kind) {
    case 'not_null':
      return `${c} IS NULL`;
    case 'unique':
      return `(${c} IS NOT NULL AND count(*) OVER (PARTITION BY ${c}) > 1 AND row_number() OVER (PARTITION BY ${c} ORDER BY __row) > 1)`;
    case 'range': {
      const parts: string[] = [];
      if (check.min !== null) parts.push(`TRY_CAST(${c} AS DOUBLE) < ${numberLiteral(check.min)}`);
      if (check.max !== null) parts.push(`TRY_CAST(${c} AS DOUBLE) > ${numberLiteral(check.max)}`);
      return parts.length > 0 ? `coalesce(${parts.join(' OR ')}, false)` : 'false';
    }
    case 'one_of':
      params[`rule${index}`] = listValue([...check.values]);
      return `(${c} IS NOT NULL AND NOT list_contains($rule${index}, CAST(${c} AS VARCHAR)))`;
    case 'format':
      return `(${c} IS NOT NULL AND NOT regexp_full_match(CAST(${c} AS VARCHAR), '${EMAIL}'))`;
    case 'references': {
      const path = referenced[check.table];
      if (path === undefined) return 'false';
      params[`ref${index}`] = path;
      return `(${c} IS NOT NULL AND CAST(${c} AS VARCHAR) NOT IN (SELECT trim(CAST(${quoteIdent(check.column)} AS VARCHAR)) FROM read_parquet($ref${index}) WHERE ${quoteIdent(check.column)} IS NOT NULL))`;
    }
  }
}

/**
 * Keeps only the rules this table's columns can be checked by: a rule on a dropped column is
 * skipped, and so is a set of allowed texts on a column cast to booleans or timestamps (its values
 * are no longer those texts; the type check counts what does not cast).
 */
function applicableRules(rules: readonly QualityRule[], columns: ReadonlySet<string>, plan: SilverPlan): QualityRule[] {
  const cast = new Map(plan.columns.map((c) => [c.name, c.cast]));
  return rules.filter((r) => columns.has(r.column) && !(r.check.kind === 'one_of' && (cast.get(r.column) === 'boolean' || cast.get(r.column) === 'timestamp')));
}

/**
 * Builds one silver table and its quarantine from a bronze Parquet file; returns the quality report.
 * A `fail` rule that fails stops the build with a one-line error naming the rule, the table and a
 * failing value; nothing is written then.
 */
export async function buildSilver(conn: DuckDBConnection, input: SilverBuildInput): Promise<SilverReport> {
  const { plan } = input;
  const described = await queryRows(conn, 'DESCRIBE SELECT * FROM read_parquet($bronze)', { bronze: input.bronzePath });
  const bronzeColumns = described.map((r) => ({ name: String(r[0]), type: String(r[1]) }));
  const select = cleaningSelect(plan, bronzeColumns, { salt: input.salt });
  const kept = new Set(select.kept);
  const dropped = bronzeColumns.map((c) => c.name).filter((n) => !kept.has(n));
  // values that were there in bronze and are not of their column's type once cast (made null)
  const castColumns = plan.columns.filter((c) => c.cast !== null && kept.has(c.name) && isText(bronzeColumns.find((b) => b.name === c.name)?.type ?? ''));
  const rawCopies = castColumns.map((c, i) => `${quoteIdent(c.name)} AS __raw${i}`);
  const params: SqlParams = { ...select.params, bronze: input.bronzePath };
  await execute(conn, 'DROP TABLE IF EXISTS silver_rows');
  await execute(
    conn,
    `CREATE TEMP TABLE silver_rows AS SELECT * FROM (SELECT file_row_number AS __row, ${select.list}${rawCopies.length > 0 ? ', ' + rawCopies.join(', ') : ''} FROM read_parquet($bronze, file_row_number = true))`,
    params,
  );
  const [[rowsInValue]] = (await queryRows(conn, 'SELECT count(*) FROM silver_rows')) as [[unknown]];
  const rowsIn = Number(rowsInValue);

  const results: RuleResult[] = [];
  for (const [i, column] of castColumns.entries()) {
    const placeholders = column.nullStrings.length > 0 ? ` AND NOT list_contains($nulls, lower(trim(__raw${i})))` : '';
    const lists = new ListParams();
    const condition = `__raw${i} IS NOT NULL AND trim(__raw${i}) <> ''${placeholders} AND ${castText(`trim(__raw${i})`, column, lists)} IS NULL`;
    const found = await countAndExamples(conn, condition, `__raw${i}`, { ...lists.params, ...(column.nullStrings.length > 0 ? { nulls: listValue([...column.nullStrings]) } : {}) });
    results.push({ id: `${plan.table}.${column.name}:type`, column: column.name, kind: 'type', action: 'warn', ...found });
  }

  const rules = applicableRules(input.rules, kept, plan);
  const ruleParams: SqlParams = {};
  const conditions = rules.map((rule, i) => violation(rule, ruleParams, i, input.referenced));
  // window functions (unique) cannot sit in WHERE: every rule's verdict becomes a column once
  await execute(conn, 'DROP TABLE IF EXISTS silver_checked');
  await execute(
    conn,
    `CREATE TEMP TABLE silver_checked AS SELECT *${conditions.map((c, i) => `, coalesce(${c}, false) AS __rule${i}`).join('')} FROM silver_rows`,
    ruleParams,
  );
  for (const [i, rule] of rules.entries()) {
    const found = await countAndExamples(conn, `__rule${i}`, quoteIdent(rule.column), {}, 'silver_checked');
    results.push({ id: rule.id, column: rule.column, kind: rule.check.kind, action: rule.action, ...found });
    if (rule.action === 'fail' && found.failed > 0) {
      const example = found.examples[0] === null ? 'null' : JSON.stringify(found.examples[0]);
      throw new DataError(
        `quality rule ${rule.id} failed on table ${plan.table}: ${found.failed} row${found.failed === 1 ? '' : 's'}, e.g. ${rule.column} = ${example}`,
        `fix the data at its source, or change the rule's action to warn or quarantine in \`autolab tags edit\``,
      );
    }
  }

  const quarantineRules = rules.map((r, i) => (r.action === 'quarantine' ? `__rule${i}` : null)).filter((c): c is string => c !== null);
  const quarantined = quarantineRules.length > 0 ? quarantineRules.join(' OR ') : 'false';
  const columns = select.kept.map(quoteIdent).join(', ');
  const keyList = plan.key.filter((k) => kept.has(k)).map(quoteIdent);
  const dedupe = keyList.length > 0 ? `QUALIFY row_number() OVER (PARTITION BY ${keyList.join(', ')} ORDER BY __row) = 1` : '';
  await copyToParquet(conn, `SELECT ${columns} FROM silver_checked WHERE NOT (${quarantined}) ${dedupe} ORDER BY __row`, {}, input.outPath);
  const brokenList = rules
    .map((r, i) => (r.action === 'quarantine' ? `CASE WHEN __rule${i} THEN ${quoteLiteral(r.id)} END` : null))
    .filter((c): c is string => c !== null);
  const broken = brokenList.length > 0 ? `list_filter([${brokenList.join(', ')}], x -> x IS NOT NULL)` : `[]::VARCHAR[]`;
  await copyToParquet(conn, `SELECT ${columns}, ${broken} AS broken_rules, __row AS bronze_row FROM silver_checked WHERE ${quarantined} ORDER BY __row`, {}, input.quarantinePath);

  const [[outValue]] = (await queryRows(conn, 'SELECT count(*) FROM read_parquet($p)', { p: input.outPath })) as [[unknown]];
  const [[quarantinedValue]] = (await queryRows(conn, 'SELECT count(*) FROM read_parquet($p)', { p: input.quarantinePath })) as [[unknown]];
  const [[keptValue]] = (await queryRows(conn, `SELECT count(*) FROM silver_checked WHERE NOT (${quarantined})`)) as [[unknown]];
  const rowsOut = Number(outValue);
  const quarantinedRows = Number(quarantinedValue);
  const duplicatesRemoved = Number(keptValue) - rowsOut;
  await execute(conn, 'DROP TABLE silver_checked');
  await execute(conn, 'DROP TABLE silver_rows');
  if (rowsIn !== rowsOut + quarantinedRows + duplicatesRemoved) {
    throw new Error(`silver lost rows of ${plan.table}: ${rowsIn} in, ${rowsOut} out, ${quarantinedRows} quarantined, ${duplicatesRemoved} duplicates`);
  }
  return { table: plan.table, rowsIn, rowsOut, quarantined: quarantinedRows, duplicatesRemoved, key: plan.key, dropped, rules: results };
}

async function countAndExamples(
  conn: DuckDBConnection,
  condition: string,
  value: string,
  params: SqlParams,
  table = 'silver_rows',
): Promise<{ failed: number; examples: (string | null)[] }> {
  const [count] = await queryRows(conn, `SELECT count(*) FROM ${table} WHERE ${condition}`, params);
  const failed = Number(count?.[0] ?? 0);
  if (failed === 0) return { failed, examples: [] };
  const rows = await queryRows(conn, `SELECT CAST(${value} AS VARCHAR) FROM ${table} WHERE ${condition} ORDER BY __row LIMIT ${EXAMPLES}`, params);
  return { failed, examples: rows.map((r) => (r[0] === null || r[0] === undefined ? null : String(r[0]))) };
}
