/**
 * Commander options built from option fields (train/fields.ts): the flag, argument and help line come from each
 * field's metadata, the default shown in the help from its zod default, and the text → number step from its type.
 * Ranges and choices are checked afterwards by the fields' own schema, so the CLI and the library say the same.
 */
import { type Command, Option } from 'commander';
import { z } from 'zod';
import { SpikerepError } from '../errors.js';
import { issueError, type OptionMeta, optionMeta } from '../train/fields.js';

export type Fields = Record<string, z.ZodType>;

export function int(text: string, flag: string): number {
  const v = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || !Number.isSafeInteger(v)) {
    throw new SpikerepError('E_ARG', `expected an integer, got '${text}'`, flag);
  }
  return v;
}

export function num(text: string, flag: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v))
    throw new SpikerepError('E_ARG', `expected a number, got '${text}'`, flag);
  return v;
}

/** The type under a field's default and optional wrappers. */
function bare(f: z.ZodType): z.ZodType {
  let t: z.ZodType = f;
  while (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t.unwrap() as z.ZodType;
  return t;
}

/** How a flag's text becomes a value; undefined for a switch (a boolean, no argument). */
function reader(f: z.ZodType, flag: string): ((text: string) => unknown) | undefined {
  const t = bare(f);
  if (t instanceof z.ZodBoolean) return undefined;
  if (t instanceof z.ZodNumber) return t.isInt ? (s) => int(s, flag) : (s) => num(s, flag);
  if (t instanceof z.ZodArray) {
    const item = reader(t.element as z.ZodType, flag) ?? ((s: string) => s);
    return (s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '')
        .map(item);
  }
  return (s) => s;
}

function metaOf(name: string, f: z.ZodType): OptionMeta {
  const meta = optionMeta.get(f);
  if (meta === undefined) throw new Error(`option field ${name} has no flag`);
  return meta;
}

/** The choices of a field that is one of a fixed list (for help, completion), undefined for any other. */
export function choicesOf(f: z.ZodType): readonly string[] | undefined {
  const t = bare(f);
  if (t instanceof z.ZodEnum) return t.options.map(String);
  if (t instanceof z.ZodArray && t.element instanceof z.ZodEnum) return t.element.options.map(String);
  return undefined;
}

/** The default a user gets when the flag is left out, as the help words it; undefined for none worth saying. */
export function defaultText(f: z.ZodType, meta: OptionMeta): string | undefined {
  if (meta.defaultHelp !== undefined) return meta.defaultHelp;
  if (!(f instanceof z.ZodDefault)) return undefined;
  const v: unknown = f._zod.def.defaultValue;
  if (v === false) return undefined;
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** "… (default 64)": the help line, the other spellings of the flag, and the default, each said once. */
export function helpLine(f: z.ZodType, meta: OptionMeta): string {
  const also = meta.aliases === undefined ? '' : `; also ${meta.aliases.join(', ')}`;
  const d = defaultText(f, meta);
  return `${meta.help}${also}${d === undefined ? '' : ` (default ${d})`}`;
}

/** Every spelling a user may type for the option: the flag, its one-letter form, its aliases. */
export function spellings(meta: OptionMeta): string[] {
  return [meta.flag, ...(meta.short === undefined ? [] : [meta.short]), ...(meta.aliases ?? [])];
}

export function addOptions(cmd: Command, fields: Fields): void {
  for (const [name, f] of Object.entries(fields)) {
    const meta = metaOf(name, f);
    const arg = meta.arg === undefined ? '' : ` ${meta.arg}`;
    const flags = meta.short === undefined ? meta.flag : `${meta.short}, ${meta.flag}`;
    const o = new Option(`${flags}${arg}`, helpLine(f, meta));
    const read = reader(f, meta.flag);
    if (read !== undefined) o.argParser(read);
    if (!(f instanceof z.ZodDefault || f instanceof z.ZodOptional || read === undefined)) o.makeOptionMandatory();
    cmd.addOption(o);
    // another long spelling: an option of its own, out of the help (the main line names it), read as the same
    for (const alias of meta.aliases ?? []) {
      const a = new Option(`${alias}${arg}`).hideHelp();
      if (read !== undefined) a.argParser(read);
      cmd.addOption(a);
    }
  }
}

/** Commander's parsed values (keyed by the camel-cased flag) by option name; flags not given are left out. */
export function valuesByName(fields: Fields, parsed: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, f] of Object.entries(fields)) {
    const meta = metaOf(name, f);
    for (const spelling of [meta.flag, ...(meta.aliases ?? [])]) {
      const v = parsed[new Option(spelling).attributeName()];
      if (v !== undefined) out[name] = v;
    }
  }
  return out;
}

/** The values checked by the fields' types, defaults filled in; a bad one throws one E_ARG line naming the option. */
export function parseOptions<F extends Fields>(fields: F, values: Record<string, unknown>): z.output<z.ZodObject<F>> {
  const r = z.object(fields).safeParse(values);
  if (!r.success) throw issueError(r.error);
  return r.data;
}

/** The flag of an option name ("batchSize" → "--batch-size"), or of the option a dotted path starts with. */
export function flagIn(fields: Fields, name: string): string | undefined {
  const f = fields[name.split('.')[0]!];
  return f === undefined ? undefined : optionMeta.get(f)?.flag;
}
