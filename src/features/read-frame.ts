import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, tempPrefix } from '../common/index.js';
import { cleanedRows, openDuckEngine, type SilverPlan } from '../lake/index.js';
import { checkDataFile, readDataFile } from '../sources/index.js';
import type { Frame } from './frame.js';
import { FrameCollector } from './read-frame-columns.js';
import type { ExpectedKind } from './steps.js';

/** A column the caller expects (a model's input) and the kind it expects there. */
export interface ExpectedColumn {
  readonly name: string;
  readonly kind: ExpectedKind;
  /** the labels a text column is expected to hold (a model's categories): read as codes of them, the same values sooner */
  readonly categories?: readonly string[];
}

export interface ReadFrameOptions {
  /** columns read as exact text whatever they look like (a target's class labels, categorical inputs) */
  readonly textColumns?: readonly string[];
  /** clean the rows as silver does (the plan a bundle trained on silver keeps), so raw rows score as training's rows were */
  readonly clean?: SilverPlan;
  /**
   * the columns the caller expects (a model's inputs, `inputSchemaOf`): a CSV whose header names
   * them all is read without sniffing its dialect, and — when they are all numbers or text and the
   * rows are not cleaned — with those types, without sniffing its types either (a value that does
   * not fit is read as without them: the same frame and notes; "007" in a number column is 7);
   * text columns' `categories` are read as codes of them, and numbers go where the prediction
   * workers read them (the rows are scored)
   */
  readonly expectedColumns?: readonly ExpectedColumn[];
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
  return withRead(path, options, async (collector, notes) => ({ frame: await collector.frame(), notes }));
}

/**
 * As `readFrameWithNotes`, the rows handed to `each` a slice of at most `sliceRows` at a time (a
 * batch scored and written in bounded memory): the file is read whole first (a read that fails does
 * so before any slice), then its rows are taken slice by slice into the same columns — each frame
 * is overwritten by the next once `each` has returned. A slice's `firstRow` is its place in the file.
 */
export async function readFrameSlices(
  path: string,
  options: ReadFrameOptions,
  sliceRows: number,
  each: (frame: Frame) => Promise<void> | void,
): Promise<{ rows: number; notes: readonly string[] }> {
  return withRead(path, options, async (collector, notes) => {
    const { rows } = collector.shape;
    for await (const frame of collector.frames(sliceRows)) await each(frame);
    return { rows, notes };
  });
}

/** Reads the file into a collector (a file with no columns or no rows is an `InputError`), then lets `use` take its rows while the engine is open. */
async function withRead<T>(path: string, options: ReadFrameOptions, use: (collector: FrameCollector, notes: readonly string[]) => Promise<T>): Promise<T> {
  await checkDataFile(path);
  const workDir = await mkdtemp(join(options.workDir ?? tmpdir(), tempPrefix('autolab-read')));
  try {
    const engine = await openDuckEngine(workDir);
    try {
      const textColumns = options.textColumns ?? [];
      const labels = new Map((options.expectedColumns ?? []).flatMap((c) => (c.categories ? [[c.name, c.categories] as const] : [])));
      const collector = new FrameCollector(path, { textColumns, labels, scored: options.expectedColumns !== undefined });
      const consumer = options.clean ? cleanedRows(options.clean, collector) : collector;
      const quality = await readDataFile(engine.conn, path, { kind: 'rows', consumer }, {
        label: path,
        workDir,
        textColumns,
        ...(options.expectedColumns ? expectedSettings(options.expectedColumns, options.clean === undefined) : {}),
      });
      const { rows, columns } = collector.shape;
      if (columns.length === 0) throw new InputError(`${path} has no columns`, 'pass a file with a header row');
      if (rows === 0) throw new InputError(`${path} has a header but no rows`, 'pass a file with at least one data row');
      return await use(collector, quality.notes);
    } finally {
      engine.close();
    }
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The sources reader's settings for the expected columns: their names, and their DuckDB types when
 * every one is a number (read as DOUBLE, as the frame keeps numbers) or text. Booleans and datetimes
 * are left to the sniffer, whose decision depends on how the values are written; so are rows that
 * silver's cleaning will see, whose types it may depend on.
 */
function expectedSettings(columns: readonly ExpectedColumn[], typed: boolean): { expectedColumns: string[]; expectedTypes?: Record<string, string> } {
  const expectedColumns = columns.map((c) => c.name);
  if (!typed || !columns.every((c) => c.kind === 'number' || c.kind === 'string')) return { expectedColumns };
  return { expectedColumns, expectedTypes: Object.fromEntries(columns.map((c) => [c.name, c.kind === 'number' ? 'DOUBLE' : 'VARCHAR'])) };
}

/** As `readFrameWithNotes`, the frame alone. */
export async function readFrame(path: string, options: ReadFrameOptions = {}): Promise<Frame> {
  return (await readFrameWithNotes(path, options)).frame;
}
