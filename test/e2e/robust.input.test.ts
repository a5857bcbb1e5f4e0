/**
 * Bad input through the real CLI: damaged dataset files (IDX, gzip, CIFAR, event files), NaN in the loss, damaged
 * checkpoints, unwritable, read-only and full output places, out-of-range flags. Each must give exactly one line
 * "spikerep: …" on stderr, a non-zero exit and no stack trace, and must never replace a good checkpoint.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { linkSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CIFAR10_CLASSES } from '../../src/data/cifar.js';
import { loadCheckpoint } from '../../src/train/checkpoint.js';
import { cliArgs } from '../support/cli.command.js';
import { aedatBytes, cifarBytes, cifarImage, idxBytes, put, tempDir } from '../support/data.fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FAULTS = fileURLToPath(new URL('../../scripts/fs-faults.ts', import.meta.url));
interface Run {
  code: number | null;
  out: string;
  err: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, cliArgs(args, ['tsx', FAULTS]), {
      cwd: ROOT,
      env: { ...process.env, SPIKEREP_DEBUG: '', ...env },
    });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('close', (code) => resolve({ code, out, err }));
  });
}

/** Exactly one "spikerep: …" line matching `expected`, exit ≠ 0, no stack trace. */
function oneLine(r: Run, expected: RegExp): void {
  assert.notEqual(r.code, 0, `exit code (stderr: ${r.err})`);
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
  assert.match(lines[0]!, /^spikerep: /);
  assert.match(lines[0]!, expected);
  assert.doesNotMatch(r.err, /\n\s+at |internal error/, 'no stack trace, no internal error');
}

const tmp = tempDir('input');
const small = [
  '--train-limit',
  '32',
  '--test-limit',
  '16',
  '--batch-size',
  '16',
  '--T',
  '1',
  '--threads',
  '1',
  '--quiet',
];

/** An MNIST-layout folder of tiny IDX files; `edit` replaces one file's bytes. */
function mnistDir(name: string, edit: Partial<Record<string, Uint8Array>> = {}): string {
  const dir = join(tmp, name);
  const files: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': idxBytes(0x803, [4, 28, 28], new Uint8Array(4 * 784).fill(7)),
    'train-labels-idx1-ubyte': idxBytes(0x801, [4], [0, 1, 2, 3]),
    't10k-images-idx3-ubyte': idxBytes(0x803, [2, 28, 28], new Uint8Array(2 * 784).fill(9)),
    't10k-labels-idx1-ubyte': idxBytes(0x801, [2], [4, 5]),
  };
  for (const [f, bytes] of Object.entries({ ...files, ...edit })) put(join(dir, f), bytes!);
  return dir;
}

function cifarDir(name: string, batch: Uint8Array): string {
  const dir = join(tmp, name, 'cifar-10-batches-bin');
  const good = cifarBytes([
    { labels: [1], hwc: cifarImage(1) },
    { labels: [2], hwc: cifarImage(2) },
  ]);
  for (let i = 1; i <= 5; i++) put(join(dir, `data_batch_${i}.bin`), i === 1 ? batch : good);
  put(join(dir, 'test_batch.bin'), good);
  return join(tmp, name);
}

/** CIFAR10-DVS layout: 10 classes × 1000 files, all hard links to one (truncated) event file. */
function dvsDir(name: string): string {
  const dir = join(tmp, name);
  const ev = aedatBytes([
    { x: 1, y: 2, pol: 1, t: 5 },
    { x: 3, y: 4, pol: 0, t: 7 },
  ]);
  const one = put(join(dir, 'one.aedat'), ev.subarray(0, ev.length - 3));
  for (const cls of CIFAR10_CLASSES) {
    mkdirSync(join(dir, cls));
    for (let i = 0; i < 1000; i++) linkSync(one, join(dir, cls, `cifar10_${cls}_${i}.aedat`));
  }
  return dir;
}

const images = (magic: number, dims: number[], fill = 1): Uint8Array =>
  idxBytes(magic, dims, new Uint8Array(dims.reduce((a, b) => a * b, 1)).fill(fill));

suite('damaged dataset files', { concurrency: 2 }, () => {
  const cases: [string, () => string[], RegExp][] = [
    [
      'IDX wrong magic',
      () => ['--data-dir', mnistDir('magic', { 'train-images-idx3-ubyte': images(0x804, [4, 28, 28]) })],
      /train-images-idx3-ubyte: expected IDX magic 0x00000803, found 0x00000804/,
    ],
    [
      'IDX truncated data',
      () => [
        '--data-dir',
        mnistDir('cut', { 'train-images-idx3-ubyte': images(0x803, [4, 28, 28]).subarray(0, 1000) }),
      ],
      /train-images-idx3-ubyte: IDX dims \[4, 28, 28\] need 3136 data bytes, file has 984/,
    ],
    [
      'IDX truncated header',
      () => [
        '--data-dir',
        mnistDir('hdr', { 'train-labels-idx1-ubyte': idxBytes(0x801, [4], [1, 2, 3, 4]).subarray(0, 6) }),
      ],
      /train-labels-idx1-ubyte: IDX header needs 8 bytes, file has 6/,
    ],
    [
      'gzip stream cut short',
      () => {
        const dir = mnistDir('gz');
        rmSync(join(dir, 'train-images-idx3-ubyte'));
        const gz = gzipSync(images(0x803, [4, 28, 28]));
        put(join(dir, 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length >> 1));
        return ['--data-dir', dir];
      },
      /train-images-idx3-ubyte\.gz: gzip stream is truncated/,
    ],
    [
      'label out of range',
      () => ['--data-dir', mnistDir('label', { 'train-labels-idx1-ubyte': idxBytes(0x801, [4], [0, 1, 10, 3]) })],
      /label 10 at record 2 is outside \[0, 10\)/,
    ],
    [
      'images of the wrong size',
      () => ['--data-dir', mnistDir('size', { 'train-images-idx3-ubyte': images(0x803, [4, 32, 32]) })],
      /expected 28×28 images, file has 32×32/,
    ],
    [
      'image and label counts differ',
      () => ['--data-dir', mnistDir('count', { 'train-labels-idx1-ubyte': idxBytes(0x801, [3], [0, 1, 2]) })],
      /3 labels but 4 images/,
    ],
    [
      'CIFAR batch truncated',
      () => [
        '--dataset',
        'cifar10',
        '--data-dir',
        cifarDir('cifar-cut', cifarBytes([{ labels: [1], hwc: cifarImage(3) }]).subarray(0, 3000)),
      ],
      /data_batch_1\.bin: cifar10 batch of 3000 bytes is not a whole number of 3073-byte records/,
    ],
    [
      'CIFAR label out of range',
      () => [
        '--dataset',
        'cifar10',
        '--data-dir',
        cifarDir('cifar-label', cifarBytes([{ labels: [11], hwc: cifarImage(3) }])),
      ],
      /data_batch_1\.bin: label 11 in record 0 is outside \[0, 10\)/,
    ],
    [
      'CIFAR folder missing',
      () => ['--dataset', 'cifar10', '--data-dir', join(tmp, 'no-cifar')],
      /no-cifar: cifar10: no cifar-10-batches-bin\/ with test_batch\.bin here/,
    ],
    [
      'event file truncated',
      () => ['--dataset', 'dvs-cifar10', '--data-dir', dvsDir('dvs')],
      /\.aedat: event data of 13 bytes is not a whole number of 8-byte records/,
    ],
    [
      'event folder missing',
      () => ['--dataset', 'dvs-cifar10', '--data-dir', join(tmp, 'no-dvs')],
      /no-dvs: DVS-CIFAR10 folder not found/,
    ],
  ];
  for (const [name, args, expected] of cases) {
    test(`${name} → one line, exit ≠ 0`, async () => oneLine(await cli(['train', ...args(), ...small]), expected));
  }
});

const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
/** A tmpfs at `dir` (read-only or of `size`), or null where mounting is not allowed. */
function mountTmpfs(dir: string, opts: string): boolean {
  mkdirSync(dir, { recursive: true });
  return canMount && spawnSync('mount', ['-t', 'tmpfs', '-o', opts, 'tmpfs', dir]).status === 0;
}
const mounted: string[] = [];

suite('output places and checkpoints', { concurrency: 2 }, () => {
  test('NaN/Inf from a huge learning rate: one line, and last.ckpt keeps the good epoch (fresh run writes none)', async () => {
    const dir = join(tmp, 'nan');
    const ok = await cli(['train', ...small, '--epochs', '1', '--checkpoint', dir]);
    assert.equal(ok.code, 0, ok.err);
    const good = readFileSync(join(dir, 'last.ckpt'));
    const r = await cli([
      'train',
      ...small,
      '--epochs',
      '2',
      '--lr',
      '1e30',
      '--warmup',
      '0',
      '--checkpoint',
      dir,
      '--resume',
    ]);
    oneLine(
      r,
      /--lr: (the training loss|weight \S+) became (NaN|-?Infinity) at epoch 2, step \d+ .*the last checkpoint still holds the previous epoch/,
    );
    assert.deepEqual(readFileSync(join(dir, 'last.ckpt')), good, 'last.ckpt unchanged');
    for (const v of loadCheckpoint(join(dir, 'last.ckpt')).tensors.values()) assert.ok(v.every(Number.isFinite));
    const fresh = join(tmp, 'nan-fresh');
    oneLine(
      await cli(['train', ...small, '--lr', '1e30', '--warmup', '0', '--checkpoint', fresh]),
      /became (NaN|-?Infinity) at epoch 1, step \d+/,
    );
    assert.deepEqual(readdirSync(fresh), [], 'no checkpoint with bad weights');
  });

  test('a corrupted or truncated last.ckpt is refused on --resume (and by eval) in one line, and left as it was', async () => {
    const dir = join(tmp, 'corrupt');
    assert.equal((await cli(['train', ...small, '--checkpoint', dir])).code, 0);
    const path = join(dir, 'last.ckpt');
    const bytes = readFileSync(path);
    bytes[bytes.length - 100]! ^= 4;
    writeFileSync(path, bytes);
    oneLine(
      await cli(['train', ...small, '--checkpoint', dir, '--resume']),
      /last\.ckpt: checkpoint is corrupted \(SHA-256 mismatch\)/,
    );
    assert.deepEqual(readFileSync(path), bytes, 'the damaged file is not overwritten');
    oneLine(await cli(['eval', '--checkpoint', path, '--backend', 'reference']), /checkpoint is corrupted/);
    writeFileSync(path, bytes.subarray(0, 5000));
    oneLine(
      await cli(['train', ...small, '--checkpoint', dir, '--resume']),
      /last\.ckpt: checkpoint payload has \d+ bytes, expected \d+/,
    );
  });

  test('a full disk while writing a checkpoint (injected ENOSPC): one line, the previous checkpoint intact, no temp file', async () => {
    const dir = join(tmp, 'enospc');
    // the first epoch writes best.ckpt and last.ckpt; the fault hits the third temporary file (epoch 2)
    const r = await cli(['train', ...small, '--epochs', '2', '--checkpoint', dir], {
      SPIKEREP_FAULT: 'enospc',
      SPIKEREP_FAULT_AT: '3',
    });
    oneLine(r, /\.ckpt: cannot write checkpoint \(the disk is full\); the previous checkpoint is unchanged/);
    assert.equal(loadCheckpoint<{ run: { epoch: number } }>(join(dir, 'last.ckpt')).meta.run.epoch, 1);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('a real full disk (a 16 MiB tmpfs holds one epoch’s two checkpoints, not a third)', {
    skip: canMount ? false : 'needs root and mount; the injected ENOSPC test covers the code path',
  }, async (t) => {
    const dir = join(tmp, 'full');
    if (!mountTmpfs(dir, 'size=16m'))
      return t.skip('mount refused here; the injected ENOSPC test covers the code path');
    mounted.push(dir);
    const r = await cli(['train', ...small, '--epochs', '2', '--checkpoint', dir]);
    oneLine(r, /\.ckpt: cannot write checkpoint \(the disk is full\); the previous checkpoint is unchanged/);
    assert.equal(loadCheckpoint<{ run: { epoch: number } }>(join(dir, 'last.ckpt')).meta.run.epoch, 1);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  });

  test('a read-only output folder (read-only tmpfs): --checkpoint and --json refused before training', {
    skip: canMount ? false : 'needs root and mount; test/cli.test.ts covers a folder under a regular file',
  }, async (t) => {
    const ro = join(tmp, 'ro');
    if (!mountTmpfs(ro, 'ro,size=1m'))
      return t.skip('mount refused here; test/cli.test.ts covers a folder under a regular file');
    mounted.push(ro);
    oneLine(
      await cli(['train', ...small, '--checkpoint', join(ro, 'run')]),
      /ro\/run: cannot create the checkpoint folder \(EROFS: not writable\)/,
    );
    const r = await cli(['train', ...small, '--json', join(ro, 'result.json')]);
    oneLine(r, /result\.json: cannot write the result file \(EROFS\)/);
    assert.equal(r.out, '', 'refused before training');
  });

  test('--json to an unwritable place is refused before training', async () => {
    const file = put(join(tmp, 'a-file'), 'x');
    const r = await cli(['train', ...small, '--json', join(file, 'result.json')]);
    oneLine(r, /a-file\/result\.json: cannot write the result file \(\S+a-file is a file, not a folder\)/);
    assert.equal(r.out, '', 'no training ran');
    oneLine(await cli(['train', ...small, '--json', tmp]), /cannot write the result file \(it is a folder\)/);
  });
});

suite('out-of-range flags', { concurrency: 2 }, () => {
  const cases: [string[], RegExp][] = [
    [['--T', '-1'], /--T: must be an integer ≥ 1, got -1/],
    [['--T', '1.5'], /--T: expected an integer, got '1.5'/],
    [['--alpha', '0'], /--alpha: alpha must be in \(0, 1\], got 0/],
    [['--lr', '0'], /--lr: learning rate must be a number > 0, got 0/],
    [['--lr', 'NaN'], /--lr: expected a number, got 'NaN'/],
    [['--lr', 'Infinity'], /--lr: expected a number, got 'Infinity'/],
    [['--epochs', '0'], /--epochs: must be an integer ≥ 1, got 0/],
    [['--batch-size', '-5'], /--batch-size: must be an integer ≥ 1, got -5/],
    [['--threads', '0'], /--threads: must be an integer ≥ 1, got 0/],
    [['--momentum', '1'], /--momentum: momentum must be in \[0, 1\), got 1/],
    [['--dropout', '1'], /--dropout: dropout must be in \[0, 1\), got 1/],
    [['--T'], /option '-T, --T <steps>' argument missing/],
    [['--time-chunk', '0'], /--time-chunk: must be an integer ≥ 1, got 0/],
    [
      ['--time-chunk', '2', '--grad-mode', 'exact'],
      /--time-chunk: training in time chunks needs --grad-mode representation/,
    ],
    [
      ['--time-chunk', '2', '--grad-mode', 'representation', '--model', 'resnet18'],
      /--time-chunk: works on plain sequential models .*resnet18 has nested blocks/,
    ],
  ];
  for (const [args, expected] of cases)
    test(`${args.join(' ')} → one line`, async () => oneLine(await cli(['train', ...args]), expected));
});

test.after(() => {
  for (const d of mounted) spawnSync('umount', [d]);
  rmSync(tmp, { recursive: true, force: true });
});
