import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { FrameRead } from '../../features/index.js';
import { writeStreamAtomic } from '../../store/index.js';
import type { AutoModel, BatchPrediction } from '../auto-model.js';
import { loadBundle } from '../bundle.js';
import { checkOutputPath, csvField, readModelInput } from '../predict-file.js';
import { explainEnsemble, type EnsembleExplanation } from './explain-ensemble.js';
import { topContributions, type RowExplanation } from './top-contributions.js';

export type ExplanationFormat = 'csv' | 'json';

/** What `explainFile` wrote, and the JSON document of the explanations. */
export interface FileExplanation {
  readonly rows: number;
  readonly notes: readonly string[];
  readonly document: ExplanationDocument;
}

/** The JSON form: the ensemble's members and what the sums equal, then each row's top contributions. */
export interface ExplanationDocument {
  readonly sumEquals: string;
  readonly members: EnsembleExplanation['members'];
  readonly rows: readonly (RowExplanation & { readonly row: number; readonly prediction: string | number })[];
}

/**
 * The top contributions of each row: for a classifier, towards the predicted class when there are
 * more than two (towards class 1 for binary); one document for a batch.
 */
export function explainRows(model: AutoModel, frame: FrameRead['frame'], top: number): ExplanationDocument {
  const explanation = explainEnsemble(model, frame);
  const batch = model.predictFrame(frame);
  const rows = topContributions(explanation, frame, top, predictedOutput(model, batch));
  return {
    sumEquals: explanation.sumEquals,
    members: explanation.members,
    rows: rows.map((r, i) => ({ row: i, prediction: batch.prediction[i]!, ...r })),
  };
}

function predictedOutput(model: AutoModel, batch: BatchPrediction): (row: number) => number {
  if (model.task !== 'multiclass') return () => 0;
  return (row) => model.classes.indexOf(String(batch.prediction[row]));
}

/** One line per row and rank: row, prediction, output, base, rank, column, value, contribution. */
function* csvChunks(document: ExplanationDocument): Generator<string> {
  yield 'row,prediction,output,base,rank,column,value,contribution\n';
  let chunk = '';
  for (const row of document.rows) {
    row.contributions.forEach((c, rank) => {
      chunk += [row.row, row.prediction, row.output, row.base, rank + 1, c.column, c.value, c.contribution].map(csvField).join(',') + '\n';
    });
    if (chunk.length > 1 << 16) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function chunksOf(document: ExplanationDocument, format: ExplanationFormat): Iterable<string> {
  return format === 'json' ? [JSON.stringify(document) + '\n'] : csvChunks(document);
}

/**
 * Explains every row of a data file with a bundle and writes each row's `top` contributions as CSV
 * or JSON, to a file (atomically; the input file itself and, without `replace`, an existing file
 * are refused) or a stream.
 */
export async function explainFile(
  modelDir: string | AutoModel,
  dataPath: string,
  out: string | NodeJS.WritableStream,
  options: { readonly top: number; readonly format: ExplanationFormat; readonly replace?: boolean; readonly frameOf?: (dataPath: string) => Promise<FrameRead> },
): Promise<FileExplanation> {
  if (typeof out === 'string') checkOutputPath(dataPath, out, options.replace === true, 'explanations');
  const model = typeof modelDir === 'string' ? loadBundle(modelDir).model : modelDir;
  const { frame, notes } = await readModelInput(model, dataPath, options.frameOf);
  const document = explainRows(model, frame, options.top);
  if (typeof out === 'string') await writeStreamAtomic(() => Readable.from(chunksOf(document, options.format)), out);
  else for (const chunk of chunksOf(document, options.format)) if (!out.write(chunk)) await once(out, 'drain');
  return { rows: frame.rows, notes, document };
}
