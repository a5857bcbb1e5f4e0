import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { IDX_IMAGES_MAGIC, parseIdx, readIdxImages, readIdxLabels, readIdxPair } from '../../src/data/idx.js';
import type { SpikerepError } from '../../src/errors.js';
import { idxBytes, put as putFile, rejects, tempDir } from '../support/data.fixtures.js';

const dir = tempDir('idx');
const put = (name: string, bytes: Uint8Array): string => putFile(join(dir, name), bytes);

const pixels = Array.from({ length: 2 * 3 * 2 }, (_, i) => (i * 37) % 256);
const images = idxBytes(0x803, [2, 3, 2], pixels);
const labels = idxBytes(0x801, [2], [7, 3]);

test('plain and gzipped IDX give the same dims and bytes', () => {
  const plain = readIdxImages(put('img', images));
  const gz = readIdxImages(put('img.gz', gzipSync(images)));
  assert.deepEqual(plain.dims, [2, 3, 2]);
  assert.deepEqual([...plain.data], pixels);
  assert.deepEqual(gz.dims, plain.dims);
  assert.deepEqual([...gz.data], pixels);
  assert.deepEqual([...readIdxLabels(put('lab.gz', gzipSync(labels)), 10)], [7, 3]);
  const pair = readIdxPair(join(dir, 'img'), join(dir, 'lab.gz'), 10, [3, 2]);
  assert.equal(pair.count, 2);
});

test('wrong magic names the file and both magics', () => {
  const p = put('swapped', labels);
  rejects(() => readIdxImages(p), 'E_IDX_MAGIC', 'expected IDX magic 0x00000803, found 0x00000801');
  assert.throws(
    () => readIdxImages(p),
    (e: SpikerepError) => e.message.startsWith(p),
  );
  rejects(() => readIdxLabels(put('swapped2', images), 10), 'E_IDX_MAGIC', '0x00000801');
  // a little-endian writer's file
  const le = images.slice();
  le.set([3, 8, 0, 0], 0);
  rejects(() => readIdxImages(put('le', le)), 'E_IDX_MAGIC', 'found 0x03080000');
});

test('truncated header, truncated data, trailing bytes', () => {
  rejects(() => parseIdx(images.subarray(0, 3), IDX_IMAGES_MAGIC, 'x'), 'E_TRUNCATED', 'too short');
  rejects(() => parseIdx(images.subarray(0, 10), IDX_IMAGES_MAGIC, 'x'), 'E_TRUNCATED', 'header needs 16 bytes');
  rejects(
    () => readIdxImages(put('short', images.subarray(0, images.length - 1))),
    'E_TRUNCATED',
    'need 12 data bytes, file has 11',
  );
  const long = new Uint8Array(images.length + 5);
  long.set(images);
  rejects(() => readIdxImages(put('long', long)), 'E_SHAPE', 'trailing bytes');
});

test('a truncated or corrupt gzip stream is refused', () => {
  const gz = gzipSync(images);
  rejects(() => readIdxImages(put('cut.gz', gz.subarray(0, gz.length - 6))), 'E_TRUNCATED', 'gzip stream is truncated');
  const bad = gz.slice();
  bad[gz.length - 6]! ^= 0xff; // break the CRC
  rejects(() => readIdxImages(put('bad.gz', bad)), 'E_FORMAT', 'corrupt gzip');
});

test('label out of range, wrong image size, count mismatch, missing file', () => {
  rejects(
    () => readIdxLabels(put('lab11', idxBytes(0x801, [3], [1, 11, 2])), 10),
    'E_LABEL',
    'label 11 at record 1 is outside [0, 10)',
  );
  rejects(() => readIdxImages(join(dir, 'img'), [28, 28]), 'E_SHAPE', 'expected 28×28 images, file has 3×2');
  put('lab3', idxBytes(0x801, [3], [1, 2, 3]));
  rejects(() => readIdxPair(join(dir, 'img'), join(dir, 'lab3'), 10, [3, 2]), 'E_SHAPE', '2 images but 3 labels');
  rejects(() => readIdxImages(join(dir, 'nope')), 'E_NOT_FOUND', 'IDX image file not found');
});
