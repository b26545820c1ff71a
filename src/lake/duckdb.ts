import { createRequire } from 'node:module';
import type * as DuckDBApi from '@duckdb/node-api';

/**
 * DuckDB's node API, required rather than imported: the package is CommonJS, and importing it
 * from an ES module makes Node first parse every file it re-exports for their names
 * (cjs-module-lexer) — 0.16 s CPU against 0.06 s required, at the start of every command that
 * reads data. The lab's code takes the API's values from here (through lake's index) and its
 * types from the package (`import type`, erased when compiled).
 */
const api = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDBApi;

export const { DuckDBInstance, DuckDBDoubleVector, DuckDBListVector, DuckDBVarCharVector, DOUBLE, listValue } = api;
export type DuckDBInstance = DuckDBApi.DuckDBInstance;
