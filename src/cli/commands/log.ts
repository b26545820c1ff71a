import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import { verifyLabLog } from '../../app/log-anchor.js';
import { LabError } from '../../common/index.js';
import { parseNumberFlag, POSITIVE_COUNT } from '../number-flag.js';
import { failWithResult, printJson, printLine, printLines, type JsonFlag } from '../output.js';
import { formatActions } from './status.js';

interface LogFlags extends JsonFlag {
  project?: string;
  kind?: string;
  limit: string;
  verify?: boolean;
}

export function registerLogCommand(program: Command): void {
  program
    .command('log')
    .description('the action log, newest last; --verify checks its hash chain')
    .option('--project <name>', 'only this project')
    .option('--kind <kind>', 'only this kind of action, e.g. ingest.table')
    .option('--limit <n>', 'the newest N entries', '20')
    .option('--verify', 'check that no entry was edited, deleted or inserted')
    .option('--json', 'machine output')
    .action(async (flags: LogFlags) => {
      const limit = parseNumberFlag('limit', flags.limit, POSITIVE_COUNT) ?? 20;
      const lab = await openLab();
      try {
        if (flags.verify) {
          const result = await verifyLabLog(lab);
          if (!result.ok) {
            const where = result.cutAfter !== null ? `was cut after entry ${result.cutAfter}` : result.brokenAt !== null ? `is broken at entry ${result.brokenAt}` : 'cannot be trusted';
            // with --json the failure's line carries the findings: stdout stays one document
            failWithResult(new LabError(`the action log ${where}: ${result.reason}`, 'the catalog was changed outside autolab; restore it from a backup or keep it as evidence'), result);
          }
          if (flags.json) printJson(result);
          else printLine(`the action log is intact: ${result.entries} entries, ${chainWords(result.keyedFrom, result.entries)}`);
          return;
        }
        // a misspelt project would otherwise look like an empty log
        if (flags.project !== undefined) await resolveProject(lab, flags.project);
        const actions = await lab.catalog.listActions({
          limit,
          ...(flags.project !== undefined ? { project: flags.project } : {}),
          ...(flags.kind !== undefined ? { kind: flags.kind } : {}),
        });
        if (flags.json) printJson(actions);
        else if (actions.length === 0) printLine('no actions match');
        else printLines(formatActions(actions, true));
      } finally {
        await lab.close();
      }
    });
}

/** How far the chain is sealed with the lab's key: entries of labs made before keyed logs keep their plain SHA-256 hashes. */
function chainWords(keyedFrom: number | null, entries: number): string {
  if (entries === 0) return 'nothing to verify';
  if (keyedFrom === 1) return "hash chain verified, sealed with the lab's key";
  if (keyedFrom === null) return 'hash chain verified (plain SHA-256: written before logs were sealed; the next entry seals it)';
  return `hash chain verified: entries 1…${keyedFrom - 1} plain SHA-256 (written before logs were sealed), ${keyedFrom}… sealed with the lab's key`;
}
