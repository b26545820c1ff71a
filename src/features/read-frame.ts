import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, tempPrefix } from '../common/index.js';
import { cleanedRows, openDuckEngine, type SilverPlan } from '../lake/index.js';
import { checkDataFile, readDataFile } from '../sources/index.js';
import type { Frame } from './frame.js';
import { FrameCollector } from './read-frame-columns.js';

export interface ReadFrameOptions {
  /** columns read as exact text whatever they look like (a target's class labels, categorical inputs) */
  readonly textColumns?: readonly string[];
  /** clean the rows as silver does (the plan a bundle trained on silver keeps), so raw rows score as training's rows were */
  readonly clean?: SilverPlan;
  /** the columns the caller expects (a model's inputs): a CSV whose header names them all is read without sniffing its dialect */
  readonly expectedColumns?: readonly string[];
  /** where the read's scratch folder goes (a lab's work folder); default: the system's temp folder */
  readonly workDir?: string;
}

/** A frame and the notes on how its file was read (encoding, delimiter, rows skipped …). */
export interface FrameRead {
  readonly frame: Frame;
  readonly notes: readonly string[];
}

/**
 * Reads a CSV/TSV, Parquet, JSON, NDJSON or .xlsx file into a frame through the sources' reader —
 * the one ingest uses, with the same dialect decisions and repairs — on a DuckDB engine of its own
 * (closed when done) whose scratch folder is removed afterwards.
 */
export async function readFrameWithNotes(path: string, options: ReadFrameOptions = {}): Promise<FrameRead> {
  await checkDataFile(path);
  const workDir = await mkdtemp(join(options.workDir ?? tmpdir(), tempPrefix('autolab-read')));
  try {
    const engine = await openDuckEngine(workDir);
    try {
      const textColumns = options.textColumns ?? [];
      const collector = new FrameCollector(path, textColumns);
      const consumer = options.clean ? cleanedRows(options.clean, collector) : collector;
      const quality = await readDataFile(engine.conn, path, { kind: 'rows', consumer }, {
        label: path,
        workDir,
        textColumns,
        ...(options.expectedColumns ? { expectedColumns: options.expectedColumns } : {}),
      });
      const frame = collector.frame;
      if (frame.columns.length === 0) throw new InputError(`${path} has no columns`, 'pass a file with a header row');
      if (frame.rows === 0) throw new InputError(`${path} has a header but no rows`, 'pass a file with at least one data row');
      return { frame, notes: quality.notes };
    } finally {
      engine.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** As `readFrameWithNotes`, the frame alone. */
export async function readFrame(path: string, options: ReadFrameOptions = {}): Promise<Frame> {
  return (await readFrameWithNotes(path, options)).frame;
}
