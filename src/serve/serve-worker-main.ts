/**
 * A worker of `autolab serve --workers N` (started by the primary through node:cluster): serves
 * from this process, reloads or shuts down when the primary says, and gets `/metrics` from it.
 */
import { describeError } from '../common/index.js';
import { OPTIONS_ENV, type ClusterMessage } from './serve-cluster.js';
import { serveOptionsShape } from './serve-options.js';
import { startServing, type ServingProcess } from './serving-process.js';

const send = (message: ClusterMessage) => process.send?.(message);
const options = serveOptionsShape.parse(JSON.parse(process.env[OPTIONS_ENV] ?? '{}'));
let nextId = 0;
const waiting = new Map<number, (text: string) => void>();
let serving: ServingProcess | undefined;

async function shutdown(): Promise<void> {
  await serving?.close();
  process.exit(0);
}

process.on('message', (message: ClusterMessage) => {
  switch (message.type) {
    case 'reload':
      serving
        ?.reload()
        .then(() => send({ type: 'reloaded' }))
        .catch((error: unknown) => {
          process.stderr.write(`autolab serve: worker ${process.pid} kept its model: ${describeError(error)}\n`);
          send({ type: 'reloaded', error: describeError(error) });
        });
      break;
    case 'shutdown':
      void shutdown();
      break;
    case 'snapshot-request':
      send({ type: 'snapshot', id: message.id, snapshot: serving?.metrics.snapshot() ?? {} });
      break;
    case 'metrics-text':
      waiting.get(message.id)?.(message.text);
      waiting.delete(message.id);
      break;
    default:
      break;
  }
});
// the terminal's Ctrl-C reaches every process of the group; the primary waits for the workers
process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());

try {
  serving = await startServing(options, {
    metricsText: () =>
      new Promise<string>((resolve) => {
        const id = nextId++;
        waiting.set(id, resolve);
        send({ type: 'metrics-request', id });
      }),
  });
  send({ type: 'listening', port: serving.port });
} catch (error) {
  process.stderr.write(`autolab serve: worker ${process.pid} could not start: ${describeError(error)}\n`);
  process.exit(1);
}
