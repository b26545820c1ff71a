/**
 * The one place where exploration builds SQL text. Identifiers are always quoted here; values
 * (file paths, thresholds chosen from data, strings) are bound as named parameters, so nothing a
 * user wrote ever lands in the SQL text.
 */
import type { DuckDBValue } from '@duckdb/node-api';
import { quoteIdent, type SqlParams } from '../lake/index.js';

// identifiers, parameters and statements run the lake's way
export { execute, queryRows, quoteIdent, type SqlParams } from '../lake/index.js';

/** Quote a possibly schema-qualified table name given as parts. */
export function quoteQualified(parts: readonly string[]): string {
  return parts.map(quoteIdent).join('.');
}

/**
 * A relation to read from: a SQL fragment usable after FROM plus the parameters it needs.
 * The Parquet path is bound as `$src_path`, so the fragment can appear many times in one
 * statement (UNION ALL of per-column groups) with a single binding.
 */
export interface Relation {
  readonly from: string;
  readonly params: SqlParams;
  /** for messages */
  readonly label: string;
}

export function parquetRelation(path: string, param = 'src_path'): Relation {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(param)) throw new Error(`bad parameter name ${param}`);
  return { from: `read_parquet($${param})`, params: { [param]: path }, label: path };
}

export function tableRelation(name: string): Relation {
  const parts = splitQualifiedName(name);
  return { from: quoteQualified(parts), params: {}, label: name };
}

/** "schema.table" → ["schema", "table"]; a name already quoted keeps its dots. */
function splitQualifiedName(name: string): string[] {
  const quoted = /^"((?:[^"]|"")+)"$/.exec(name);
  if (quoted?.[1] !== undefined) return [quoted[1].replaceAll('""', '"')];
  return name.includes('.') ? name.split('.') : [name];
}

/**
 * Binds values under fresh parameter names so that builders can add literals while composing
 * a statement: `b.bind(0.25)` returns `$p3` and remembers the value.
 */
export class ParamBinder {
  readonly #params: SqlParams;
  #next = 0;

  constructor(initial: SqlParams = {}) {
    this.#params = { ...initial };
  }

  bind(value: DuckDBValue): string {
    const name = `p${this.#next++}`;
    this.#params[name] = value;
    return `$${name}`;
  }

  get params(): SqlParams {
    return this.#params;
  }
}

/** A JSON value from DuckDB as a finite number, or null. BIGINT/HUGEINT arrive as strings. */
export function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

export function toCount(value: unknown): number {
  return toNumber(value) ?? 0;
}

/** A value rendered for display (top values, evidence). */
export function toDisplay(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value);
}

/** A name for temporary objects that does not collide across concurrent profiles. */
export function tempName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
