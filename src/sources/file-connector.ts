import { stat } from 'node:fs/promises';
import { glob, isDynamicPattern } from 'tinyglobby';
import { InputError } from '../common/index.js';
import { checkDataFile } from './file-checks.js';
import { fileFormat, SUPPORTED_EXTENSIONS } from './file-format.js';
import { fileToParquet } from './file-reader.js';
import { resolveStoredPath } from './location.js';
import { uniqueTableNames } from './table-names.js';
import type { Connector, FetchContext, SourceSpec, SourceTable } from './types.js';
import type { XlsxSheet } from './xlsx-reader.js';

/**
 * A local file or a glob of them; every matched data file is one table, and every worksheet of a
 * workbook with several (the first keeps the file's table name, the others add their own:
 * `orders`, `orders_returns`).
 */
export class FileConnector implements Connector {
  constructor(
    readonly spec: SourceSpec,
    private readonly labRoot: string,
  ) {}

  async listTables(): Promise<SourceTable[]> {
    const pattern = resolveStoredPath(this.spec.uri, this.labRoot);
    const paths = isDynamicPattern(pattern) ? await matchGlob(pattern) : [await checkDataFile(pattern)];
    const names = uniqueTableNames(paths);
    const tables: SourceTable[] = [];
    for (const [i, path] of paths.entries()) {
      const { size } = await stat(path);
      const name = names[i] ?? path;
      const sheets = fileFormat(path) === 'xlsx' ? await listSheets(path) : [];
      tables.push(...fileTables(name, path, path, size, sheets));
    }
    return distinctTableNames(tables);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * The tables of one data file: itself, or each worksheet of a workbook with several (the first
 * keeps the file's table name, the others add theirs).
 */
export function fileTables(name: string, origin: string, path: string | ((ctx: FetchContext) => Promise<string>), size: number, sheets: readonly XlsxSheet[]): SourceTable[] {
  if (sheets.length <= 1) return [localFileTable(name, origin, path, size)];
  return sheets.map((sheet, k) => {
    const table = k === 0 ? name : `${name}_${sheet.name.trim().replace(/\s+/g, '_')}`;
    return localFileTable(table, `${origin} (sheet ${sheet.name})`, path, size, sheet);
  });
}

/** A sheet's name may repeat another table's: the later ones are numbered. */
export function distinctTableNames(tables: readonly SourceTable[]): SourceTable[] {
  const seen = new Map<string, number>();
  return tables.map((table) => {
    const k = (seen.get(table.name) ?? 0) + 1;
    seen.set(table.name, k);
    return k === 1 ? table : { ...table, name: `${table.name}_${k}` };
  });
}

/** A table read from a local file (also used for S3 objects once downloaded), or from one sheet of a workbook. */
export function localFileTable(name: string, origin: string, path: string | ((ctx: FetchContext) => Promise<string>), sizeHint?: number, sheet?: XlsxSheet): SourceTable {
  const localPath = typeof path === 'string' ? () => Promise.resolve(path) : path;
  let fetched: string | undefined;
  return {
    name,
    origin,
    ...(sizeHint !== undefined ? { sizeHint } : {}),
    async fetchRaw(ctx) {
      fetched = await localPath(ctx);
      await checkDataFile(fetched, origin);
      return [fetched];
    },
    async writeParquet(ctx, outPath) {
      const file = fetched ?? (await localPath(ctx));
      return fileToParquet(ctx.conn, file, outPath, origin, ctx.workDir, sheet);
    },
  };
}

/** A workbook's sheets; exceljs and the zip reader load only when a workbook is listed. */
async function listSheets(path: string): Promise<XlsxSheet[]> {
  const { listXlsxSheets } = await import('./xlsx-reader.js');
  return listXlsxSheets(path).catch(() => []);
}

async function matchGlob(pattern: string): Promise<string[]> {
  const matched = (await glob(pattern, { absolute: true, onlyFiles: true, dot: false })).sort();
  if (matched.length === 0) throw new InputError(`no file matches ${pattern}`, 'check the pattern and the folder (quote it so the shell does not expand it)');
  const data = matched.filter((p) => fileFormat(p) !== undefined);
  if (data.length === 0) {
    throw new InputError(`${matched.length} file(s) match ${pattern} but none is a data file`, `use ${SUPPORTED_EXTENSIONS.join(', ')}`);
  }
  return data;
}
