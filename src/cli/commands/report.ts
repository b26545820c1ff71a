import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { resolveProject } from '../../app/project.js';
import { printJson, printLine, type JsonFlag } from '../output.js';
import { projectArgument } from './explore.js';
import * as load from './load.js';

interface ReportFlags extends JsonFlag {
  project?: string;
  out?: string;
}

/**
 * `autolab report PROJECT` — the exploration report from what is stored (round 2 is brought up to
 * date with the tags first). HTML by default: one file with the chart libraries, specs and data
 * inline, so it opens offline. `--json` prints the same content as data (or writes it to --out).
 */
export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('write the exploration report: one self-contained HTML file (or its content as JSON)')
    .argument('[project]', 'the project (may be left out while the lab has one)')
    .option('--project <name>', 'the project, as an option')
    .option('--out <file>', 'the file to write (default .autolab/reports/PROJECT.html; with --json, stdout)')
    .option('--json', 'the report content as JSON')
    .action(async (name: string | undefined, flags: ReportFlags) => {
      const lab = await openLab();
      try {
        const project = await resolveProject(lab, projectArgument(name, flags.project));
        const { projectReport, writeProjectReport } = await load.explore();
        if (flags.json && flags.out === undefined) {
          printJson(await projectReport(lab, project));
          return;
        }
        const written = await writeProjectReport(lab, project, { out: flags.out, format: flags.json ? 'json' : 'html', reuse: false });
        printLine(`wrote ${written.path} (${(written.bytes / 1024).toFixed(0)} KiB)`);
      } finally {
        await lab.close();
      }
    });
}
