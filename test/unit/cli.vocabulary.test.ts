/**
 * One vocabulary across commands, in-process through main(argv, io): every command's help says each shared option
 * the same way and each default once; --version; the run-folder checkpoint; -T/--timesteps and the suggestions;
 * `list`; the completion scripts (bash checked by bash itself).
 */

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveCheckpoint } from '../../src/cli/checkpoint-arg.js';
import { COMMANDS } from '../../src/cli/commands.js';
import { DATASET_NAMES } from '../../src/data/names.js';
import { isSpikerepError } from '../../src/errors.js';
import { MODEL_NAMES } from '../../src/models/names.js';
import { NEURON_CHOICES } from '../../src/models/neurons.js';
import { BACKEND_NAMES } from '../../src/train/config.js';
import { listRecipes } from '../../src/train/recipe.js';
import { type Ran, runCli } from '../support/cli.in-process.js';

const cli = (...argv: string[]): Promise<Ran> => runCli(argv);
const tmp = mkdtempSync(join(tmpdir(), 'spikerep-vocabulary-'));

/** Each option of a help text with its whole help (commander wraps long lines), keyed by its long flag. */
function optionsOf(help: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = help.split('\n');
  const start = lines.indexOf('Options:');
  let flag: string | undefined;
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '' || !line.startsWith(' ')) break;
    const m = /^ {2}(?:-\w, )?(--[\w-]+)(.*)$/.exec(line);
    if (m !== null) {
      flag = m[1]!;
      out.set(flag, m[2]!.trim());
    } else if (flag !== undefined) out.set(flag, `${out.get(flag)!} ${line.trim()}`);
  }
  for (const [f, h] of out) out.set(f, h.replace(/\s+/g, ' '));
  return out;
}

const helps = new Map<string, Map<string, string>>();
async function helpOf(command: string): Promise<Map<string, string>> {
  if (!helps.has(command)) {
    const r = await cli(command, '--help');
    assert.equal(r.code, 0, r.err);
    helps.set(command, optionsOf(r.out));
  }
  return helps.get(command)!;
}

test("every command's help: one default per option, the same words for the same option", async () => {
  const same = new Map<string, Set<string>>();
  for (const def of COMMANDS) {
    const options = await helpOf(def.name);
    assert.ok(options.size >= 1, `${def.name} lists its options`);
    for (const [flag, help] of options) {
      assert.ok((help.match(/\(default /g) ?? []).length <= 1, `${def.name} ${flag} says its default once: ${help}`);
      assert.doesNotMatch(help, /\(default [^)]*\(/, `${def.name} ${flag}: no default inside a default`);
      // bench measures several backends and thread counts: its --backend and --threads take lists
      if (['--data-dir', '--test-limit', '--quiet', '--threads'].includes(flag) && def.name !== 'bench')
        same.set(flag, (same.get(flag) ?? new Set()).add(help.replace(/^<\w+> /, '')));
    }
    // every --backend offers every backend there is
    const backend = options.get('--backend');
    if (backend !== undefined)
      for (const b of BACKEND_NAMES) assert.ok(backend.includes(b), `${def.name} --backend lists ${b}: ${backend}`);
  }
  for (const [flag, texts] of same) assert.equal(texts.size, 1, `${flag} reads the same everywhere: ${[...texts]}`);
  // the whole test set unless told otherwise, in every command that evaluates
  for (const c of ['train', 'eval', 'import', 'quantize'])
    assert.match((await helpOf(c)).get('--test-limit')!, /\(default all\)$/, c);
  // a default is written one way, "(default X)", in the commands' descriptions too
  assert.doesNotMatch((await cli('--help')).out, /\(default:/);
  assert.match(
    (await helpOf('serve')).get('--port')!,
    /^<n> port on 127\.0\.0\.1; 0 picks a free one \(default 8080\)$/,
  );
});

test('--checkpoint means a run folder or a file in every command that reads one, with --last beside it', async () => {
  for (const c of ['eval', 'export', 'quantize', 'serve', 'import', 'report']) {
    const options = await helpOf(c);
    assert.match(
      options.get('--checkpoint')!,
      /^<run\|file> .*a run folder written by train --checkpoint \(its best\.ckpt\) or a checkpoint file/,
      c,
    );
    assert.match(options.get('--last')!, /last\.ckpt .* instead of best\.ckpt/, c);
  }
  assert.match((await helpOf('import')).get('--against')!, /the same as --checkpoint/);
  assert.match((await helpOf('run')).get('--last')!, /with a run folder as <graph>/);
  assert.equal((await helpOf('train')).get('--checkpoint'), '<dir> folder for last.ckpt and best.ckpt');
});

test('every --T is also -T and --timesteps; --t suggests --T, not --dt', async () => {
  for (const def of COMMANDS) {
    const T = (await helpOf(def.name)).get('--T');
    if (T !== undefined) assert.match(T, /; also --timesteps/, def.name);
  }
  const T = async (...flag: string[]): Promise<unknown> => {
    const r = await cli('train', ...flag, '--print-config');
    assert.equal(r.code, 0, r.err);
    return (JSON.parse(r.out) as { config: { T: number } }).config.T;
  };
  assert.equal(await T('-T', '3'), 3);
  assert.equal(await T('--timesteps', '5'), 5);
  assert.equal(await T('--T', '6'), 6);
  for (const c of [['train'], ['eval', '--checkpoint', 'x'], ['import', 'x.nir'], ['bench'], ['tune', '--out', 'x']]) {
    const r = await cli(...c, '--t', '3');
    assert.equal(r.code, 1);
    assert.equal(r.err, "spikerep: unknown option '--t' (Did you mean --T?) (see --help)\n", c.join(' '));
  }
  for (const [argv, meant] of [
    [['train', '--timestep', '3'], "unknown option '--timestep' (Did you mean --timesteps?)"],
    [['train', '--epoch', '3'], "unknown option '--epoch' (Did you mean --epochs?)"],
    [
      ['export', '--checkpoint', 'x', '--out', 'y', '--tagret', 'speck'],
      "unknown option '--tagret' (Did you mean --target?)",
    ],
    [['trian'], "unknown command 'trian' (Did you mean train?)"],
    [['train', '--zzzzzz'], "unknown option '--zzzzzz'"],
  ] as const) {
    const r = await cli(...argv);
    assert.equal(r.err, `spikerep: ${meant} (see --help)\n`, argv.join(' '));
  }
});

test('--version and -V print the version in package.json', async () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  for (const flag of ['--version', '-V']) {
    const r = await cli(flag);
    assert.deepEqual(r, { code: 0, out: `${version}\n`, err: '' }, flag);
  }
});

test('a run folder resolves to its best.ckpt, or last.ckpt with --last; anything else is refused in one line', () => {
  const run = join(tmp, 'run');
  mkdirSync(run);
  writeFileSync(join(run, 'best.ckpt'), 'b');
  copyFileSync(join(run, 'best.ckpt'), join(run, 'last.ckpt'));
  assert.equal(resolveCheckpoint(run, false), join(run, 'best.ckpt'));
  assert.equal(resolveCheckpoint(run, true), join(run, 'last.ckpt'));
  assert.equal(resolveCheckpoint(join(run, 'best.ckpt'), false), join(run, 'best.ckpt'));
  assert.equal(resolveCheckpoint('no/such/file.ckpt', false), 'no/such/file.ckpt', 'read (and refused) later');
  const refused = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      assert.ok(isSpikerepError(e));
      return e.message;
    }
    assert.fail('refused');
  };
  const empty = join(tmp, 'empty');
  mkdirSync(empty);
  assert.equal(
    refused(() => resolveCheckpoint(empty, false)),
    `--checkpoint: ${empty} is a folder without best.ckpt: expected a run folder written by train --checkpoint, or a checkpoint file`,
  );
  const onlyLast = join(tmp, 'only-last');
  mkdirSync(onlyLast);
  writeFileSync(join(onlyLast, 'last.ckpt'), 'l');
  assert.match(
    refused(() => resolveCheckpoint(onlyLast, false, '--against')),
    /^--against: .* \(it has last\.ckpt: add --last\)$/,
  );
  assert.equal(
    refused(() => resolveCheckpoint(join(run, 'best.ckpt'), true)),
    `--last: picks last.ckpt in a run folder, and ${join(run, 'best.ckpt')} is not a folder: drop --last`,
  );
});

test('list: every name of every registry, one line each with a description; list alone shows all four groups', async () => {
  const expected = {
    datasets: DATASET_NAMES,
    models: MODEL_NAMES,
    recipes: listRecipes(),
    neurons: NEURON_CHOICES,
  };
  const all = await cli('list');
  assert.equal(all.code, 0, all.err);
  for (const [group, names] of Object.entries(expected)) {
    const r = await cli('list', group);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ')[0]),
      [...names],
      group,
    );
    for (const l of lines) {
      assert.match(l, /^\S+ {2,}\S.{8,}$/, `${group}: a name and a description: ${l}`);
      assert.ok(l.length <= 100, `fits 100 columns: ${l}`);
      assert.ok(all.out.includes(`\n  ${l.split(' ')[0]} `), `list alone shows ${l}`);
    }
    assert.match(all.out, new RegExp(`^${group} \\(--\\w+\\):$`, 'm'));
  }
  const bad = await cli('list', 'colours');
  assert.equal(bad.code, 1);
  assert.match(bad.err, /^spikerep: .*'colours' is invalid .* datasets, models, recipes, neurons\. \(see --help\)\n$/);
});

/** What bash offers for the words typed so far (the last one being completed), from the generated script. */
function bashCompletes(script: string, words: string[]): string[] {
  const file = join(tmp, 'spikerep.bash');
  writeFileSync(file, script);
  const quoted = words.map((w) => `'${w}'`).join(' ');
  const program = `source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _spikerep; printf '%s\\n' "\${COMPREPLY[@]}"`;
  return execFileSync('bash', ['-c', program], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l !== '');
}

test('completion bash: valid bash that completes commands, options, choices and arguments from the command table', async () => {
  const r = await cli('completion', 'bash');
  assert.equal(r.code, 0, r.err);
  const file = join(tmp, 'check.bash');
  writeFileSync(file, r.out);
  const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
  assert.equal(syntax.status, 0, syntax.stderr);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'tr']), ['train']);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'train', '--back']), ['--backend']);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'train', '--backend', '']), [...BACKEND_NAMES]);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'eval', '--checkpoint', 'runs/x', '--la']), ['--last']);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'train', '--dataset', 'f']), ['fashion-mnist']);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'bench', '--time']), ['--timesteps']);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'list', '']), ['datasets', 'models', 'recipes', 'neurons']);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'completion', 'z']), ['zsh']);
  assert.deepEqual(bashCompletes(r.out, ['spikerep', '--ver']), ['--version']);
  // a path is left to the shell's file-name completion (complete -o default)
  assert.deepEqual(bashCompletes(r.out, ['spikerep', 'eval', '--checkpoint', '']), []);
  assert.match(r.out, /^complete -o default -F _spikerep spikerep$/m);
  for (const def of COMMANDS) assert.match(r.out, new RegExp(`^ {4}${def.name}\\)$`, 'm'), def.name);
});

test('completion zsh: every command with its description, every option, choices as value lists', async () => {
  const r = await cli('completion', 'zsh');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^#compdef spikerep\n/);
  for (const def of COMMANDS) {
    assert.match(r.out, new RegExp(`^ {4}'${def.name}:\\S`, 'm'), `${def.name} listed`);
    assert.match(r.out, new RegExp(`^ {4}${def.name}\\)$`, 'm'), `${def.name} has its arguments`);
  }
  assert.match(r.out, /'--backend\[name\]:name:\(reference wasm native webgpu auto\)'/);
  assert.match(r.out, /'-T\[time steps\]:steps: '/);
  assert.match(r.out, /'--checkpoint\[[^\]']+\]:run\|file:_files'/);
  assert.match(r.out, /'1:group:\(datasets models recipes neurons\)'/);
  // the script runs under zsh where it is installed
  const zsh = spawnSync('zsh', ['-n', '-c', r.out], { encoding: 'utf8' });
  if (zsh.error === undefined) assert.equal(zsh.status, 0, zsh.stderr);
});

test("report --last without --checkpoint reads the run's own folder; a run without one is told to pass --checkpoint", async () => {
  const folder = join(tmp, 'report-run');
  mkdirSync(folder);
  writeFileSync(join(folder, 'best.ckpt'), 'b');
  const runJson = join(tmp, 'report-run.json');
  writeFileSync(runJson, JSON.stringify({ history: [], firingRates: [], config: { checkpointDir: folder } }));
  const out = join(tmp, 'never.html');
  const r = await cli('report', runJson, '--last', '--out', out);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    `spikerep: --checkpoint: ${folder} is a folder without last.ckpt: expected a run folder written by train --checkpoint, or a checkpoint file (it has best.ckpt: drop --last)\n`,
  );
  const noFolder = join(tmp, 'report-no-folder.json');
  writeFileSync(noFolder, JSON.stringify({ history: [], firingRates: [], config: {} }));
  const n = await cli('report', noFolder, '--last', '--out', out);
  assert.equal(
    n.err,
    "spikerep: --last: picks the run folder's last.ckpt, and the run had no --checkpoint: pass --checkpoint\n",
  );
});
