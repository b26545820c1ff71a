import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { createProject } from '../../app/project.js';
import { printJson, printLine, printTable, shortTime, type JsonFlag } from '../output.js';

export function registerProjectCommand(program: Command): void {
  const project = program.command('project').description('the projects of this lab');

  project
    .command('create')
    .description('add a project to the lab')
    .argument('<name>', 'letters, digits, - and _')
    .option('--json', 'machine output')
    .action(async (name: string, flags: JsonFlag) => {
      const lab = await openLab();
      try {
        const created = await createProject(lab, name);
        if (flags.json) printJson(created);
        else printLine(`created project ${created.name}`);
      } finally {
        await lab.close();
      }
    });

  project
    .command('list')
    .description('list the projects of the lab')
    .option('--json', 'machine output')
    .action(async (flags: JsonFlag) => {
      const lab = await openLab();
      try {
        const projects = await lab.catalog.listProjects();
        if (flags.json) {
          printJson(projects);
        } else {
          printTable(
            [{ header: 'project' }, { header: 'created' }],
            projects.map((p) => [p.name, shortTime(p.createdAt)]),
          );
        }
      } finally {
        await lab.close();
      }
    });
}
