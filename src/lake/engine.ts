import { rmSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from './duckdb.js';
import { tempPrefix } from '../common/index.js';

export interface DuckEngine {
  readonly conn: DuckDBConnection;
  close(): void;
}

export interface EngineOptions {
  /** DuckDB's memory_limit, e.g. '2GB' (default: DuckDB's own, 80 % of the machine's memory); beyond it DuckDB spills to its folder in `workDir` */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

/**
 * An in-process DuckDB whose temporary files go to the lab's work folder, so that a large ingest
 * spills to disk there instead of growing the process. The one place the lab opens DuckDB: every
 * caller closes what it opened (`close()`, in a finally). Each engine spills into a folder of its
 * own, named by `tempPrefix` and removed on close: no two engines (or processes) share one, and
 * the folder of a process killed mid-query is removed by the next one that opens the lab.
 */
export async function openDuckEngine(workDir: string, options: EngineOptions = {}): Promise<DuckEngine> {
  await mkdir(workDir, { recursive: true });
  const temp = await mkdtemp(join(workDir, tempPrefix('duckdb')));
  const config: Record<string, string> = { temp_directory: temp };
  if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
  if (options.threads !== undefined) config['threads'] = String(options.threads);
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', config);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
  const conn = await instance.connect();
  // track each query's progress (read through `conn.progress`) without DuckDB printing a bar itself
  await conn.run('SET enable_progress_bar = true');
  await conn.run('SET enable_progress_bar_print = false');
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
      rmSync(temp, { recursive: true, force: true });
    },
  };
}
