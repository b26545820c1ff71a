/**
 * A real lab with bronze snapshots for exploration tests: Parquet written by DuckDB from generated
 * rows, put into the lab's store and recorded in its catalog the way ingest records them.
 * Customers (with a churn flag, an e-mail, a leaked copy of churn) and orders referring to them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ProjectRecord, SnapshotRecord } from '../catalog/index.js';
import { initLab } from './lab.js';
import type { Lab } from './lab-types.js';

const u = (salt: number) => `((hash(i * 7919 + ${salt}) % 1000000) / 1000000.0)`;

export const CUSTOMERS_SQL = (shift = 0) => `
  SELECT i AS customer_id,
         'user' || i || '@example.com' AS email,
         CASE WHEN ${u(2)} < 0.5 THEN 'basic' WHEN ${u(2)} < 0.8 THEN 'plus' ELSE 'pro' END AS plan,
         round(${u(3)} * 72 + ${shift}, 1) AS tenure_months,
         round(20 + ${u(4)} * 80 + CASE WHEN ${u(1)} < 0.3 THEN 15 ELSE 0 END, 2) AS monthly_charges,
         DATE '2023-01-01' + CAST(floor(${u(5)} * 365) AS INTEGER) AS signup_date,
         CASE WHEN ${u(1)} < 0.3 THEN 'yes' ELSE 'no' END AS churn_copy,
         ${u(1)} < 0.3 AS churn
  FROM range(600) t(i)`;

export const ORDERS_SQL = `
  SELECT i AS order_id,
         CAST(floor(${u(6)} * 600) AS BIGINT) AS customer_id,
         round(5 + ${u(7)} * 200, 2) AS amount,
         TIMESTAMP '2024-01-01' + to_minutes(CAST(i * 37 AS BIGINT)) AS ordered_at
  FROM range(2400) t(i)`;

export interface ExploreLab {
  readonly lab: Lab;
  readonly project: ProjectRecord;
  readonly dir: string;
  /** writes `sql` as Parquet and records it as the next bronze snapshot of `table` */
  addSnapshot(table: string, sql: string): Promise<SnapshotRecord>;
  cleanup(): Promise<void>;
}

/** A lab with project `churn` and a source `crm`; `init` picks its catalog and store (default: SQLite and the disk). */
export async function makeExploreLab(options: { autoAcceptTags?: boolean; init?: { catalog?: string; store?: string } } = {}): Promise<ExploreLab> {
  const dir = mkdtempSync(join(tmpdir(), 'autolab-explore-'));
  const lab = await initLab(join(dir, 'lab'), { ...options.init, project: 'churn' });
  if (options.autoAcceptTags !== undefined) await lab.catalog.updateProjectSettings('churn', { autoAcceptTags: options.autoAcceptTags });
  const project = await lab.catalog.getProject('churn');
  if (!project) throw new Error('initLab made no project');
  const source = await lab.catalog.addSource({ projectId: project.id, name: 'crm', kind: 'file', uri: 'file:./crm', options: {}, credentialId: null });
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  let counter = 0;
  return {
    lab,
    project,
    dir,
    async addSnapshot(table, sql) {
      const file = join(dir, `${table}-${counter++}.parquet`);
      await conn.run(`COPY (${sql}) TO '${file.replaceAll("'", "''")}' (FORMAT parquet)`);
      const reader = await conn.runAndReadAll(`SELECT count(*) FROM read_parquet('${file.replaceAll("'", "''")}')`);
      const rows = Number(reader.getRowsJson()[0]?.[0] ?? 0);
      const schemaReader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file.replaceAll("'", "''")}')`);
      const schema = schemaReader.getRowsJson().map((r) => ({ name: String(r[0]), type: String(r[1]) }));
      const version = (await lab.catalog.latestSnapshot(source.id, table))?.version ?? 0;
      const key = `lake/bronze/churn/crm/${table}/${version + 1}.parquet`;
      const put = await lab.store.putObject(key, file);
      return lab.catalog.addSnapshot({
        projectId: project.id,
        sourceId: source.id,
        tableName: table,
        contentHash: put.hash,
        lakeKey: key,
        rawHashes: [],
        rowCount: rows,
        bytes: put.bytes,
        schema,
        quality: {},
      });
    },
    async cleanup() {
      conn.closeSync();
      instance.closeSync();
      await lab.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
