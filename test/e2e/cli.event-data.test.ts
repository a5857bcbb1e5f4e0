/** `--dataset n-mnist | dvs-gesture` through the CLI: a short run on fixture files, and one line for each bad folder or file. */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliArgs } from '../support/cli.command.js';
import { put } from '../support/data.fixtures.js';
import { aedat3Bytes, type CameraEvent, nmnistBytes, polarityPacket } from '../support/event.fixtures.js';

const root = new URL('../..', import.meta.url);
function cli(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, cliArgs(args), { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const tmp = mkdtempSync(join(tmpdir(), 'spikerep-cli-events-'));
const small = [
  '--epochs',
  '1',
  '--val-split',
  '0',
  '--batch-size',
  '10',
  '--T',
  '2',
  '--quiet',
  '--backend',
  'reference',
];

function events(seed: number, n: number, size: number): CameraEvent[] {
  let s = seed >>> 0;
  const next = (): number => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
  return Array.from({ length: n }, (_, i) => ({
    x: next() % size,
    y: next() % size,
    pol: (next() >>> 5) & 1,
    t: 10 * i,
  }));
}

function nmnistDir(name: string, damage?: (b: Uint8Array) => Uint8Array): string {
  const dir = join(tmp, name);
  for (const split of ['Train', 'Test'])
    for (let c = 0; c < 10; c++) {
      const b = nmnistBytes(events(c + (split === 'Test' ? 50 : 0), 60, 34));
      put(join(dir, split, String(c), '00001.bin'), damage !== undefined && c === 3 ? damage(b) : b);
    }
  return dir;
}

test('train --dataset n-mnist on fixture files: one epoch runs and reports the dataset', () => {
  const r = cli('train', '--dataset', 'n-mnist', '--data-dir', nmnistDir('nm'), ...small);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /test accuracy .* n-mnist if T=2/);
});

test('bad event folders and files: one line naming the folder or file', () => {
  const gesture = join(tmp, 'gesture');
  const rec = aedat3Bytes([polarityPacket(events(1, 40, 128))]);
  put(join(gesture, 'user01_led.aedat'), rec.subarray(0, 6)); // the header cut inside its first line
  put(join(gesture, 'user24_led.aedat'), rec);
  put(join(gesture, 'user01_led_labels.csv'), 'class,startTime_usec,endTime_usec\n1,0,1000\n');
  put(join(gesture, 'user24_led_labels.csv'), 'class,startTime_usec,endTime_usec\n1,0,1000\n');
  for (const [args, pattern] of [
    [
      ['--dataset', 'n-mnist', '--data-dir', nmnistDir('nm-cut', (b) => b.subarray(0, 298))],
      /Train\/3\/00001\.bin: N-MNIST event data of 298 bytes is not a whole number of 5-byte events/,
    ],
    [['--dataset', 'n-mnist', '--data-dir', join(tmp, 'no-nm')], /no-nm: N-MNIST folder not found/],
    [['--dataset', 'dvs-gesture', '--data-dir', join(tmp, 'no-g')], /no-g: DVS Gesture folder not found/],
    [['--dataset', 'dvs-gesture', '--data-dir', gesture], /user01_led\.aedat: not an AEDAT 3\.x file/],
  ] as const) {
    const r = cli('train', ...args, ...small);
    assert.notEqual(r.code, 0, args.join(' '));
    const lines = r.err.trim().split('\n');
    assert.equal(lines.length, 1, r.err);
    assert.match(lines[0]!, /^spikerep: /);
    assert.match(lines[0]!, pattern);
  }
});
