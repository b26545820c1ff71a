import type { Command } from 'commander';
import type { IngestProgress, IngestedTable } from '../../app/ingest.js';
import { openLab } from '../../app/lab.js';
import { redactSecrets } from '../../common/index.js';
import { failWithResult, printJson, printLine, printTable, type JsonFlag } from '../output.js';
import * as load from './load.js';

interface IngestFlags extends JsonFlag {
  source?: string;
}

export function registerIngestCommand(program: Command): void {
  program
    .command('ingest')
    .description('snapshot every table of the project’s sources into bronze (unchanged tables are skipped)')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--source <name>', 'only this source')
    .option('--json', 'machine output')
    .action(async (projectName: string | undefined, flags: IngestFlags) => {
      const lab = await openLab();
      const progress = flags.json ? undefined : await progressReporter();
      try {
        const { ingestProject } = await load.ingest();
        const outcome = await ingestProject(lab, projectName, {
          ...(flags.source !== undefined ? { source: flags.source } : {}),
          ...(progress ? { onProgress: progress.onProgress } : {}),
        });
        progress?.stop();
        const answer = { project: outcome.project, tables: outcome.tables };
        // with --json a failure's line carries the tables: stdout stays one document
        if (flags.json && outcome.firstError !== undefined) failWithResult(outcome.firstError, answer);
        if (flags.json) {
          printJson(answer);
        } else {
          printTable(
            [{ header: 'source' }, { header: 'table' }, { header: 'status' }, { header: 'version', align: 'right' }, { header: 'rows', align: 'right' }, { header: 'notes', maxWidth: 80 }],
            outcome.tables.map((t) => [t.source, t.table ?? '-', t.status, t.version === null ? '' : String(t.version), t.rows === null ? '' : String(t.rows), t.error ?? t.notes.join('; ')]),
          );
        }
        if (outcome.firstError !== undefined) {
          const failed = outcome.tables.filter((t) => t.status === 'failed').length;
          if (failed > 1 && !flags.json) printLine(`${failed} tables failed; the first error follows`);
          throw outcome.firstError;
        }
      } finally {
        progress?.stop();
        await lab.close();
      }
    });
}

/** A bar on a terminal (tables done, rows of the current one); plain lines on stderr otherwise. */
async function progressReporter(): Promise<{ onProgress: (event: IngestProgress) => void; stop(): void }> {
  if (!process.stderr.isTTY) {
    return {
      onProgress(event) {
        if (event.kind === 'table-start') process.stderr.write(redactSecrets(`ingesting ${event.source}/${event.table} (${event.index + 1}/${event.total})\n`));
        if (event.kind === 'table-done') process.stderr.write(redactSecrets(`  ${describe(event.result)}\n`));
      },
      stop() {},
    };
  }
  const { SingleBar, Presets } = (await import('cli-progress')).default;
  const bar = new SingleBar(
    { format: ' {bar} {value}/{total} tables | {table} | {rows} rows | {rate}', stream: process.stderr, hideCursor: true, clearOnComplete: true },
    Presets.shades_classic,
  );
  let started = false;
  let tableStart = Date.now();
  let done = 0;
  let grandTotal = 0;
  return {
    onProgress(event) {
      if (event.kind === 'table-start') {
        tableStart = Date.now();
        grandTotal = Math.max(grandTotal, done + event.total - event.index);
        if (!started) {
          bar.start(grandTotal, done, { table: `${event.source}/${event.table}`, rows: 0, rate: '' });
          started = true;
        } else bar.setTotal(grandTotal);
        bar.update(done, { table: `${event.source}/${event.table}`, rows: 0, rate: '' });
      } else if (event.kind === 'percent') {
        bar.update(done, { rate: `${Math.round(event.percent)}% of the file read` });
      } else if (event.kind === 'rows') {
        const seconds = Math.max(0.001, (Date.now() - tableStart) / 1000);
        bar.update(done, { rows: event.rows, rate: `${Math.round(event.rows / seconds)} rows/s, ${(event.bytes / 1e6 / seconds).toFixed(1)} MB/s` });
      } else {
        done++;
        if (started) bar.update(done, { rows: event.result.rows ?? 0 });
      }
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function describe(t: IngestedTable): string {
  if (t.status === 'failed') return `${t.source}/${t.table ?? '-'}: failed: ${t.error ?? ''}`;
  if (t.status === 'unchanged') return `${t.source}/${t.table ?? '-'}: unchanged (version ${t.version ?? '?'})`;
  return `${t.source}/${t.table ?? '-'}: version ${t.version ?? '?'}, ${t.rows ?? 0} rows${t.notes.length ? ` — ${t.notes.join('; ')}` : ''}`;
}
