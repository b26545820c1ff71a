import { existsSync, realpathSync } from 'node:fs';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { OutputExistsError, UsageError } from '../common/index.js';
import { writeStreamAtomic } from '../store/index.js';
import { inputSchemaOf, readFrameWithNotes, textColumnsOf, type FrameRead } from '../features/index.js';
import type { AutoModel, BatchPrediction } from './auto-model.js';
import { loadBundle } from './bundle.js';

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes `prediction` and, for classifiers, `proba_<class>` per class: the contract batch scoring
 * keeps. Atomically (temp file, rename): an existing file is replaced whole or not at all.
 */
export async function writePredictionsCsv(path: string, batch: BatchPrediction): Promise<void> {
  await writeStreamAtomic(() => Readable.from(predictionChunks(batch)), path);
}

/** The predictions CSV onto any stream (a file, stdout); does not end the stream. */
export async function writePredictions(out: NodeJS.WritableStream, batch: BatchPrediction): Promise<void> {
  for (const chunk of predictionChunks(batch)) if (!out.write(chunk)) await once(out, 'drain');
}

function* predictionChunks(batch: BatchPrediction): Generator<string> {
  const header = ['prediction', ...batch.classes.map((c) => `proba_${c}`)];
  yield header.map(csvField).join(',') + '\n';
  const k = batch.classes.length;
  let chunk = '';
  for (let i = 0; i < batch.prediction.length; i++) {
    const p = batch.prediction[i]!;
    let line = typeof p === 'number' ? String(p) : csvField(p);
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

/** A data file as the model's input rows: read with the bundle's text columns and silver's cleaning, or by `frameOf` (gold). */
export async function readModelInput(model: AutoModel, dataPath: string, frameOf?: (dataPath: string) => Promise<FrameRead>): Promise<FrameRead> {
  if (frameOf) return frameOf(dataPath);
  const clean = model.manifest.clean;
  const pipeline = model.manifest.pipeline;
  return readFrameWithNotes(dataPath, {
    textColumns: textColumnsOf(pipeline),
    expectedColumns: inputSchemaOf(pipeline),
    ...(clean ? { clean } : {}),
  });
}

/**
 * Scores a data file with a bundle and writes the predictions CSV; returns the number of rows and
 * the notes on how the file was read.
 * `outPath` may not be `dataPath`: the predictions would replace the rows they came from. Another
 * existing file is replaced only with `replace` (an `OutputExistsError` otherwise).
 */
export async function predictFile(
  modelDir: string | AutoModel,
  dataPath: string,
  outPath: string | NodeJS.WritableStream,
  options: {
    readonly replace?: boolean;
    /** how the file becomes the model's input rows, when it is not read as it is (a bundle trained on gold: features looked up in a lab) */
    readonly frameOf?: (dataPath: string) => Promise<FrameRead>;
  } = {},
): Promise<{ rows: number; notes: readonly string[] }> {
  if (typeof outPath === 'string') checkOutputPath(dataPath, outPath, options.replace === true);
  const model = typeof modelDir === 'string' ? loadBundle(modelDir).model : modelDir;
  const { frame, notes } = await readModelInput(model, dataPath, options.frameOf);
  const batch = model.predictFrame(frame);
  if (typeof outPath === 'string') await writePredictionsCsv(outPath, batch);
  else await writePredictions(outPath, batch);
  return { rows: frame.rows, notes };
}
