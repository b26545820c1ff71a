import { Command, CommanderError } from 'commander';
import { isUserError, describeError } from '../common/index.js';
import { redactSecrets } from '../common/secrets.js';
import { registerCommands } from './commands/index.js';
import { inCommandTerms } from './in-command-terms.js';

/** Runs the command line; returns the process exit code. Errors are printed as one line. */
export async function main(argv: readonly string[]): Promise<number> {
  // The AWS SDK warns on every S3 command, over seven lines of stderr, that its releases of 2027
  // will want Node 22; autolab supports Node 20, and a one-line error must stay one line.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const program = new Command('autolab')
    .description('An automated data lab: point it at your data; it explores, cleans, learns, serves and monitors.')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride();
  program.configureOutput({ outputError: (message, write) => write(redactSecrets(message)) });
  registerCommands(program);
  let running: Command | undefined;
  program.hook('preAction', (_program, command) => {
    running = command;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(inCommandTerms(error, running));
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (help, version, or a usage error)
    return error.exitCode === 0 ? 0 : 2;
  }
  if (isUserError(error)) {
    process.stderr.write(`autolab: ${redactSecrets(error.message)}\n`);
    return error.exitCode;
  }
  const message = redactSecrets(describeError(error));
  process.stderr.write(`autolab: internal error: ${message} — this is a bug; set AUTOLAB_DEBUG=1 to see details\n`);
  if (process.env['AUTOLAB_DEBUG'] && error instanceof Error && error.stack) {
    process.stderr.write(redactSecrets(error.stack) + '\n');
  }
  return 70;
}
