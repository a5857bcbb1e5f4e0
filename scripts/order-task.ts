/**
 * Writes the order task, a series set whose answer lies only in the order of two events: channel 0 and channel 1
 * each carry one pulse (3 steps of 1) at a random step, class 0 when channel 0's comes first, class 1 when
 * channel 1's does; all channels (two more of noise only) carry Gaussian noise of σ 0.1. Every step's content has
 * the same distribution in both classes, so a model that ignores the order of the steps is at chance.
 * Output: train_x.npy [N, L, 4], train_y.npy, test_x.npy, test_y.npy, classes.txt in --out (a `timeseries` folder).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { npyBytes } from '../src/io/npy.js';
import { Rng } from '../src/rng.js';
import { scriptArgs, wholeNumber } from './script-args.js';

const USAGE = 'node --import tsx scripts/order-task.ts --out DIR [--train 2000] [--test 1000] [--steps 20] [--seed 1]';
const a = scriptArgs('order-task', USAGE, {
  out: { type: 'string' },
  train: { type: 'string', default: '2000' },
  test: { type: 'string', default: '1000' },
  steps: { type: 'string', default: '20' },
  seed: { type: 'string', default: '1' },
});
if (a['out'] === undefined) {
  console.error(`order-task: --out is required (usage: ${USAGE})`);
  process.exit(2);
}
const L = wholeNumber('order-task', 'steps', a['steps'], 8);
const C = 4;
const PULSE = 3;
const rng = new Rng(wholeNumber('order-task', 'seed', a['seed'], 0));

function split(n: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * L * C);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = i * L * C; j < (i + 1) * L * C; j++) x[j] = 0.1 * rng.normal();
    // two different onsets, the earlier one p, the later q; the label says which channel starts at p
    const u = rng.int(L - PULSE + 1);
    let v = rng.int(L - PULSE);
    if (v >= u) v++;
    const [p, q] = u < v ? [u, v] : [v, u];
    y[i] = rng.int(2);
    const [on0, on1] = y[i] === 0 ? [p, q] : [q, p];
    for (let t = 0; t < PULSE; t++) {
      x[(i * L + on0 + t) * C]! += 1;
      x[(i * L + on1 + t) * C + 1]! += 1;
    }
  }
  return { x, y };
}

const out = a['out'];
mkdirSync(out, { recursive: true });
for (const [name, n] of [
  ['train', wholeNumber('order-task', 'train', a['train'], 2)],
  ['test', wholeNumber('order-task', 'test', a['test'], 2)],
] as const) {
  const { x, y } = split(n);
  writeFileSync(join(out, `${name}_x.npy`), npyBytes([n, L, C], x));
  writeFileSync(join(out, `${name}_y.npy`), npyBytes([n], y));
}
writeFileSync(join(out, 'classes.txt'), 'channel 0 first\nchannel 1 first\n');
console.log(`order task: ${out} (${L} steps × ${C} channels)`);
