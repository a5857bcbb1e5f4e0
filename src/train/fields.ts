/**
 * Option fields: zod types whose failures read as one line ("must be an integer ≥ 1, got 0"), and the registry
 * that gives each option its command-line flag and help line. The training schema (config.ts) and every CLI
 * command declare their options with these, so a type, its default, its range, its flag and its help are written once.
 */
import { z } from 'zod';
import { SpikerepError } from '../errors.js';

/** How an option shows on the command line. `defaultHelp` words a default that one value cannot say. */
export interface OptionMeta {
  /** "--batch-size" */
  readonly flag: string;
  /** A one-letter form ("-T"), shown before the flag. */
  readonly short?: string;
  /** Other long spellings the option also answers to ("--timesteps"), named in its help line. */
  readonly aliases?: readonly string[];
  /** "<n>"; absent for a switch (a boolean option). */
  readonly arg?: string;
  readonly help: string;
  readonly defaultHelp?: string;
}

export const optionMeta = z.registry<OptionMeta>();

/** An option's zod type with its flag and help attached. */
export function option<T extends z.ZodType>(schema: T, meta: OptionMeta): T {
  optionMeta.add(schema, meta);
  return schema;
}

/** The value a user gave, as it reads in a message: strings bare, the rest as JSON (NaN and undefined by name). */
export function shown(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (typeof v === 'number' || v === undefined) return String(v);
  return JSON.stringify(v) ?? String(v);
}

const got =
  (message: string) =>
  (iss: { input?: unknown }): string =>
    `${message}, got ${shown(iss.input)}`;

export function integer(min: number): z.ZodInt {
  const error = got(`must be an integer ≥ ${min}`);
  return z.int({ error }).min(min, { error });
}

/**
 * A finite number in `range`, written as the message shows it: "(0, 1]", "[0, 1)", "> 0" or "≥ 0". `noun` starts
 * the message ("learning rate must be a number > 0").
 */
export function real(range: '(0, 1]' | '(0, 100]' | '[0, 100]' | '[0, 1)' | '> 0' | '≥ 0', noun?: string): z.ZodNumber {
  const expected = range.startsWith('(') || range.startsWith('[') ? `in ${range}` : `a number ${range}`;
  const error = got(`${noun === undefined ? '' : `${noun} `}must be ${expected}`);
  const n = z.number({ error });
  switch (range) {
    case '(0, 1]':
      return n.gt(0, { error }).lte(1, { error });
    case '(0, 100]':
      return n.gt(0, { error }).lte(100, { error });
    case '[0, 100]':
      return n.gte(0, { error }).lte(100, { error });
    case '[0, 1)':
      return n.gte(0, { error }).lt(1, { error });
    case '> 0':
      return n.gt(0, { error });
    case '≥ 0':
      return n.gte(0, { error });
  }
}

export function oneOf<const T extends readonly string[]>(values: T): z.ZodEnum<{ [K in T[number]]: K }> {
  return z.enum(values, { error: got(`expected one of ${values.join('|')}`) });
}

export function text(): z.ZodString {
  return z.string({ error: got('must be a string') });
}

export function flag(): z.ZodBoolean {
  return z.boolean({ error: got('must be true or false') });
}

/** A shape with every field's default taken off: for checking a complete object, where undefined means "none". */
export type WithoutDefaults<S extends z.ZodRawShape> = {
  [K in keyof S]: S[K] extends z.ZodDefault<infer I> ? I : S[K];
};

export function withoutDefaults<S extends z.ZodRawShape>(shape: S): WithoutDefaults<S> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(shape)) out[key] = f instanceof z.ZodDefault ? f.unwrap() : f;
  return out as WithoutDefaults<S>;
}

/**
 * A failed parse as the one SpikerepError a user sees: the first problem only. Without `file` the error's path
 * is the option name (E_ARG); with it, the file is the path and the message names the setting (E_FORMAT).
 * `within` names the object the parsed value sits in ("byNeuron").
 */
export function issueError(error: z.ZodError, file?: string, within?: string): SpikerepError {
  const issue = error.issues[0]!;
  let path = [within ?? '', ...issue.path.map(String)].filter((s) => s !== '').join('.');
  // one line even for an issue zod wrote itself (a type no builder above made)
  let message = issue.message.split('\n')[0]!;
  if (issue.code === 'unrecognized_keys') {
    path = [path, issue.keys[0]].filter((s) => s !== '').join('.');
    message = 'unknown setting';
  }
  if (file === undefined) return new SpikerepError('E_ARG', message, path === '' ? undefined : path);
  if (issue.code === 'unrecognized_keys') return new SpikerepError('E_FORMAT', `unknown setting "${path}"`, file);
  return new SpikerepError('E_FORMAT', path === '' ? message : `setting "${path}": ${message}`, file);
}
