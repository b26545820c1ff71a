import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { readFrameWithNotes, textColumnsOf } from '../features/index.js';
import type { AutoModel, BatchPrediction } from './auto-model.js';
import { loadBundle } from './bundle.js';

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Writes `prediction` and, for classifiers, `proba_<class>` per class: the contract batch scoring keeps. */
export async function writePredictionsCsv(path: string, batch: BatchPrediction): Promise<void> {
  const out = createWriteStream(path);
  await writePredictions(out, batch);
  out.end();
  await once(out, 'finish');
}

/** The predictions CSV onto any stream (a file, stdout); does not end the stream. */
export async function writePredictions(out: NodeJS.WritableStream, batch: BatchPrediction): Promise<void> {
  const header = ['prediction', ...batch.classes.map((c) => `proba_${c}`)];
  out.write(header.map(csvField).join(',') + '\n');
  const k = batch.classes.length;
  let chunk = '';
  for (let i = 0; i < batch.prediction.length; i++) {
    const p = batch.prediction[i]!;
    let line = typeof p === 'number' ? String(p) : csvField(p);
    for (let j = 0; j < k; j++) line += ',' + String(batch.probabilities![i * k + j]);
    chunk += line + '\n';
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  if (chunk && !out.write(chunk)) await once(out, 'drain');
}

/** Scores a data file with a bundle and writes the predictions CSV; returns the number of rows and the notes on how the file was read. */
export async function predictFile(modelDir: string | AutoModel, dataPath: string, outPath: string | NodeJS.WritableStream): Promise<{ rows: number; notes: readonly string[] }> {
  const model = typeof modelDir === 'string' ? loadBundle(modelDir).model : modelDir;
  const { frame, notes } = await readFrameWithNotes(dataPath, { textColumns: textColumnsOf(model.manifest.pipeline) });
  const batch = model.predictFrame(frame);
  if (typeof outPath === 'string') await writePredictionsCsv(outPath, batch);
  else await writePredictions(outPath, batch);
  return { rows: frame.rows, notes };
}
