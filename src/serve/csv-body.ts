import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUserError, tempPrefix } from '../common/index.js';
import { readFrameWithNotes, textColumnsOf, type FeaturePipelineSpec, type Frame } from '../features/index.js';
import type { RecordValues } from './record-validator.js';
import { RequestError } from './request-error.js';

/**
 * A CSV body read as batch scoring reads a file: the sources' reader (dialect, encoding, quoting),
 * the model's text columns kept as exact text. The body goes to a scratch file first, since the
 * reader is DuckDB's; a CSV upload is a batch, where that cost is small beside the scoring.
 */
export async function recordsOfCsvBody(body: string, pipeline: FeaturePipelineSpec, maxRows: number): Promise<RecordValues[]> {
  const dir = await mkdtemp(join(tmpdir(), tempPrefix('autolab-serve-csv')));
  try {
    const path = join(dir, 'body.csv');
    await writeFile(path, body);
    let frame: Frame;
    try {
      ({ frame } = await readFrameWithNotes(path, { textColumns: textColumnsOf(pipeline), workDir: dir }));
    } catch (error) {
      if (isUserError(error)) throw new RequestError(400, `the CSV body could not be read: ${error.what.replaceAll(path, 'the body')}`, 'body', 'send a header row and at least one data row');
      throw error;
    }
    if (frame.rows > maxRows) throw new RequestError(413, `the request holds ${frame.rows} records; at most ${maxRows} are scored per request`, undefined, 'split the records over several requests, or score a file with `autolab predict`');
    return recordsOfFrame(frame);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A frame as records, each value as the service reads it (what `autolab compare` sends an endpoint, too). */
export function recordsOfFrame(frame: Frame): RecordValues[] {
  const records: Record<string, unknown>[] = Array.from({ length: frame.rows }, () => ({}));
  for (const column of frame.columns) {
    for (let i = 0; i < frame.rows; i++) {
      const v = column.values[i];
      // numbers stay numbers; booleans and datetimes as the reader typed them
      records[i]![column.name] =
        column.kind === 'string' ? (v ?? null) : Number.isNaN(v as number) ? null : column.kind === 'boolean' ? v === 1 : column.kind === 'datetime' ? new Date(v as number).toISOString() : v;
    }
  }
  return records;
}
