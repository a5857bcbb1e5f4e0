import { Command, CommanderError } from 'commander';
import { formatError } from './format-error.js';
import { addTrainCommand } from './train.js';
import { addEvalCommand } from './eval.js';
import { addBenchCommand } from './bench.js';
import { addExportCommand } from './export.js';
import { addImportCommand } from './import.js';
import { addReportCommand } from './report.js';
import { addServeCommand } from './serve.js';

/** `spikerep <command>`: a thin shell over the same functions a library user calls. */
export async function main(argv: string[]): Promise<number> {
  const program = new Command('spikerep')
    .description('Train low-latency spiking neural networks by Differentiation on Spike Representation (DSR)')
    // commander's messages (unknown option, missing value, its suggestion) become one line too
    .configureOutput({ outputError: (text, write) => write(`spikerep: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see --help)\n`) })
    .exitOverride();
  addTrainCommand(program);
  addEvalCommand(program);
  addBenchCommand(program);
  addExportCommand(program);
  addImportCommand(program);
  addReportCommand(program);
  addServeCommand(program);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has already printed its one-line message (or the help text)
      return e.exitCode;
    }
    process.stderr.write(`${formatError(e)}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
process.exitCode = code;
