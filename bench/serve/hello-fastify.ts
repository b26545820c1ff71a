/**
 * The framework's ceiling on this machine: a plain Fastify route under node:cluster, shaped as
 * `autolab serve` is (`--workers` processes sharing one socket, JSON body parsed, a fixed MLflow
 * answer of the same size as ours sent back), with nothing of ours in it. `serve.bench.ts` loads it
 * with the same wrk settings as the anchor and ours, so the three figures come from one run.
 *
 *   node --import tsx bench/serve/hello-fastify.ts [--workers 2]
 *
 * Prints `listening on http://127.0.0.1:PORT` on standard error once every worker listens.
 */
import cluster from 'node:cluster';
import Fastify from 'fastify';
import { option } from './serve-harness.js';

const workers = Number(option(process.argv.slice(2), 'workers', '2'));

if (cluster.isPrimary) {
  let listening = 0;
  for (let i = 0; i < workers; i++) {
    cluster.fork().on('message', (message: { port: number }) => {
      if (++listening === workers) process.stderr.write(`listening on http://127.0.0.1:${message.port}\n`);
    });
  }
  process.on('SIGTERM', () => {
    for (const worker of Object.values(cluster.workers ?? {})) worker?.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const app = Fastify({ logger: false });
  // the answer ours gives the anchor's record (a fixed object: no model, no check)
  app.post('/invocations', async () => ({ predictions: ['good'], probabilities: [{ bad: 0.18651513216044768, good: 0.8134848678395523 }] }));
  // port 0 in every worker: node:cluster hands them the one port the primary chose
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send?.({ port: (app.server.address() as { port: number }).port });
}
