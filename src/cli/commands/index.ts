import type { Command } from 'commander';
import { registerExploreCommand } from './explore.js';
import { registerIngestCommand } from './ingest.js';
import { registerLabCommands } from './lab-commands.js';
import { registerSourceCommand } from './source.js';
import { registerReportCommand } from './report.js';
import { registerRunCommands } from './run.js';
import { registerLayerCommands } from './silver.js';
import { registerMonitorCommand } from './monitor.js';
import { registerTagsCommand } from './tags.js';
import { registerAutomlCommands } from './train.js';
import { registerModelCommands } from './models.js';
import { registerCompareCommand } from './compare.js';
import { registerServeCommand } from './serve.js';
import { registerExplainCommand } from './explain.js';

/**
 * Every command registers itself here, one line each, in the order `autolab --help` lists them.
 * A command file parses its arguments, calls app/ (or another folder's index), and prints. It
 * imports only light modules at the top (the lab, projects, status, output); the rest it loads
 * inside its action through `load.ts`, so that starting the CLI does not load every command's
 * dependencies.
 */
export function registerCommands(program: Command): void {
  registerLabCommands(program);
  registerSourceCommand(program);
  registerIngestCommand(program);
  registerExploreCommand(program);
  registerTagsCommand(program);
  registerReportCommand(program);
  registerLayerCommands(program);
  registerAutomlCommands(program);
  registerExplainCommand(program);
  registerServeCommand(program);
  registerRunCommands(program);
  registerModelCommands(program);
  registerCompareCommand(program);
  registerMonitorCommand(program);
}
