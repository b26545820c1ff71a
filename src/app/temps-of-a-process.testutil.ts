/**
 * Run as its own process (`node --import tsx this-file LAB_ROOT`) by lab.test.ts: opens the lab and
 * makes its temporaries the way the lab's commands make them — a DuckDB engine's spill folder and
 * partial files of `writeStreamAtomic` in the reports folder, the S3 cache and the store, through
 * the code itself; the other kinds through `tempPrefix`, as their code names them — then says
 * "ready" and waits to be killed with -9.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { tempPrefix } from '../common/index.js';
import { openDuckEngine } from '../lake/index.js';
import { CACHE_TEMP_DIR, writeStreamAtomic } from '../store/index.js';
import { openLab } from './lab.js';

const root = process.argv[2] ?? '';
const lab = await openLab(root);
const engine = await openDuckEngine(lab.workDir);
await engine.conn.run('SELECT 1');
const never = () => {
  const stream = new PassThrough();
  stream.write('partial bytes, and the rest never comes');
  return stream;
};
const labDir = join(root, '.autolab');
void writeStreamAtomic(never, join(labDir, 'reports', 'p.html'));
void writeStreamAtomic(never, join(lab.workDir, 'cache', 'lake', 'x.parquet'), join(lab.workDir, 'cache', CACHE_TEMP_DIR));
void writeStreamAtomic(never, join(labDir, 'store', 'lake', 'x.parquet'), join(labDir, 'store', '.tmp'));
for (const kind of ['ingest', 'plan', 'train', 'monitor', 'autolab-read', 'model']) {
  const dir = join(lab.workDir, `${tempPrefix(kind)}x`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'table.parquet'), 'x'.repeat(1000));
}
writeFileSync(join(lab.workDir, `${tempPrefix('anchor')}x.json`), '{}');
writeFileSync(join(labDir, 'store', '.tmp', `${tempPrefix('put')}x`), 'y'.repeat(1000));
setTimeout(() => process.stdout.write('ready\n'), 200);
setInterval(() => {}, 1000);
