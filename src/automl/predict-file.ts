import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import { OutputExistsError, UsageError } from '../common/index.js';
import { writeStreamAtomic } from '../store/index.js';
import { inputSchemaOf, readFrameSlices, readFrameWithNotes, textColumnsOf, type FrameRead, type ReadFrameOptions } from '../features/index.js';
import type { AutoModel, BatchPrediction } from './auto-model.js';
import { loadBundle } from './bundle.js';

/** A value as a CSV field: quoted when it holds a quote, comma or line break; null is empty. */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes `prediction` and, for classifiers, `proba_<class>` per class: the contract batch scoring
 * keeps. Atomically (temp file, rename): an existing file is replaced whole or not at all.
 */
export async function writePredictionsCsv(path: string, batch: BatchPrediction): Promise<void> {
  await writingTo(path, (out) => writePredictions(out, batch));
}

/** The predictions CSV onto any stream (a file, stdout), the header first unless `header` is false; does not end the stream. */
export async function writePredictions(out: NodeJS.WritableStream, batch: BatchPrediction, header = true): Promise<void> {
  for (const chunk of predictionChunks(batch, header)) if (!out.write(chunk)) await drained(out);
}

/** Until `out` takes more; an error when it was closed instead (what it wrote into failed: no 'drain' would come). */
async function drained(out: NodeJS.WritableStream): Promise<void> {
  const stream = out as Writable;
  const closed = (): Error => stream.errored ?? new Error('the output was closed before the predictions were written');
  if (stream.destroyed) throw closed();
  await new Promise<void>((resolve, reject) => {
    const onDrain = (): void => {
      stream.off('close', onClose);
      resolve();
    };
    const onClose = (): void => {
      stream.off('drain', onDrain);
      reject(closed());
    };
    stream.once('drain', onDrain);
    stream.once('close', onClose);
  });
}

function* predictionChunks(batch: BatchPrediction, header = true): Generator<string> {
  if (header) yield ['prediction', ...batch.classes.map((c) => `proba_${c}`)].map(csvField).join(',') + '\n';
  const k = batch.classes.length;
  // a classifier's predictions are its class labels: each quoted once, not once a row
  const fields = new Map(batch.classes.map((c) => [c, csvField(c)]));
  let chunk = '';
  for (let i = 0; i < batch.prediction.length; i++) {
    const p = batch.prediction[i]!;
    let line = typeof p === 'number' ? String(p) : (fields.get(p) ?? csvField(p));
    for (let j = 0; j < k; j++) line += ',' + String(batch.probabilities![i * k + j]);
    chunk += line + '\n';
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

/** The same file, through symbolic links and relative paths. */
function sameFile(a: string, b: string): boolean {
  const real = (path: string) => {
    try {
      return realpathSync(path);
    } catch {
      return resolve(path);
    }
  };
  return real(a) === real(b);
}

/**
 * An output file that may be written: not the input data file (the results would replace the rows
 * they came from), and an existing one only with `replace` (an `OutputExistsError` otherwise).
 */
export function checkOutputPath(dataPath: string, outPath: string, replace: boolean, what = 'predictions'): void {
  if (sameFile(dataPath, outPath)) {
    throw new UsageError(`the output ${outPath} is the input data file`, `write the ${what} to another file: they would replace the rows they came from`);
  }
  if (!replace && existsSync(outPath)) throw new OutputExistsError(outPath);
}

/** The settings a data file is read with as a model's input rows: the bundle's text columns and inputs, and silver's cleaning. */
function modelInputOptions(model: AutoModel): ReadFrameOptions {
  const clean = model.manifest.clean;
  const pipeline = model.manifest.pipeline;
  return { textColumns: textColumnsOf(pipeline), expectedColumns: inputSchemaOf(pipeline), ...(clean ? { clean } : {}) };
}

/** A data file as the model's input rows: read with the bundle's text columns and silver's cleaning, or by `frameOf` (gold). */
export async function readModelInput(model: AutoModel, dataPath: string, frameOf?: (dataPath: string) => Promise<FrameRead>): Promise<FrameRead> {
  return frameOf ? frameOf(dataPath) : readFrameWithNotes(dataPath, modelInputOptions(model));
}

/**
 * Rows scored at a time when a file is scored as it is read (`predictFile`): the columns, the
 * features and the members' outputs of one slice are reused or short-lived, where a whole
 * million-row file's were ~650 MB touched once (on this machine a fresh page costs ~10 µs).
 */
const SLICE_ROWS = 131_072;

/**
 * Scores a data file with a bundle and writes the predictions CSV; returns the number of rows and
 * the notes on how the file was read. The file is read whole first (a file that cannot be read
 * writes nothing), then scored and written a slice of rows at a time.
 * `outPath` may not be `dataPath`: the predictions would replace the rows they came from. Another
 * existing file is replaced only with `replace` (an `OutputExistsError` otherwise), whole or not at all.
 */
export async function predictFile(
  modelDir: string | AutoModel,
  dataPath: string,
  outPath: string | NodeJS.WritableStream,
  options: {
    readonly replace?: boolean;
    /** how the file becomes the model's input rows, when it is not read as it is (a bundle trained on gold: features looked up in a lab) */
    readonly frameOf?: (dataPath: string) => Promise<FrameRead>;
    /** rows scored at a time (default 131,072; at least 2,048) */
    readonly sliceRows?: number;
  } = {},
): Promise<{ rows: number; notes: readonly string[] }> {
  if (typeof outPath === 'string') checkOutputPath(dataPath, outPath, options.replace === true);
  const model = typeof modelDir === 'string' ? loadBundle(modelDir).model : modelDir;
  const { frameOf } = options;
  return writingTo(outPath, async (out) => {
    if (frameOf) {
      const { frame, notes } = await frameOf(dataPath);
      await writePredictions(out, model.predictFrame(frame));
      return { rows: frame.rows, notes };
    }
    let header = true;
    const write = async (batch: BatchPrediction): Promise<void> => {
      await writePredictions(out, batch, header);
      header = false;
    };
    // each slice's predictions are written while the workers score the next one
    let previous: BatchPrediction | undefined;
    const read = await readFrameSlices(dataPath, modelInputOptions(model), options.sliceRows ?? SLICE_ROWS, async (frame) => {
      const scored = model.predictFrameLater(frame);
      try {
        if (previous) await write(previous);
      } finally {
        // the workers are joined before the frame's columns take the next slice
        previous = scored();
      }
    });
    if (previous) await write(previous);
    return read;
  });
}

/**
 * Runs `write` onto the output: a file written atomically (a temporary file renamed when `write`
 * succeeds, removed when it fails), or a stream (not ended).
 */
async function writingTo<T>(outPath: string | NodeJS.WritableStream, write: (out: NodeJS.WritableStream) => Promise<T>): Promise<T> {
  if (typeof outPath !== 'string') return write(outPath);
  // a few megabytes buffered: the file takes a slice's lines while the next is scored (with a
  // stream's default 16 kB, every 64 kB of lines waited for the write behind it)
  const sink = new PassThrough({ highWaterMark: 1 << 22 });
  // its errors are told by `written` and by the writes waiting on it (`drained`), not as an event nobody hears
  sink.on('error', () => undefined);
  const written = writeStreamAtomic(() => sink, outPath);
  // a write that cannot go on (the folder cannot be written) ends `write`'s wait for the sink
  written.catch((error: unknown) => sink.destroy(error instanceof Error ? error : new Error(String(error))));
  let value: T;
  try {
    value = await write(sink);
  } catch (error) {
    sink.destroy(error instanceof Error ? error : new Error(String(error)));
    await written.catch(() => undefined);
    throw error;
  }
  sink.end();
  await written;
  return value;
}
