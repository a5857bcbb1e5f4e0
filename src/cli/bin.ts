/** The CLI run from source (`node --import tsx src/cli/bin.ts …`, as the end-to-end tests do); bin/spikerep.js is the installed one. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
