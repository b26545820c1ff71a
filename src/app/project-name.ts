import { UsageError } from '../common/index.js';

const PROJECT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;

/** Project names go into store keys and command lines: letters, digits, - and _, at most 64. */
export function assertProjectName(name: string): void {
  if (!PROJECT_NAME.test(name)) {
    throw new UsageError(
      `${JSON.stringify(name)} is not a valid project name`,
      'use letters, digits, - and _ (starting with a letter or digit, at most 64)',
    );
  }
}
