import { Command, CommanderError } from 'commander';
import { flagOfSetting } from '../train/config.js';
import { COMMANDS, type CommandDef } from './commands.js';
import { formatError } from './format-error.js';
import { type CliIo, processIo } from './io.js';
import { addOptions, flagIn, valuesByName } from './options.js';

/**
 * `spikerep <command>`: a thin shell over the same functions a library user calls. Returns the exit code and
 * writes only through `io`, so a test can call it in-process; bin/spikerep.js passes process.argv.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = new Command('spikerep')
    .description('Train low-latency spiking neural networks by Differentiation on Spike Representation (DSR)')
    .configureOutput({
      writeOut: io.out,
      writeErr: io.err,
      // commander's messages (unknown option, missing value, its suggestion) become one line too
      outputError: (text, write) =>
        write(
          `spikerep: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')} (see --help)\n`,
        ),
    })
    .exitOverride();
  let running: CommandDef | undefined;
  for (const def of COMMANDS) {
    const cmd = program.command(def.name).description(def.description);
    for (const a of def.args ?? []) cmd.argument(a);
    addOptions(cmd, def.options);
    cmd.action(async (...params: unknown[]) => {
      running = def;
      // a variadic argument (`<file...>`) arrives as one array
      const args = (params.slice(0, def.args?.length ?? 0) as (string | string[])[]).flat();
      const values = valuesByName(def.options, cmd.opts());
      const { run } = await def.load();
      await run({ args, values, io, argv });
    });
  }
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (e) {
    // commander has already printed its one-line message (or the help text)
    if (e instanceof CommanderError) return e.exitCode;
    // a refusal that lists several problems, one line each (export --target), with its own exit code
    const refusal = e as { refusalLines?: readonly string[]; exitCode?: number };
    if (Array.isArray(refusal.refusalLines) && typeof refusal.exitCode === 'number') {
      for (const line of refusal.refusalLines) io.err(`spikerep: ${line}\n`);
      return refusal.exitCode;
    }
    // library errors name settings ("batchSize"); the user typed flags
    const flagOf = (name: string): string | undefined =>
      (running === undefined ? undefined : flagIn(running.options, name)) ?? flagOfSetting(name);
    io.err(`${formatError(e, flagOf)}\n`);
    return 1;
  }
}
