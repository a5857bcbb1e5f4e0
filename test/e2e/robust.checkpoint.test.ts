/**
 * Checkpoints are atomic and complete: damaged files are refused with one typed line, a failed write (full or
 * read-only disk, injected or real) leaves the previous checkpoint byte for byte and no temporary file, temporary
 * files of killed runs are cleaned up, and a run checkpoint holds everything an exact resume needs.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { injectFaults } from '../../scripts/fs-faults.js';
import { SpikerepError } from '../../src/errors.js';
import { createKernels, disposeKernels } from '../../src/kernels/backend.js';
import { loadCheckpoint, type NamedArray, parseCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { DEFAULT_CONFIG } from '../../src/train/config.js';
import { train } from '../../src/train/loop.js';
import { parseRunMeta, prepareCheckpointDir } from '../../src/train/state.js';

const dir = mkdtempSync(join(tmpdir(), 'spikerep-ckpt-'));
const tensors = (fill: number, n = 1000): NamedArray[] => [
  { name: 'a', value: Float32Array.from({ length: n }, (_, i) => fill + i / 7) },
  { name: 'b', value: new Float32Array([fill, -fill, 0.5]) },
];

function refused(fn: () => unknown, codes: readonly string[]): SpikerepError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof SpikerepError, `expected a SpikerepError, got ${String(e)}`);
    assert.ok(codes.includes(e.code), `code ${e.code} not in ${codes.join('|')}: ${e.message}`);
    assert.ok(!e.message.includes('\n'), 'one line');
    return e;
  }
  assert.fail('accepted a damaged checkpoint');
}

const tempsIn = (d: string): string[] => readdirSync(d).filter((f) => f.endsWith('.tmp'));

test('truncated, bit-flipped, wrong-magic and wrong-version checkpoints are refused with one typed line', () => {
  const path = join(dir, 'good.ckpt');
  saveCheckpoint(path, { note: 'x' }, tensors(1));
  const good = readFileSync(path);
  assert.deepEqual(loadCheckpoint(path).tensors.get('b'), new Float32Array([1, -1, 0.5]));
  const hlen = good.readUInt32LE(8);
  for (const cut of [0, 5, 11, 12, 12 + (hlen >> 1), 12 + hlen, 12 + hlen + 100, good.length - 1]) {
    const e = refused(() => parseCheckpoint(good.subarray(0, cut), 'cut.ckpt'), ['E_TRUNCATED', 'E_FORMAT']);
    assert.match(e.message, /^cut\.ckpt: /);
  }
  // every bit of a payload byte sampled across the payload: the SHA-256 must notice
  for (let at = 12 + hlen; at < good.length; at += 397) {
    const bad = Buffer.from(good);
    bad[at]! ^= 1 << (at % 8);
    refused(() => parseCheckpoint(bad, 'flip.ckpt'), ['E_CHECKSUM']);
  }
  // a header flip is refused too, by whichever check it breaks
  for (let at = 12; at < 12 + hlen; at += 3) {
    const bad = Buffer.from(good);
    bad[at]! ^= 0x20;
    try {
      parseCheckpoint(bad, 'h.ckpt');
    } catch (e) {
      assert.ok(e instanceof SpikerepError, String(e));
    }
  }
  const magic = Buffer.from(good);
  magic.write('NOTACKPT', 0, 'latin1');
  assert.match(refused(() => parseCheckpoint(magic, 'm.ckpt'), ['E_FORMAT']).message, /bad magic/);
  const header = JSON.parse(good.toString('utf8', 12, 12 + hlen)) as { format: number };
  header.format = 99;
  const h = Buffer.from(JSON.stringify(header));
  const lead = Buffer.alloc(12);
  lead.write('SPKRCKPT', 0, 'latin1');
  lead.writeUInt32LE(h.length, 8);
  const v99 = Buffer.concat([lead, h, good.subarray(12 + hlen)]);
  assert.match(refused(() => parseCheckpoint(v99, 'v.ckpt'), ['E_FORMAT']).message, /format 99 \(expected 1\)/);
});

test('a full disk (injected ENOSPC) or read-only disk while writing: one line, old checkpoint intact, no temp file', () => {
  const d = join(dir, 'inject');
  mkdirSync(d);
  const path = join(d, 'last.ckpt');
  saveCheckpoint(path, { epoch: 1 }, tensors(1));
  const before = readFileSync(path);
  for (const [fault, said] of [
    ['enospc', /the disk is full/],
    ['erofs', /the folder is not writable/],
  ] as const) {
    const restore = injectFaults({ fault });
    try {
      const e = refused(() => saveCheckpoint(path, { epoch: 2 }, tensors(2)), ['E_IO']);
      assert.match(e.message, said);
      assert.match(e.message, /the previous checkpoint is unchanged/);
    } finally {
      restore();
    }
    assert.deepEqual(readFileSync(path), before, 'previous checkpoint unchanged');
    assert.deepEqual(tempsIn(d), [], 'no temporary file left');
    assert.equal(loadCheckpoint<{ epoch: number }>(path).meta.epoch, 1);
  }
  saveCheckpoint(path, { epoch: 3 }, tensors(3)); // the real fs functions are back
  assert.equal(loadCheckpoint<{ epoch: number }>(path).meta.epoch, 3);
});

const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
test('a real full disk (a 1 MiB tmpfs): ENOSPC is one line and the old checkpoint survives', {
  skip: canMount ? false : 'needs root and mount for a real tmpfs; the injected ENOSPC test above covers the code path',
}, (t) => {
  const d = join(dir, 'tiny');
  mkdirSync(d);
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', d]);
  if (r.status !== 0) {
    t.skip(`mount refused here (${r.stderr.toString().trim()}); the injected ENOSPC test covers the code path`);
    return;
  }
  try {
    const path = join(d, 'last.ckpt');
    saveCheckpoint(path, { epoch: 1 }, tensors(1, 150_000)); // 600 kB: fits once, not twice
    const before = readFileSync(path);
    const e = refused(() => saveCheckpoint(path, { epoch: 2 }, tensors(2, 150_000)), ['E_IO']);
    assert.match(e.message, /cannot write checkpoint \(the disk is full\); the previous checkpoint is unchanged/);
    assert.deepEqual(readFileSync(path), before);
    assert.deepEqual(tempsIn(d), []);
  } finally {
    spawnSync('umount', [d]);
  }
});

test('temporary files of killed runs are removed; a live process’s temporary file is kept', () => {
  const d = join(dir, 'stale');
  mkdirSync(d);
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  writeFileSync(join(d, `.last.ckpt.${dead}.tmp`), 'half');
  writeFileSync(join(d, `.best.ckpt.${dead}.tmp`), 'half');
  writeFileSync(join(d, `.last.ckpt.${process.pid}.tmp`), 'mine');
  writeFileSync(join(d, 'notes.tmp'), 'not ours');
  prepareCheckpointDir(d);
  assert.deepEqual(readdirSync(d).sort(), [`.last.ckpt.${process.pid}.tmp`, 'notes.tmp']);
});

test('a run checkpoint holds weights, BN statistics, optimiser buffers, RNG streams, schedule position and config', async () => {
  const d = join(dir, 'run');
  const k = await createKernels('wasm', { threads: 1 });
  try {
    await train(k, {
      ...DEFAULT_CONFIG,
      backend: 'wasm',
      threads: 1,
      trainLimit: 64,
      testLimit: 32,
      batchSize: 16,
      T: 2,
      epochs: 2,
      warmupIters: 6,
      optimizer: 'adam',
      checkpointDir: d,
    });
  } finally {
    disposeKernels(k);
  }
  const ck = loadCheckpoint<unknown>(join(d, 'last.ckpt'));
  const meta = parseRunMeta(ck.meta, 'last.ckpt');
  assert.equal(meta.run.epoch, 2);
  assert.equal(meta.run.iteration, 8, 'schedule position: 4 steps per epoch, 2 epochs');
  assert.equal(meta.optimizer.steps, 8);
  assert.deepEqual(Object.keys(meta.rng).sort(), ['augment', 'layers', 'order']);
  assert.equal(meta.config.warmupIters, 6);
  assert.equal(meta.config.lr, DEFAULT_CONFIG.lr);
  const names = [...ck.tensors.keys()];
  const params = names.filter((n) => !n.startsWith('optimizer.') && !/running_(mean|var)$/.test(n));
  assert.equal(params.filter((n) => n.endsWith('.vth')).length, 4, 'the 4 trained thresholds of mnistnet');
  assert.equal(names.filter((n) => /running_(mean|var)$/.test(n)).length, 8, 'BN running statistics of 4 BN layers');
  for (const p of params) {
    for (const slot of ['m', 'v']) {
      assert.equal(ck.tensors.get(`optimizer.${slot}.${p}`)?.length, ck.tensors.get(p)!.length, `Adam ${slot} of ${p}`);
    }
  }
  assert.equal(tempsIn(d).length, 0);
});

test('a hand-edited header (valid JSON, checksum intact) is refused in one line naming what is wrong', () => {
  const base = {
    kind: 'spikerep-run',
    config: { ...DEFAULT_CONFIG },
    inputShape: [28, 28, 1],
    classes: 10,
    run: { epoch: 1, iteration: 4, best: 0.5, history: [] },
    optimizer: { kind: 'sgd', steps: 4 },
    rng: { order: { words: [1, 2, 3, 4], spare: null } },
  };
  assert.equal(parseRunMeta(JSON.parse(JSON.stringify(base)), 'x').run.epoch, 1);
  // biome-ignore lint/suspicious/noExplicitAny: each edit writes a field of the wrong type on purpose
  const edits: [string, (m: any) => void, RegExp][] = [
    ['kind', (m) => (m.kind = 'other'), /kind/],
    ['config T', (m) => (m.config.T = 0), /config: T: must be an integer ≥ 1/],
    ['config model', (m) => (m.config.model = 7), /config: model: expected one of/],
    ['epoch', (m) => (m.run.epoch = 'one'), /run state/],
    ['rng words', (m) => (m.rng.order.words = [1, 2]), /RNG state/],
    ['optimizer', (m) => (m.optimizer.kind = 'lion'), /optimizer state/],
    ['input shape', (m) => (m.inputShape = [28, -1, 1]), /inputShape/],
  ];
  for (const [name, edit, said] of edits) {
    const m = JSON.parse(JSON.stringify(base));
    edit(m);
    const e = refused(() => parseRunMeta(m, 'edited.ckpt'), ['E_FORMAT']);
    assert.match(e.message, said, name);
  }
  refused(() => parseRunMeta(null, 'n.ckpt'), ['E_FORMAT']);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
