/**
 * Entry of a fold worker thread (see fold-workers.ts): holds a copy of the folds and fits the
 * folds it is sent, one after the other, answering on its port for each.
 */
import { workerData, type MessagePort } from 'node:worker_threads';
import { setPredictionThreads } from '../learn/index.js';
import type { FoldJob, FoldOutcome, FoldWorkerSetup } from './fold-workers.js';
import { fitModel } from './model-factory.js';

const setup = workerData as FoldWorkerSetup;
const port: MessagePort = setup.port;
const control = new Int32Array(setup.control);
// this thread is one lane of several already: its predictions stay on it
setPredictionThreads(1);

function runJob(job: FoldJob): void {
  let slowest = job.expectedFoldSeconds;
  for (const f of job.folds) {
    const fold = setup.folds[f]!;
    if (job.deadline !== undefined && Date.now() + slowest * 1000 > job.deadline) {
      port.postMessage({ fold: f, status: 'out-of-time' } satisfies FoldOutcome);
      return;
    }
    const started = performance.now();
    try {
      const model = fitModel(job.config, fold, {
        task: setup.task,
        numClasses: setup.numClasses,
        seed: job.seed + f,
        ...(job.deadline !== undefined ? { deadline: job.deadline } : {}),
      });
      const predictions = model.predict(fold.valid);
      const seconds = (performance.now() - started) / 1000;
      port.postMessage({ fold: f, status: 'done', model: model.toJSON(), predictions, seconds } satisfies FoldOutcome);
      slowest = Math.max(slowest, seconds);
    } catch (error) {
      port.postMessage({ fold: f, status: 'failed', message: error instanceof Error ? error.message : String(error) } satisfies FoldOutcome);
      return;
    }
  }
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
