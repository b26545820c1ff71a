import ExcelJS from 'exceljs';
import { InputError } from '../common/index.js';
import { firstLine } from '../lake/index.js';
import { CsvChunkWriter } from './csv-writer.js';
import { readZipEntry, withZipFile, type ZipSource } from './zip-entry.js';

/** A worksheet of a workbook: its name on the tab and the number of its part (`xl/worksheets/sheetN.xml`). */
export interface XlsxSheet {
  readonly name: string;
  readonly part: string;
}

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function xmlText(raw: string): string {
  return raw.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, code: string) => {
    if (code.startsWith('#x') || code.startsWith('#X')) return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(parseInt(code.slice(1), 10));
    return XML_ENTITIES[code.toLowerCase()] ?? whole;
  });
}

function xmlAttribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(tag);
  return match === null ? undefined : xmlText(match[1] ?? match[2] ?? '');
}

/** The worksheets of an .xlsx file (see `listXlsxSheetsIn`). */
export function listXlsxSheets(path: string): Promise<XlsxSheet[]> {
  return withZipFile(path, listXlsxSheetsIn);
}

/**
 * The worksheets of an .xlsx workbook in tab order (chart sheets left out), from its
 * `xl/workbook.xml` and the relationships naming each sheet's part; nothing else is unpacked
 * (or downloaded, for a workbook in a bucket).
 */
export async function listXlsxSheetsIn(source: ZipSource): Promise<XlsxSheet[]> {
  const workbook = await readZipEntry(source, 'xl/workbook.xml');
  const rels = await readZipEntry(source, 'xl/_rels/workbook.xml.rels');
  if (workbook === undefined || rels === undefined) throw new Error('no workbook part: not an .xlsx workbook');
  const targets = new Map<string, string>();
  for (const [tag] of rels.toString('utf8').matchAll(/<(?:\w+:)?Relationship\b[^>]*>/g)) {
    const id = xmlAttribute(tag, 'Id');
    const target = xmlAttribute(tag, 'Target');
    if (id !== undefined && target !== undefined) targets.set(id, target);
  }
  const sheets: XlsxSheet[] = [];
  for (const [tag] of workbook.toString('utf8').matchAll(/<(?:\w+:)?sheet\b[^>]*>/g)) {
    const name = xmlAttribute(tag, 'name');
    const rel = xmlAttribute(tag, 'r:id') ?? xmlAttribute(tag, '\\w+:id');
    const part = /worksheets\/sheet(\d+)\.xml$/.exec(targets.get(rel ?? '') ?? '')?.[1];
    if (name !== undefined && part !== undefined) sheets.push({ name, part });
  }
  return sheets;
}

/** A cell as text for CSV: formulas give their result, rich text its text, dates ISO. */
function cellText(value: ExcelJS.CellValue): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString().replace(/T00:00:00\.000Z$/, '');
  if (typeof value !== 'object') return String(value);
  if ('result' in value) return cellText(value.result as ExcelJS.CellValue);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value) return String(value.text);
  if ('error' in value) return null;
  return String(value as unknown);
}

/**
 * Streams one worksheet of an .xlsx workbook (`sheet`, or else the first, with the others noted
 * as not read) into a CSV file (header row first), so that DuckDB's CSV reader can sniff its types
 * like any other file.
 */
export async function xlsxToCsv(path: string, csvPath: string, label: string, sheet?: XlsxSheet): Promise<{ csvPath: string; sheetName: string; notes: string[] }> {
  const writer = new CsvChunkWriter(csvPath);
  const notes: string[] = [];
  let sheetName = '';
  let sheets = 0;
  let width = 0;
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore' });
    let found = false;
    for await (const worksheet of reader) {
      sheets++;
      const name = (worksheet as unknown as { name?: string }).name ?? `Sheet${sheets}`;
      // the reader names a sheet by its tab when it knows the workbook, else `Sheet<part>`
      const wanted = sheet === undefined ? !found : name === sheet.name || name === `Sheet${sheet.part}`;
      if (!wanted) {
        // drain the other sheets: the reader needs them consumed to finish
        for await (const _row of worksheet) void _row;
        continue;
      }
      found = true;
      sheetName = name;
      for await (const row of worksheet) {
        const values = (row.values as ExcelJS.CellValue[]).slice(1);
        if (width === 0) width = values.length;
        const cells: (string | null)[] = [];
        for (let i = 0; i < Math.max(width, values.length); i++) cells.push(cellText(values[i]));
        await writer.writeRow(cells);
      }
    }
    await writer.close();
  } catch (error) {
    writer.destroy();
    throw new InputError(`cannot read ${label}: ${firstLine(error)}`, 'check that it is an .xlsx workbook (old .xls: save it as .xlsx or CSV)', { cause: error });
  }
  // a zip of anything else streams no worksheet at all (Excel cannot save a workbook without one)
  if (sheets === 0) throw new InputError(`${label} holds no worksheet: it is a zip file, but not an .xlsx workbook`, 'check that it is an .xlsx workbook (old .xls: save it as .xlsx or CSV)');
  if (sheet !== undefined && sheetName === '') throw new InputError(`${label} has no sheet named ${sheet.name}`, 'add the source again to list its sheets anew');
  const which = sheet === undefined ? 'first sheet' : `sheet ${sheet.name}`;
  if (writer.rows === 0) throw new InputError(`${label} has an empty ${which}`, `put a header row and data rows in the ${which}`);
  if (sheet === undefined && sheets > 1) notes.push(`${sheets - 1} more sheet(s) not read: only the first sheet (${sheetName}) is ingested`);
  return { csvPath, sheetName, notes };
}
