import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import { UsageError } from '../../common/index.js';
import { printJson, printLines, type JsonFlag } from '../output.js';
import { exploreProgressPrinter } from './explore-progress.js';
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
      const progress = flags.json ? undefined : exploreProgressPrinter();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const [{ exploreProject, writeProjectReport }, { exploreSummary, formatExploreSummary }] = await Promise.all([load.explore(), load.exploreSummary()]);
        const outcome = await exploreProject(lab, project, progress ? { onProgress: (event) => progress.update(event) } : {});
        const report = await writeProjectReport(lab, project, { out: flags.out });
        progress?.done();
        const summary = exploreSummary(outcome, report.data, report.path);
        if (flags.json) printJson(summary);
        else printLines(formatExploreSummary(summary));
      } finally {
        progress?.done();
        await lab.close();
      }
    });
}

/** A project named as an argument or with --project (both: they must agree). */
export function projectArgument(positional: string | undefined, option: string | undefined): string | undefined {
  if (positional !== undefined && option !== undefined && positional !== option) {
    throw new UsageError(`two projects given: ${positional} and --project ${option}`, 'name the project once');
  }
  return positional ?? option;
}
