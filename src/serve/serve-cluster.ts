import cluster, { type Worker } from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../common/index.js';
import { mergeSnapshots, prometheusText, type MetricsSnapshot } from './service-metrics.js';
import type { CheckedServeOptions } from './serve-options.js';

/**
 * The primary of `autolab serve --workers N`: forks the workers (node:cluster; they share the
 * listening socket), replaces one that dies, asks every worker to reload on `reload()`, and on
 * `close()` asks them to finish what they are answering and stop. It also answers a worker's
 * `/metrics` with every worker's counters added up.
 */

/** Messages between the primary and its workers. */
export type ClusterMessage =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'reload' }
  | { readonly type: 'reloaded'; readonly error?: string }
  | { readonly type: 'shutdown' }
  | { readonly type: 'metrics-request'; readonly id: number }
  | { readonly type: 'snapshot-request'; readonly id: number }
  | { readonly type: 'snapshot'; readonly id: number; readonly snapshot: MetricsSnapshot }
  | { readonly type: 'metrics-text'; readonly id: number; readonly text: string };

export const OPTIONS_ENV = 'AUTOLAB_SERVE_OPTIONS';

/** The worker's entry: the compiled module, or (running from source) the TypeScript one through tsx. */
function workerEntry(): { exec: string; execArgv: string[] } {
  const js = fileURLToPath(new URL('./serve-worker-main.js', import.meta.url));
  if (existsSync(js)) return { exec: js, execArgv: [] };
  return { exec: fileURLToPath(new URL('./serve-worker-main.ts', import.meta.url)), execArgv: ['--import', 'tsx'] };
}

export interface ServeCluster {
  readonly port: number;
  /** Every worker reads its model again; resolves when all have (errors as text, one per worker that kept its model). */
  reload(): Promise<string[]>;
  /** Workers finish the requests under way, write their logs and exit. */
  close(): Promise<void>;
  /** Resolves when every worker has exited after `close`. */
  readonly closed: Promise<void>;
}

export async function startServeCluster(options: CheckedServeOptions, report: (line: string) => void = () => {}): Promise<ServeCluster> {
  const { exec, execArgv } = workerEntry();
  cluster.setupPrimary({ exec, execArgv, silent: false });
  let shuttingDown = false;
  let nextId = 0;
  const pendingSnapshots = new Map<number, { asker: Worker; askerId: number; snapshots: MetricsSnapshot[]; expected: number; timer: NodeJS.Timeout }>();
  const pendingReloads: { worker: Worker; resolve: (error: string | undefined) => void }[] = [];
  let resolveClosed: () => void = () => {};
  const closed = new Promise<void>((resolve) => (resolveClosed = resolve));

  const answerMetrics = (id: number) => {
    const pending = pendingSnapshots.get(id);
    if (!pending) return;
    clearTimeout(pending.timer);
    pendingSnapshots.delete(id);
    if (pending.asker.isConnected()) pending.asker.send({ type: 'metrics-text', id: pending.askerId, text: prometheusText(mergeSnapshots(pending.snapshots)) } satisfies ClusterMessage);
  };

  // workers that said they listen: a worker still starting has no message handler yet (a message
  // sent to it then is lost), so it is stopped by a signal instead
  const listening = new Set<Worker>();
  const fork = (): Promise<{ worker: Worker; port: number }> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork({ [OPTIONS_ENV]: JSON.stringify(options) });
      const onExit = (code: number | null, signal: string | null) => reject(new Error(`a serve worker stopped (${signal ?? `code ${String(code)}`}) before it listened`));
      worker.once('exit', onExit);
      worker.on('message', (message: ClusterMessage) => {
        switch (message.type) {
          case 'listening':
            worker.off('exit', onExit);
            listening.add(worker);
            resolve({ worker, port: message.port });
            break;
          case 'metrics-request': {
            const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && w.isConnected());
            const id = nextId++;
            const timer = setTimeout(() => answerMetrics(id), 1000);
            // the primary's id keys the gathering; the asker matches the answer by its own
            pendingSnapshots.set(id, { asker: worker, askerId: message.id, snapshots: [], expected: workers.length, timer });
            for (const w of workers) w.send({ type: 'snapshot-request', id } satisfies ClusterMessage);
            break;
          }
          case 'snapshot': {
            const pending = pendingSnapshots.get(message.id);
            if (!pending) break;
            pending.snapshots.push(message.snapshot);
            if (pending.snapshots.length >= pending.expected) answerMetrics(message.id);
            break;
          }
          case 'reloaded': {
            const at = pendingReloads.findIndex((p) => p.worker === worker);
            if (at >= 0) pendingReloads.splice(at, 1)[0]!.resolve(message.error);
            break;
          }
          default:
            break;
        }
      });
    });

  cluster.on('exit', (worker, code, signal) => {
    listening.delete(worker);
    for (const p of pendingReloads.filter((r) => r.worker === worker)) p.resolve(`worker ${worker.process.pid} exited`);
    if (shuttingDown) {
      if (Object.values(cluster.workers ?? {}).every((w) => w === undefined || w.isDead())) resolveClosed();
      return;
    }
    report(`a serve worker (pid ${worker.process.pid}) stopped (${signal ?? `code ${String(code)}`}); starting another`);
    fork().then(
      ({ worker: started }) => report(`a serve worker (pid ${started.process.pid}) took its place`),
      (error: unknown) => {
        if (!shuttingDown) report(error instanceof Error ? error.message : String(error));
      },
    );
  });

  let started: { worker: Worker; port: number }[];
  try {
    started = await Promise.all(Array.from({ length: options.workers }, fork));
  } catch (error) {
    // one worker could not start (its reason is on standard error): the others stop too
    shuttingDown = true;
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
    throw new UsageError(`a serve worker could not start: ${error instanceof Error ? error.message : String(error)}`, 'see the message above');
  }
  return {
    port: started[0]!.port,
    async reload() {
      // a worker still starting loads the bundle as it is now, and could not take the message yet
      const workers = [...listening].filter((w) => w.isConnected());
      const results = await Promise.all(
        workers.map(
          (worker) =>
            new Promise<string | undefined>((resolve) => {
              pendingReloads.push({ worker, resolve });
              worker.send({ type: 'reload' } satisfies ClusterMessage);
            }),
        ),
      );
      return results.filter((r): r is string => r !== undefined);
    },
    async close() {
      shuttingDown = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && !w.isDead());
      if (workers.length === 0) resolveClosed();
      for (const worker of workers) {
        if (listening.has(worker)) worker.send({ type: 'shutdown' } satisfies ClusterMessage);
        else worker.process.kill('SIGTERM');
      }
      await closed;
    },
    closed,
  };
}
