import type { Command } from 'commander';
import { registerInitCommand } from './init.js';
import { registerLogCommand } from './log.js';
import { registerProjectCommand } from './project.js';
import { registerStatusCommand } from './status.js';

/** The lab's own commands: init, project, status, log. */
export function registerLabCommands(program: Command): void {
  registerInitCommand(program);
  registerProjectCommand(program);
  registerStatusCommand(program);
  registerLogCommand(program);
}
