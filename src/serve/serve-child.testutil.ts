/** `autolab serve` in a child process for the process tests: options as JSON in argv[2], events on stdout. */
import { runServe } from './run-serve.js';

await runServe(JSON.parse(process.argv[2]!) as Parameters<typeof runServe>[0], (line) => process.stdout.write(line + '\n'));
process.exit(0);
