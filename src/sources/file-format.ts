import { extname } from 'node:path';

export type FileFormat = 'csv' | 'parquet' | 'json' | 'ndjson' | 'xlsx';

const FORMATS: Record<string, FileFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.tab': 'csv',
  '.psv': 'csv',
  '.txt': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
  '.json': 'json',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
  '.xlsx': 'xlsx',
};

/** The format of a data file by its extension (`.gz` looked through), or undefined. */
export function fileFormat(path: string): FileFormat | undefined {
  const base = path.toLowerCase().endsWith('.gz') ? path.slice(0, -3) : path;
  return FORMATS[extname(base).toLowerCase()];
}

export const SUPPORTED_EXTENSIONS = Object.keys(FORMATS);
