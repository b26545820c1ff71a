import type { DuckDBConnection } from '@duckdb/node-api';
import type { ProfileAlert } from '../profile-types.js';
import { queryRows, quoteIdent, type Relation } from '../sql.js';

/** Integer types whose values may not fit the 64-bit signed integers the profile's statistics work in. */
const WIDE_INTEGER_TYPES: ReadonlySet<string> = new Set(['UBIGINT', 'HUGEINT', 'UHUGEINT']);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export interface NarrowedRelation {
  readonly source: Relation;
  readonly alerts: readonly ProfileAlert[];
}

/**
 * Unsigned 64-bit and 128-bit integer columns (UBIGINT, HUGEINT, UHUGEINT) are read as BIGINT when
 * every value fits, and as text otherwise — exactly, since such columns are ids and codes far
 * more often than quantities — with a note; the rest of the profile then never meets a value it
 * cannot bind or sum. Other columns pass unchanged.
 */
export async function narrowWideIntegers(conn: DuckDBConnection, source: Relation, schema: readonly { name: string; type: string }[]): Promise<NarrowedRelation> {
  const wide = schema.filter((c) => WIDE_INTEGER_TYPES.has(c.type));
  if (wide.length === 0) return { source, alerts: [] };
  const bounds = wide.flatMap((c) => [`CAST(min(${quoteIdent(c.name)}) AS VARCHAR)`, `CAST(max(${quoteIdent(c.name)}) AS VARCHAR)`]);
  const [row] = await queryRows(conn, `SELECT ${bounds.join(', ')} FROM ${source.from}`, source.params);
  const replaced: string[] = [];
  const alerts: ProfileAlert[] = [];
  wide.forEach((c, i) => {
    const min = row?.[2 * i];
    const max = row?.[2 * i + 1];
    const fits = min == null || (BigInt(String(min)) >= INT64_MIN && BigInt(String(max)) <= INT64_MAX);
    replaced.push(`CAST(${quoteIdent(c.name)} AS ${fits ? 'BIGINT' : 'VARCHAR'}) AS ${quoteIdent(c.name)}`);
    if (!fits) {
      alerts.push({
        kind: 'wide_integer',
        column: c.name,
        severity: 'info',
        message: `${c.name} holds integers beyond 64 bits (${c.type}, up to ${String(max)}): profiled as text`,
        value: null,
      });
    }
  });
  return { source: { ...source, from: `(SELECT * REPLACE (${replaced.join(', ')}) FROM ${source.from})` }, alerts };
}
