import type { Command } from 'commander';
import { ProjectNotChosenError } from '../app/project.js';
import { OutputExistsError, UsageError } from '../common/index.js';

/**
 * Library errors speak in their parameters; here the ones that name a parameter are told in the
 * terms of the command that ran: its flag, or its argument. Every other error passes unchanged.
 */
export function inCommandTerms(error: unknown, command: Command | undefined): unknown {
  if (error instanceof ProjectNotChosenError && command) {
    const how = howToGive(command, 'project');
    if (how) return new UsageError(`the lab has ${error.projects.length} projects; say which ${how}`, `projects: ${error.projects.join(', ')}`);
  }
  if (error instanceof OutputExistsError && command?.options.some((o) => o.long === '--force')) {
    return new UsageError(`${error.path} exists already`, 'add --force to replace it, or choose another --out');
  }
  return error;
}

function howToGive(command: Command, parameter: string): string | null {
  const flag = `--${parameter.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  if (command.options.some((o) => o.long === flag)) return `with ${flag}`;
  if (command.registeredArguments.some((a) => a.name() === parameter)) return `as in \`${commandPath(command)} ${parameter.toUpperCase()}\``;
  return null;
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}
