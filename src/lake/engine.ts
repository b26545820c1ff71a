import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

export interface DuckEngine {
  readonly conn: DuckDBConnection;
  close(): void;
}

export interface EngineOptions {
  /** DuckDB's memory_limit, e.g. '2GB' (default: DuckDB's own, 80 % of the machine's memory); beyond it DuckDB spills to `workDir/duckdb` */
  readonly memoryLimit?: string;
  readonly threads?: number;
}

/**
 * An in-process DuckDB whose temporary files go to the lab's work folder, so that a large ingest
 * spills to disk there instead of growing the process. The one place the lab opens DuckDB: every
 * caller closes what it opened (`close()`, in a finally).
 */
export async function openDuckEngine(workDir: string, options: EngineOptions = {}): Promise<DuckEngine> {
  const temp = join(workDir, 'duckdb');
  await mkdir(temp, { recursive: true });
  const config: Record<string, string> = { temp_directory: temp };
  if (options.memoryLimit !== undefined) config['memory_limit'] = options.memoryLimit;
  if (options.threads !== undefined) config['threads'] = String(options.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  // track each query's progress (read through `conn.progress`) without DuckDB printing a bar itself
  await conn.run('SET enable_progress_bar = true');
  await conn.run('SET enable_progress_bar_print = false');
  return {
    conn,
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}
