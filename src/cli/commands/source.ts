import type { Command } from 'commander';
import { openLab } from '../../app/lab.js';
import { UsageError } from '../../common/index.js';
import { printJson, printLines, printTable, shortTime, type JsonFlag } from '../output.js';
import * as load from './load.js';

interface SourceAddFlags extends JsonFlag {
  project?: string;
  tables?: string;
  schema?: string;
  query?: string;
  endpoint?: string;
  region?: string;
}

export function registerSourceCommand(program: Command): void {
  const source = program.command('source').description('where a project’s data comes from: files, SQLite, PostgreSQL, MySQL, S3');

  source
    .command('add')
    .description('add a source and test its connection (asks for a password when the server wants one)')
    .argument('<name>', 'letters, digits, - and _')
    .argument(
      '<location>',
      'a file or glob (csv, tsv, parquet, json, ndjson, xlsx), sqlite:PATH, postgres://user@host/db, mysql://user@host/db, s3://bucket/prefix; a password may be written user:${env:NAME}@host',
    )
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--tables <list>', 'comma-separated tables to ingest (databases, SQLite)')
    .option('--schema <name>', 'every table of this schema (PostgreSQL) or database (MySQL)')
    .option('--query <sql>', 'one table from a SQL query, named after the source')
    .option('--endpoint <url>', 'S3-compatible endpoint, e.g. http://127.0.0.1:9000 for MinIO')
    .option('--region <name>', 'S3 region')
    .option('--json', 'machine output')
    .action(async (name: string, location: string, flags: SourceAddFlags) => {
      const tables = flags.tables
        ?.split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (flags.tables !== undefined && !tables?.length) throw new UsageError('--tables is empty', 'list tables separated by commas, e.g. --tables customers,orders');
      const lab = await openLab();
      try {
        const { addSource } = await load.sources();
        const added = await addSource(lab, flags.project, name, location, {
          ...(tables ? { tables } : {}),
          ...(flags.schema !== undefined ? { schema: flags.schema } : {}),
          ...(flags.query !== undefined ? { query: flags.query } : {}),
          ...(flags.endpoint !== undefined ? { endpoint: flags.endpoint } : {}),
          ...(flags.region !== undefined ? { region: flags.region } : {}),
          ...(process.stdin.isTTY && process.stdout.isTTY && !flags.json ? { askPassword } : {}),
        });
        if (flags.json) {
          printJson(added);
        } else {
          const shown = added.tables.slice(0, 10).map((t) => `  ${t.name}  (${t.origin})`);
          printLines([
            `added source ${added.source.name} (${added.source.kind}) ${added.source.uri}`,
            `${added.tables.length} table(s):`,
            ...shown,
            ...(added.tables.length > shown.length ? [`  … and ${added.tables.length - shown.length} more`] : []),
            'next: autolab ingest',
          ]);
        }
      } finally {
        await lab.close();
      }
    });

  source
    .command('list')
    .description('list the sources of a project')
    .option('--project <name>', 'the project (may be left out while the lab has one)')
    .option('--json', 'machine output')
    .action(async (flags: JsonFlag & { project?: string }) => {
      const lab = await openLab();
      try {
        const { listSources } = await load.sources();
        const sources = await listSources(lab, flags.project);
        if (flags.json) printJson(sources);
        else if (sources.length === 0) printLines(['no sources yet: autolab source add NAME FILE-OR-URL']);
        else
          printTable(
            [{ header: 'source' }, { header: 'kind' }, { header: 'location', maxWidth: 70 }, { header: 'added' }],
            sources.map((s) => [s.name, s.kind, s.uri, shortTime(s.createdAt)]),
          );
      } finally {
        await lab.close();
      }
    });
}

/** Hidden input on the terminal; loaded only when a password is asked for. */
async function askPassword(message: string): Promise<string> {
  const { password, isCancel } = await import('@clack/prompts');
  const answer = await password({ message });
  if (isCancel(answer)) throw new UsageError('no password given', 'run the command again and type the password, or give it as ${env:NAME}');
  return answer;
}
