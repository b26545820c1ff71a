// Child process for the cross-process tests: appends N actions one by one to the catalog at URL.
import { openCatalog } from './open-catalog.js';

const [url, count, worker] = process.argv.slice(2);
const catalog = await openCatalog(url ?? '');
for (let i = 0; i < Number(count); i++) {
  await catalog.appendAction({
    kind: 'ingest.table',
    project: 'shared',
    inputs: {},
    outputs: { i: String(i) },
    status: 'done',
    startedAt: new Date().toISOString(),
    finishedAt: new Date().toISOString(),
    cpuSeconds: 0,
    bytesWritten: 0,
    workerId: worker ?? 'child',
    error: null,
    detail: {},
  });
}
await catalog.close();
