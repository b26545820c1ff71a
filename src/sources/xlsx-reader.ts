import ExcelJS from 'exceljs';
import { InputError } from '../common/index.js';
import { firstLine } from '../lake/index.js';
import { CsvChunkWriter } from './csv-writer.js';

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
 * Streams the first worksheet of an .xlsx workbook into a CSV file (header row first), so that
 * DuckDB's CSV reader can sniff its types like any other file; other sheets are noted, not read.
 */
export async function xlsxToCsv(path: string, csvPath: string, label: string): Promise<{ csvPath: string; sheetName: string; notes: string[] }> {
  const writer = new CsvChunkWriter(csvPath);
  const notes: string[] = [];
  let sheetName = '';
  let sheets = 0;
  let width = 0;
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(path, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore' });
    for await (const sheet of reader) {
      sheets++;
      if (sheets > 1) {
        // drain the other sheets: the reader needs them consumed to finish
        for await (const _row of sheet) void _row;
        continue;
      }
      sheetName = (sheet as unknown as { name?: string }).name ?? 'sheet1';
      for await (const row of sheet) {
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
  if (writer.rows === 0) throw new InputError(`${label} has an empty first sheet`, 'put a header row and data rows in the first sheet');
  if (sheets > 1) notes.push(`${sheets - 1} more sheet(s) not read: only the first sheet (${sheetName}) is ingested`);
  return { csvPath, sheetName, notes };
}
