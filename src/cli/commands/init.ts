import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { initLab, LAB_SECRETS_FILE } from '../../app/lab.js';
import { LAB_DIR } from '../../app/lab-config.js';
import { printJson, printLines, type JsonFlag } from '../output.js';

interface InitFlags extends JsonFlag {
  catalog?: string;
  store?: string;
  project?: string;
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('create a lab: autolab.yaml and .autolab/ (SQLite catalog, local store) and a first project')
    .argument('[dir]', 'folder of the new lab (made if missing)', '.')
    .option('--catalog <url>', 'catalog URL, e.g. postgres://user:${env:PGPASSWORD}@host:5432/db (default: SQLite in .autolab)')
    .option('--store <url>', 'store URL, e.g. s3://bucket/prefix?endpoint=http://host:9000 (default: .autolab/store)')
    .option('--project <name>', "first project's name (default: the folder's name)")
    .option('--json', 'machine output')
    .action(async (dir: string, flags: InitFlags) => {
      const lab = await initLab(dir, {
        ...(flags.catalog !== undefined ? { catalog: flags.catalog } : {}),
        ...(flags.store !== undefined ? { store: flags.store } : {}),
        ...(flags.project !== undefined ? { project: flags.project } : {}),
      });
      try {
        const [project] = await lab.catalog.listProjects();
        const secretsFile = join(LAB_DIR, LAB_SECRETS_FILE);
        const secretsKept = existsSync(join(lab.root, secretsFile));
        const result = { root: lab.root, catalog: lab.catalog.url, store: lab.store.url, project: project?.name ?? null, secretsKeptIn: secretsKept ? secretsFile : null };
        if (flags.json) {
          printJson(result);
        } else {
          printLines([
            `created a lab in ${lab.root}`,
            `  catalog  ${lab.catalog.url}`,
            `  store    ${lab.store.url}`,
            `  project  ${result.project ?? '(none)'}`,
            ...(secretsKept
              ? [`  secrets  the password in the URL is kept encrypted in ${secretsFile}, not in autolab.yaml (or write it as \${env:NAME})`]
              : []),
            'next: autolab source add NAME FILE-OR-URL',
          ]);
        }
      } finally {
        await lab.close();
      }
    });
}
