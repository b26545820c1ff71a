/**
 * Sources: where a project's data comes from. A source is a location (a file or glob, a SQLite file,
 * a PostgreSQL or MySQL database, an S3 prefix) plus options; a connector lists its tables and writes
 * each one as Parquet for bronze. Plain, JSON-serialisable specs; secrets only in `Credential`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';

export type SourceKind = 'file' | 'sqlite' | 'postgres' | 'mysql' | 's3';

/** What `source add` keeps in the catalog (never a secret). */
export interface SourceOptions {
  /** chosen tables (databases, SQLite); all when absent */
  readonly tables?: readonly string[];
  /** all tables of this schema (PostgreSQL) or database (MySQL) */
  readonly schema?: string;
  /** a SQL query whose result is one table, named after the source */
  readonly query?: string;
  /** S3 endpoint (MinIO, …) */
  readonly endpoint?: string;
  readonly region?: string;
}

export interface SourceSpec {
  readonly kind: SourceKind;
  /** the location without any password: `file:data/*.csv`, `sqlite:/abs/x.db`, `postgres://user@host/db`, `s3://bucket/prefix` */
  readonly uri: string;
  readonly options: SourceOptions;
}

/** A source's secret, kept encrypted in the vault; `passwordEnv` is a `${env:NAME}` reference. */
export interface Credential {
  readonly password?: string;
  readonly passwordEnv?: string;
  /** secret query parameters of a database URL other than the password (`sslpassword`, …) */
  readonly params?: Readonly<Record<string, string>>;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

/** Where a table's raw files are fetched: a scratch folder of its own (no engine: fetching only copies or downloads bytes). */
export interface FetchContext {
  readonly workDir: string;
}

/** Where a connector reads: a DuckDB connection and a scratch folder of its own. */
export interface ReadContext extends FetchContext {
  readonly conn: DuckDBConnection;
  /** rows streamed so far for this table (database sources), for progress */
  readonly onRows?: (rows: number, bytes: number) => void;
}

/** Notes about how a table was read: sniffed delimiter, encoding, renamed columns, skipped rows … */
export interface QualityRecord {
  readonly format: string;
  readonly notes: string[];
  [key: string]: unknown;
}

export interface SourceTable {
  /** the table's name in bronze: file stem, database table, or the source's name for a query */
  readonly name: string;
  /** where it comes from, for messages: a path, `schema.table`, an S3 key */
  readonly origin: string;
  /** size in bytes when known before reading (files), for progress */
  readonly sizeHint?: number;
  /** local files to keep byte for byte in the store (S3 objects are downloaded first); none for databases */
  fetchRaw(ctx: FetchContext): Promise<string[]>;
  /** writes the table's rows to `outPath` as Parquet and says how it read them */
  writeParquet(ctx: ReadContext, outPath: string): Promise<QualityRecord>;
}

export interface Connector {
  readonly spec: SourceSpec;
  /** connects (checking credentials) and lists the tables to ingest; one-line errors */
  listTables(): Promise<SourceTable[]>;
  close(): Promise<void>;
}
