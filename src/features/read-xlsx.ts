import ExcelJS from 'exceljs';
import { InputError } from '../common/index.js';
import { frameFromRows, type Frame } from './frame.js';

/** A cell as a plain value: formulas give their result, rich text its text. */
function cellValue(value: ExcelJS.CellValue): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date || typeof value !== 'object') return value;
  if ('result' in value) return cellValue(value.result as ExcelJS.CellValue);
  if ('richText' in value) return value.richText.map((r) => r.text).join('');
  if ('text' in value) return String(value.text);
  if ('error' in value) return null;
  return String(value as unknown);
}

/** Reads the first worksheet of an .xlsx file; its first row names the columns. */
export async function readXlsx(path: string, textColumns: readonly string[] = []): Promise<Frame> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.readFile(path);
  } catch (error) {
    throw new InputError(`cannot read ${path}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`, 'check that it is an .xlsx workbook');
  }
  const sheet = workbook.worksheets[0];
  if (!sheet || sheet.rowCount < 2) throw new InputError(`${path} has no data rows in its first sheet`, 'put a header row and data rows in the first sheet');
  const header: string[] = [];
  sheet.getRow(1).eachCell({ includeEmpty: true }, (cell, col) => (header[col - 1] = String(cellValue(cell.value) ?? `column${col}`)));
  const forced = new Set(textColumns);
  const rows: Record<string, unknown>[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, index) => {
    if (index === 1) return;
    const record: Record<string, unknown> = {};
    header.forEach((name, c) => {
      const v = cellValue(row.getCell(c + 1).value);
      record[name] = forced.has(name) && v !== null ? (v instanceof Date ? v.toISOString() : String(v)) : v;
    });
    rows.push(record);
  });
  if (rows.length === 0) throw new InputError(`${path} has a header but no rows`, 'pass a sheet with at least one data row');
  return frameFromRows(rows, header);
}
