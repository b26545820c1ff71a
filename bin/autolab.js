#!/usr/bin/env node
// The command line runs from the compiled output (built by `npm ci` through the prepare script).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
