/**
 * `spikerep completion bash|zsh`: a completion script written from the command table itself (commands, every
 * spelling of every option, the values an option or argument may take), so it cannot fall behind the CLI.
 * Options whose value is a path are left to the shell's own file completion.
 */
import { optionMeta } from '../train/fields.js';
import { packageVersion } from '../version.js';
import type { CommandRun, CommandSpec } from './command-options.js';
import { choicesOf, spellings } from './options.js';

/** What the script needs of one option. */
interface OptionSpec {
  readonly spellings: readonly string[];
  readonly help: string;
  /** The argument's name ("steps"), undefined for a switch. */
  readonly arg?: string;
  readonly choices?: readonly string[];
  /** The argument names a file or folder. */
  readonly path: boolean;
}

function optionSpecs(def: CommandSpec): OptionSpec[] {
  return Object.values(def.options).map((f) => {
    const meta = optionMeta.get(f)!;
    const arg = meta.arg?.replace(/^[<[]|[>\]]$/g, '');
    return {
      spellings: spellings(meta),
      help: meta.help,
      arg,
      choices: arg === undefined ? undefined : choicesOf(f),
      path: arg !== undefined && /file|path|dir|run|graph|npy/.test(arg),
    };
  });
}

/** A word as bash reads it inside compgen -W "…": single-quoted unless plain. */
function bashWord(w: string): string {
  return /^[A-Za-z0-9._-]+$/.test(w) ? w : `'${w.replace(/'/g, '')}'`;
}

export function bashScript(commands: readonly CommandSpec[]): string {
  const words = (ws: readonly string[]): string => ws.map(bashWord).join(' ');
  const top = [...commands.map((c) => c.name), 'help', '--help', '-h', '--version', '-V'];
  const cases = commands.map((def) => {
    const opts = optionSpecs(def);
    const valued = opts.filter((o) => o.arg !== undefined);
    const byChoice = valued
      .filter((o) => o.choices !== undefined)
      .map(
        (o) =>
          `        ${o.spellings.join('|')}) COMPREPLY=($(compgen -W "${words(o.choices!)}" -- "$cur")); return 0 ;;`,
      );
    const free = valued.filter((o) => o.choices === undefined).flatMap((o) => o.spellings);
    const freeCase = free.length === 0 ? [] : [`        ${free.join('|')}) return 0 ;;`];
    const flags = words([...opts.flatMap((o) => o.spellings), '--help']);
    const positional =
      def.argChoices === undefined ? 'return 0' : `COMPREPLY=($(compgen -W "${words(def.argChoices)}" -- "$cur"))`;
    return [
      `    ${def.name})`,
      ...(byChoice.length + freeCase.length === 0
        ? []
        : ['      case "$prev" in', ...byChoice, ...freeCase, '      esac']),
      `      if [[ "$cur" == -* ]]; then COMPREPLY=($(compgen -W "${flags}" -- "$cur")); else ${positional}; fi`,
      '      ;;',
    ].join('\n');
  });
  return `# bash completion for spikerep ${packageVersion()}, written by \`spikerep completion bash\` from its commands.
# Load it in ~/.bashrc with: eval "$(spikerep completion bash)"
_spikerep() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmd="" i
  COMPREPLY=()
  # the command is the first word after spikerep that is not an option
  for ((i = 1; i < COMP_CWORD; i++)); do
    if [[ "\${COMP_WORDS[i]}" != -* ]]; then
      cmd="\${COMP_WORDS[i]}"
      break
    fi
  done
  case "$cmd" in
    "")
      COMPREPLY=($(compgen -W "${words(top)}" -- "$cur"))
      ;;
    help)
      COMPREPLY=($(compgen -W "${words(commands.map((c) => c.name))}" -- "$cur"))
      ;;
${cases.join('\n')}
  esac
  return 0
}
# -o default: where no word is offered (a path), the shell completes file names
complete -o default -F _spikerep spikerep
`;
}

/** Text inside zsh's '…[description]' or (values): no quotes, brackets, colons or backslashes, one short clause. */
function zshText(s: string): string {
  const clause = s.split(/ \(|: |; /)[0]!;
  const short = clause.length > 70 ? `${clause.slice(0, 69)}…` : clause;
  return short.replace(/['\\[\]:`$]/g, '');
}

function zshWord(w: string): string {
  return w.replace(/[^A-Za-z0-9._-]/g, (c) => `\\${c}`);
}

export function zshScript(commands: readonly CommandSpec[]): string {
  const list = commands.map((c) => `    '${c.name}:${zshText(c.description)}'`).join('\n');
  const cases = commands.map((def) => {
    const specs = optionSpecs(def).flatMap((o) =>
      o.spellings.map((s) => {
        // a list of choices says nothing the value list does not: its argument's name instead
        const head = `${s}[${zshText(o.choices === undefined ? o.help : o.arg!)}]`;
        if (o.arg === undefined) return `'${head}'`;
        const action = o.choices !== undefined ? `(${o.choices.map(zshWord).join(' ')})` : o.path ? '_files' : ' ';
        return `'${head}:${zshText(o.arg)}:${action}'`;
      }),
    );
    const arg = def.args?.[0]?.replace(/^[<[]|[>\]]$/g, '');
    if (arg !== undefined) {
      const action = def.argChoices === undefined ? '_files' : `(${def.argChoices.map(zshWord).join(' ')})`;
      specs.push(`'1:${zshText(arg)}:${action}'`);
    }
    return `    ${def.name})\n      _arguments \\\n        ${specs.join(' \\\n        ')}\n      ;;`;
  });
  return `#compdef spikerep
# zsh completion for spikerep ${packageVersion()}, written by \`spikerep completion zsh\` from its commands.
# Save it as _spikerep in a folder of $fpath (before compinit runs), or load it with: source <(spikerep completion zsh)
_spikerep() {
  local -a commands
  commands=(
${list}
  )
  if (( CURRENT == 2 )); then
    _describe -t commands 'spikerep command' commands
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${cases.join('\n')}
  esac
}
if [[ $funcstack[1] == _spikerep ]]; then
  _spikerep "$@"
else
  compdef _spikerep spikerep
fi
`;
}

export async function run({ args, io, commands }: CommandRun): Promise<void> {
  io.out(args[0] === 'zsh' ? zshScript(commands) : bashScript(commands));
}
