import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import { LabError } from '../../common/index.js';
import { parseNumberFlag, POSITIVE_COUNT } from '../number-flag.js';
import { printJson, printLine, printLines, type JsonFlag } from '../output.js';
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
          const result = await lab.catalog.verifyLog();
          if (flags.json) printJson(result);
          else if (result.ok) printLine(`the action log is intact: ${result.entries} entries, hash chain verified`);
          if (!result.ok) {
            throw new LabError(
              `the action log is broken at entry ${result.brokenAt}: ${result.reason}`,
              'the catalog was changed outside autolab; restore it from a backup or keep it as evidence',
            );
          }
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
