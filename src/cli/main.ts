import { Argument, Command, CommanderError } from 'commander';
import { flagOfSetting } from '../train/config.js';
import { optionMeta } from '../train/fields.js';
import { packageVersion } from '../version.js';
import { COMMANDS, type CommandDef } from './commands.js';
import { formatError } from './format-error.js';
import { type CliIo, processIo } from './io.js';
import { addOptions, flagIn, spellings, valuesByName } from './options.js';
import { closestName } from './suggest.js';

/**
 * `spikerep <command>`: a thin shell over the same functions a library user calls. Returns the exit code and
 * writes only through `io`, so a test can call it in-process; bin/spikerep.js passes process.argv.
 */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  // commander's messages (unknown option, missing value) become one line, with spikerep's own suggestion
  const output = (names: readonly string[]) => ({
    writeOut: io.out,
    writeErr: io.err,
    outputError: (text: string, write: (s: string) => void) =>
      write(`spikerep: ${oneLine(text, names)} (see --help)\n`),
  });
  const program = new Command('spikerep')
    .description('Train low-latency spiking neural networks by Differentiation on Spike Representation (DSR)')
    .version(packageVersion(), '-V, --version', 'print the version')
    .showSuggestionAfterError(false)
    .configureOutput(output([...COMMANDS.map((c) => c.name), 'help', '--help', '--version']))
    .exitOverride();
  let running: CommandDef | undefined;
  for (const def of COMMANDS) {
    const cmd = program.command(def.name).description(def.description);
    cmd.configureOutput(
      output(['--help', ...Object.values(def.options).flatMap((f) => spellings(optionMeta.get(f)!))]),
    );
    for (const a of def.args ?? []) {
      const arg = new Argument(a);
      if (def.argChoices !== undefined) arg.choices(def.argChoices);
      cmd.addArgument(arg);
    }
    addOptions(cmd, def.options);
    cmd.action(async (...params: unknown[]) => {
      running = def;
      // a variadic argument (`<file...>`) arrives as one array
      const args = (params.slice(0, def.args?.length ?? 0) as (string | string[])[]).flat();
      const values = valuesByName(def.options, cmd.opts());
      const { run } = await def.load();
      await run({ args, values, io, argv, commands: COMMANDS });
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

/** Commander's error text as one line; an unknown option or command gets the name it most likely meant. */
function oneLine(text: string, names: readonly string[]): string {
  let line = text
    .replace(/^error: /, '')
    .trim()
    .replace(/\s*\n\s*/g, ' ');
  const unknown = /^unknown (?:option|command) '([^']*)'$/.exec(line);
  const meant = unknown === null ? undefined : closestName(unknown[1]!, names);
  if (meant !== undefined) line += ` (Did you mean ${meant}?)`;
  return line;
}
