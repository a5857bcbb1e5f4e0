/**
 * `spikerep tune` end to end on a few hundred MNIST images at T = 1: three trials, the best promoted to the next
 * rung from its checkpoint, the outputs usable (the recipe by train, the folder by report), and --resume.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import type { RunMeta } from '../../src/train/state.js';
import type { TuneState } from '../../src/tune/state.js';
import { cliArgs } from '../support/cli.command.js';
import { tempDir } from '../support/data.fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = tempDir('tune');
const dir = join(tmp, 'search');
// thresholds low enough to fire at T = 1, so trials differ
const space = join(tmp, 'space.json');
writeFileSync(space, JSON.stringify({ vth: { min: 1, max: 3 }, optimizer: 'sgd' }));
const small = [
  '--train-limit',
  '300',
  '--test-limit',
  '100',
  '--T',
  '1',
  '--batch-size',
  '32',
  '--warmup',
  '0',
  '--threads',
  '1',
  '--space',
  space,
];
const state = (): TuneState => JSON.parse(readFileSync(join(dir, 'tune.json'), 'utf8')) as TuneState;
const epochOf = (trial: number): { epoch: number; epochs: number } => {
  const m = loadCheckpoint<RunMeta>(join(dir, `trial-00${trial}`, 'last.ckpt')).meta;
  return { epoch: m.run.epoch, epochs: m.config.epochs };
};

test('tune: three trials, the best promoted from its checkpoint; recipe, tables, report; --resume adds a trial', () => {
  const r = cli('tune', '--out', dir, '--trials', '3', '--epochs', '3', ...small);
  assert.equal(r.code, 0, r.err);
  const all = r.out.trimEnd().split('\n');
  // a header, 3 trials at rung 0, the best at rung 1, the files written, the final line
  const wrote = all.filter((l) => l.startsWith('wrote '));
  assert.deepEqual(
    wrote.map((l) => l.slice(`wrote ${dir}/`.length)),
    ['tune.json', 'best-recipe.json', 'trials.md', 'trials.csv', "trial-NNN/: each trial's checkpoints"],
  );
  const lines = all.filter((l) => !l.startsWith('wrote '));
  assert.equal(lines.length, 6, r.out);
  assert.equal(all.at(-1), lines[5], 'the final line last');
  assert.equal(lines[0], 'tune mnist mnistnet if | rungs 1,3 epochs, η 3 | 3 trials | validation accuracy');
  for (const l of lines.slice(1, 5)) {
    assert.match(l, /^trial 00\d r[01] [13]ep sgd lr .* T1 b32 \| val \d+\.\d\d% \| best 00\d \d+\.\d\d%$/);
    assert.ok(l.length <= 100, l);
  }
  assert.match(
    lines[5]!,
    /^best trial 00\d: val \d+\.\d\d% after 3 epochs \| .* \| 3 trials, .* \(complete\) \| .*best-recipe\.json$/,
  );

  const s = state();
  assert.equal(s.stopped, 'complete');
  assert.deepEqual(s.settings.rungs, [1, 3]);
  const promoted = s.trials.find((t) => t.steps.length === 2)!;
  assert.ok(promoted !== undefined, 'one trial reached rung 1');
  // continued from its rung-0 checkpoint (the step trained 2 epochs), every schedule set for 3 epochs
  assert.equal(promoted.steps[1]!.epochValAccuracy.length, 2);
  for (const t of s.trials) assert.deepEqual(epochOf(t.id), { epoch: t.steps.length === 2 ? 3 : 1, epochs: 3 });
  assert.ok(s.trials.every((t) => t.steps.every((m) => m.energyJoules > 0 && m.T === 1)));
  assert.ok(s.pareto.length >= 1);

  for (const f of ['best-recipe.json', 'trials.md', 'trials.csv']) assert.ok(existsSync(join(dir, f)), f);
  const printed = cli('train', '--recipe', join(dir, 'best-recipe.json'), '--print-config');
  assert.equal(printed.code, 0, printed.err);
  const config = (JSON.parse(printed.out) as { config: { lr: number; epochs: number; trainLimit: number } }).config;
  assert.equal(config.lr, promoted.params.lr);
  assert.equal(config.epochs, 3);
  assert.equal(config.trainLimit, 300);
  assert.equal(readFileSync(join(dir, 'trials.csv'), 'utf8').trim().split('\n').length, 4);

  const html = join(dir, 'report.html');
  const rep = cli('report', dir, '--out', html);
  assert.equal(rep.code, 0, rep.err);
  assert.match(readFileSync(html, 'utf8'), /data-chart="tune-pareto"/);

  // killed after the promoted step's checkpoint, before tune.json recorded it: --resume takes the step from the checkpoint
  const cut = { ...s, trials: s.trials.map((t) => (t === promoted ? { ...t, steps: t.steps.slice(0, 1) } : t)) };
  writeFileSync(join(dir, 'tune.json'), JSON.stringify(cut));
  const healed = cli('tune', '--out', dir, '--resume', '--quiet');
  assert.equal(healed.code, 0, healed.err);
  const redone = state().trials[promoted.id]!.steps[1]!;
  assert.deepEqual(redone.epochValAccuracy, promoted.steps[1]!.epochValAccuracy, 'the same epochs, not trained again');
  assert.equal(redone.energyJoules, promoted.steps[1]!.energyJoules);
  assert.deepEqual(epochOf(promoted.id), { epoch: 3, epochs: 3 });

  const again = cli('tune', '--out', dir, '--trials', '3');
  assert.equal(again.code, 1);
  assert.match(again.err, /already holds a search/);
  const more = cli('tune', '--out', dir, '--resume', '--trials', '4', '--quiet');
  assert.equal(more.code, 0, more.err);
  assert.equal(more.out.trimEnd().split('\n').length, 1, 'quiet: the final line only');
  assert.equal(state().trials.length, 4);
  const withoutTimes = (ts: TuneState['trials']) =>
    ts.map((t) => ({ ...t, steps: t.steps.map(({ seconds: _, ...m }) => m) }));
  assert.deepEqual(withoutTimes(state().trials.slice(0, 3)), withoutTimes(s.trials), 'the earlier trials unchanged');
});
