import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import h5wasm from 'h5wasm/node';
import { gatherBatch } from '../../src/data/dataset.js';
import { halfToNumber } from '../../src/data/hdf5-vlen.js';
import { binSpikes } from '../../src/data/spikeBins.js';
import { loadSpikingAudio } from '../../src/data/spikingAudio.js';
import { ensureSpikingAudio, parseMd5List } from '../../src/data/spikingAudioDownload.js';
import { put, rejectsAsync, tempDir } from '../support/data.fixtures.js';

// test/fixtures/make-shd-tiny.py wrote these (h5wasm cannot write variable-length numeric arrays): five samples, labels
// 0, 7, 12, 19, 3; sample i has unit i at 0 s, unit 100 + i at 0.5 s and 0.52 s, unit 699 at 0.99 s, unit 3 at 1.3 s
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../fixtures');
const LABELS = [0, 7, 12, 19, 3];

function shdFolder(fixture: string, split: 'train' | 'test' = 'train'): string {
  const dir = tempDir('shd');
  copyFileSync(join(FIXTURES, fixture), join(dir, `shd_${split}.h5`));
  return dir;
}

/** Sample i's frames, worked out by hand from the spikes above. */
function expectedFrames(i: number, T: number, window: number): Float32Array {
  const out = new Float32Array(T * 700);
  const at = (t: number, u: number) => {
    if (t < window) out[Math.floor((t / window) * T) * 700 + u]! += 1;
  };
  at(0, i);
  at(0.5, 100 + i);
  at(0.52, 100 + i);
  at(0.99, 699);
  at(1.2999, 3);
  return out;
}

for (const fixture of ['shd-tiny.h5', 'shd-tiny-f16.h5']) {
  test(`SHD (${fixture}): labels, class names and binned [T, 700] frames`, async () => {
    const ds = await loadSpikingAudio('shd', 'train', { dataDir: shdFolder(fixture), T: 14 });
    assert.equal(ds.length, 5);
    assert.deepEqual(ds.sampleShape, [14, 700]);
    assert.equal(ds.normalized, false);
    assert.deepEqual(
      [0, 1, 2, 3, 4].map((i) => ds.label(i)),
      LABELS,
    );
    assert.equal(ds.classes.length, 20);
    assert.equal(ds.classes[12], 'german-2');
    const batch = gatherBatch(ds, [0, 1, 2, 3, 4]);
    for (let i = 0; i < 5; i++) {
      const got = batch.x.subarray(i * 14 * 700, (i + 1) * 14 * 700);
      assert.deepEqual(got, expectedFrames(i, 14, 1.4), `sample ${i}`);
    }
    // with 0.1 s frames: unit 101's two spikes share frame 5, unit 699 lands in frame 9, unit 3 in frame 12
    const one = batch.x.subarray(14 * 700, 2 * 14 * 700);
    assert.equal(one[5 * 700 + 101], 2);
    assert.equal(one[9 * 700 + 699], 1);
    assert.equal(one[12 * 700 + 3], 1);
    // a 1 s window drops the spike at 1.3 s
    const short = await loadSpikingAudio('shd', 'train', { dataDir: shdFolder(fixture), T: 10, window: 1 });
    const x = new Float32Array(10 * 700);
    short.read(0, x, 0);
    assert.equal(
      x.reduce((s, v) => s + v, 0),
      4,
    );
  });
}

test('half precision decodes as IEEE 754 binary16', () => {
  assert.equal(halfToNumber(0x3c00), 1);
  assert.equal(halfToNumber(0xc000), -2);
  assert.equal(halfToNumber(0x3800), 0.5);
  assert.equal(halfToNumber(0x0001), 2 ** -24);
  assert.equal(halfToNumber(0x7c00), Number.POSITIVE_INFINITY);
  assert.ok(Number.isNaN(halfToNumber(0x7e00)));
});

test('binning drops spikes outside the window or the channels', () => {
  const out = new Float32Array(2 * 3);
  binSpikes([0, 0.49, 0.5, 0.99, 1, -0.1, 0.2], [0, 1, 2, 2, 0, 0, 5], 2, 1, 3, out);
  assert.deepEqual([...out], [1, 1, 0, 0, 0, 2]);
});

test('SHD errors: a missing file, a file without spikes, a file that is not HDF5, each in one line', async () => {
  const empty = tempDir('shd-none');
  const missing = await rejectsAsync(
    loadSpikingAudio('shd', 'test', { dataDir: empty, T: 4 }),
    'E_NOT_FOUND',
    '--data-dir',
  );
  assert.ok(missing.message.includes('shd_test.h5'));
  await h5wasm.ready;
  const dir = tempDir('shd-bad');
  const f = new h5wasm.File(join(dir, 'shd_train.h5'), 'w');
  f.create_dataset({ name: 'labels', data: new Uint16Array([1, 2]) });
  f.close();
  await rejectsAsync(loadSpikingAudio('shd', 'train', { dataDir: dir, T: 4 }), 'E_FORMAT', "no 'spikes/times' dataset");
  put(join(dir, 'shd_test.h5'), 'not hdf5 at all');
  const bad = await rejectsAsync(loadSpikingAudio('shd', 'test', { dataDir: dir, T: 4 }), 'E_FORMAT', /HDF5|hdf5/);
  assert.ok(!bad.message.includes('\n'));
  const label = await rejectsAsync(
    loadSpikingAudio('shd', 'train', { dataDir: shdFolder('shd-bad-label.h5'), T: 4 }),
    'E_LABEL',
    'label 25 of sample 1 outside [0, 20)',
  );
  assert.ok(label.message.includes('shd_train.h5'));
  await rejectsAsync(
    loadSpikingAudio('shd', 'train', { dataDir: shdFolder('shd-bad-units.h5'), T: 4 }),
    'E_SHAPE',
    'sample 1 has 5 spike times but 4 units',
  );
  // the same file read as SSC: 35 classes, and its 20 keys are not taken as their names
  const ssc = tempDir('ssc');
  copyFileSync(join(FIXTURES, 'shd-tiny.h5'), join(ssc, 'ssc_train.h5'));
  const asSsc = await loadSpikingAudio('ssc', 'train', { dataDir: ssc, T: 4 });
  assert.equal(asSsc.classes.length, 35);
  assert.equal(asSsc.classes[0], 'class 0', 'keys of another length are not taken as class names');
});

// the download helper against a local server serving the authors' layout: md5sums.txt and <name>.h5.gz
const served = new Map<string, Uint8Array>();
let dropNext = 0;
let server: Server;
let base = '';

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://x').pathname;
    const body = served.get(path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m === null ? 0 : Number(m[1]);
    if (m !== null)
      res.writeHead(206, {
        'content-range': `bytes ${start}-${body.length - 1}/${body.length}`,
        'content-length': body.length - start,
      });
    else res.writeHead(200, { 'content-length': body.length });
    const rest = body.subarray(start);
    if (path.endsWith('.gz') && dropNext > 0) {
      dropNext--;
      res.write(rest.subarray(0, rest.length >> 1), () => res.socket!.end());
      return;
    }
    res.end(rest);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

test('SHD download: checksum list, resumed archive, inflated into place; the set then loads', async () => {
  const gz = new Uint8Array(gzipSync(readFileSync(join(FIXTURES, 'shd-tiny.h5'))));
  const md5 = createHash('md5').update(gz).digest('hex');
  served.set('/mirror/md5sums.txt', new TextEncoder().encode(`${md5}  shd_train.h5.gz\n0123  junk\n`));
  served.set('/mirror/shd_train.h5.gz', gz);
  const cache = tempDir('shd-dl');
  dropNext = 1; // the first connection drops halfway: the download resumes with a Range request
  const dir = await ensureSpikingAudio('shd', ['train'], { cacheDir: cache, mirror: `${base}/mirror/` });
  assert.equal(dir, join(cache, 'shd'));
  assert.deepEqual(readFileSync(join(dir, 'shd_train.h5')), readFileSync(join(FIXTURES, 'shd-tiny.h5')));
  assert.equal(existsSync(join(dir, 'shd_train.h5.gz')), false, 'the archive is not kept');
  const ds = await loadSpikingAudio('shd', 'train', { dataDir: dir, T: 14 });
  assert.equal(ds.label(3), 19);
  // a second call finds the file and fetches nothing (the list is gone from the server)
  served.delete('/mirror/md5sums.txt');
  assert.equal(await ensureSpikingAudio('shd', ['train'], { cacheDir: cache, mirror: `${base}/mirror` }), dir);
});

test('SHD download: a digest mismatch leaves nothing in place; a name missing from the list is one line', async () => {
  const gz = new Uint8Array(gzipSync(readFileSync(join(FIXTURES, 'shd-tiny.h5'))));
  served.set('/bad/md5sums.txt', new TextEncoder().encode(`${'0'.repeat(32)}  shd_test.h5.gz\n`));
  served.set('/bad/shd_test.h5.gz', gz);
  const cache = tempDir('shd-dl-bad');
  await rejectsAsync(
    ensureSpikingAudio('shd', ['test'], { cacheDir: cache, mirror: `${base}/bad` }),
    'E_CHECKSUM',
    'MD5',
  );
  assert.equal(existsSync(join(cache, 'shd', 'shd_test.h5')), false);
  await rejectsAsync(
    ensureSpikingAudio('shd', ['train'], { cacheDir: cache, mirror: `${base}/bad` }),
    'E_DOWNLOAD',
    'no entry for shd_train.h5.gz',
  );
  assert.deepEqual(
    [...parseMd5List('d41d8cd98f00b204e9800998ecf8427e  a.gz\nD41D8CD98F00B204E9800998ECF8427E *b.gz\n')],
    [
      ['a.gz', 'd41d8cd98f00b204e9800998ecf8427e'],
      ['b.gz', 'd41d8cd98f00b204e9800998ecf8427e'],
    ],
  );
});
