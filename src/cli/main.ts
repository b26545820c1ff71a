import { Command, CommanderError } from 'commander';
import { isUserError, describeError } from '../common/index.js';
import { redactSecrets } from '../common/secrets.js';
import { registerCommands } from './commands/index.js';
import { inCommandTerms } from './in-command-terms.js';
import { printJsonFailure } from './output.js';

/** Runs the command line; returns the process exit code. Errors are printed as one line. */
export async function main(argv: readonly string[]): Promise<number> {
  // The AWS SDK warns on every S3 command, over seven lines of stderr, that its releases of 2027
  // will want Node 22; autolab supports Node 20, and a one-line error must stay one line.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const program = new Command('autolab')
    .description('An automated data lab: point it at your data; it explores, cleans, learns, serves and monitors.')
    .showSuggestionAfterError(true)
    .exitOverride();
  // commander takes the program's options wherever they are written: autolab's own --version only
  // before a command, so that after one it can be the command's (`compare --version 3`: a model version)
  if (argv[0]?.startsWith('-') === true) program.version('0.1.0');
  const jsonAsked = asksForJson(argv);
  // with --json a usage error is printed as JSON by `reportError`, not as commander's text
  program.configureOutput({ outputError: (message, write) => (jsonAsked ? undefined : write(redactSecrets(message))) });
  registerCommands(program);
  let running: Command | undefined;
  program.hook('preAction', (_program, command) => {
    running = command;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    // a subcommand's --json may have been taken by its parent, which has the option too
    const json = running ? running.optsWithGlobals()['json'] === true : jsonAsked;
    return reportError(inCommandTerms(error, running), json);
  }
}

/** `--json` among the options (not after `--`, where it would be an argument). */
function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end < 0 ? argv : argv.slice(0, end)).includes('--json');
}

const BUG_HINT = 'this is a bug; set AUTOLAB_DEBUG=1 to see details';

/** One line: `autolab: what — hint` on stderr, or with --json one JSON object on stdout (`JsonFailure`). */
function reportError(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return 0; // help or version, already printed
    // commander printed its message unless --json asked for this line instead
    const what = error.code === 'commander.help' ? 'a subcommand is needed' : error.message.replace(/^error:\s*/, '').replace(/\s*\n\s*/g, ' ');
    if (json) printJsonFailure({ error: what, hint: 'see `autolab --help`', exit: 2, kind: 'UsageError' }, error);
    return 2;
  }
  if (isUserError(error)) {
    if (json) printJsonFailure({ error: error.what, hint: error.hint ?? null, exit: error.exitCode, kind: error.name }, error);
    else process.stderr.write(`autolab: ${redactSecrets(error.message)}\n`);
    return error.exitCode;
  }
  const message = redactSecrets(describeError(error));
  if (json) printJsonFailure({ error: `internal error: ${message}`, hint: BUG_HINT, exit: 70, kind: 'internal' }, error);
  else process.stderr.write(`autolab: internal error: ${message} — ${BUG_HINT}\n`);
  if (process.env['AUTOLAB_DEBUG'] && error instanceof Error && error.stack) {
    process.stderr.write(redactSecrets(error.stack) + '\n');
  }
  return 70;
}
