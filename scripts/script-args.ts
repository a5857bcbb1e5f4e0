/**
 * Argument parsing for the opt-in scripts (npm run fuzz, npm run kill-resume): `--help` prints the usage, and a bad
 * flag or a value that is not a whole number gives one line and exit 2, like the CLI, never a stack trace.
 */
import { parseArgs } from 'node:util';

type Options = Record<string, { type: 'string'; default?: string }>;

export function scriptArgs(
  script: string,
  usage: string,
  options: Options,
  positionals: string[] = [],
): Record<string, string | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    const parsed = parseArgs({ options: { ...options, help: { type: 'boolean' } }, allowPositionals: true });
    values = parsed.values;
    if (parsed.positionals.length > 0 && positionals.length === 0)
      throw new Error(`unexpected ${parsed.positionals[0]}`);
    positionals.push(...parsed.positionals);
  } catch (e) {
    fail(script, `${(e as Error).message.split('\n')[0]} (usage: ${usage})`);
  }
  if (values['help'] === true) {
    console.log(`usage: ${usage}`);
    process.exit(0);
  }
  return values as Record<string, string | undefined>;
}

/** The value of a flag that must be a whole number ≥ min. */
export function wholeNumber(script: string, flag: string, text: string | undefined, min: number): number {
  const n = Number(text);
  if (text === undefined || !Number.isInteger(n) || n < min)
    fail(script, `--${flag}: expected a whole number ≥ ${min}, got ${text}`);
  return n;
}

export function fail(script: string, message: string): never {
  console.error(`${script}: ${message}`);
  process.exit(2);
}
