/**
 * Entry of a fold worker thread (see fold-workers.ts): holds a copy of the folds and fits the
 * folds it is sent, one after the other, answering on its port for each.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { setPredictionThreads } from '../learn/index.js';
import type { FoldJob, FoldOutcome, FoldWorkerSetup } from './fold-workers.js';
import { fitFoldsInOrder } from './evaluate-candidate.js';

const setup = workerData as FoldWorkerSetup;
const port: MessagePort = setup.port;
const control = new Int32Array(setup.control);
// this thread is one lane of several already: its predictions stay on it
setPredictionThreads(1);

function runJob(job: FoldJob): void {
  let stop: FoldOutcome | undefined;
  try {
    stop = fitFoldsInOrder(job.folds, setup.folds, job.config, {
      task: setup.task,
      numClasses: setup.numClasses,
      seed: job.seed,
      expectedFoldSeconds: job.expectedFoldSeconds,
      ...(job.deadline !== undefined ? { deadline: job.deadline } : {}),
    }, (fold, model, predictions) => port.postMessage({ fold, status: 'done', model: model.toJSON(), predictions } satisfies FoldOutcome));
  } catch (error) {
    // a model that cannot be sent back (too large to copy, say): the candidate fails and says why
    stop = { status: 'failed', message: `a fold model could not be sent back from its worker thread: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (stop) port.postMessage(stop satisfies FoldOutcome);
}

port.on('message', (job: FoldJob) => {
  try {
    runJob(job);
  } finally {
    Atomics.store(control, 0, job.sequence);
    Atomics.notify(control, 0);
  }
});
// ready: the modules are loaded and the port listens
Atomics.store(control, 1, 1);
Atomics.notify(control, 1);
