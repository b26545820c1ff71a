import type { Command } from 'commander';
import { registerLabCommands } from './lab-commands.js';
import { registerAutomlCommands } from './train.js';

/**
 * Every command registers itself here, one line each, in the order `autolab --help` lists them.
 * A command file parses its arguments, calls app/ (or another folder's index), and prints.
 */
export function registerCommands(program: Command): void {
  registerLabCommands(program);
  registerAutomlCommands(program);
}
