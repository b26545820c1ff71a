import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import { UsageError } from '../../common/index.js';
import type { ExploreProgress } from '../../app/explore.js';
import { printJson, printLines, type JsonFlag } from '../output.js';
import * as load from './load.js';

interface ExploreFlags extends JsonFlag {
  project?: string;
  out?: string;
}

export function registerExploreCommand(program: Command): void {
  program
    .command('explore')
    .description('explore every new bronze snapshot (round 1; round 2 once a target is tagged) and write the HTML report')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--out <file>', 'where to write the HTML report (default .autolab/reports/PROJECT.html)')
    .option('--json', 'machine output')
    .action(async (name: string | undefined, flags: ExploreFlags) => {
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const [{ exploreProject, writeProjectReport }, { exploreSummary, formatExploreSummary }] = await Promise.all([load.explore(), load.exploreSummary()]);
        const outcome = await exploreProject(lab, project, { onProgress: progressLine });
        const report = await writeProjectReport(lab, project, { out: flags.out });
        const summary = exploreSummary(outcome, report.data, report.path);
        if (flags.json) printJson(summary);
        else printLines(formatExploreSummary(summary));
      } finally {
        await lab.close();
      }
    });
}

/** Progress goes to stderr, so that stdout stays the answer (and valid JSON with --json). */
function progressLine(event: ExploreProgress): void {
  if (event.phase === 'profiling') process.stderr.write(`profiling ${event.table}…\n`);
  else if (event.phase === 'profiled') process.stderr.write(`profiled ${event.table} in ${((event.ms ?? 0) / 1000).toFixed(1)} s\n`);
}

/** A project named as an argument or with --project (both: they must agree). */
export function projectArgument(positional: string | undefined, option: string | undefined): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw new UsageError(`two projects given: ${positional} and --project ${option}`, 'name the project once');
  }
  return positional ?? option;
}
