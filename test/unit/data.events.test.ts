/**
 * The N-MNIST and DVS128 Gesture loaders on fixture files written here in the real formats (from the format notes:
 * N-MNIST's 40-bit events, AEDAT 3.1 packets and the gesture label CSVs), framed independently for comparison.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAedat3 } from '../../src/data/aedat3.js';
import { DvsGesture } from '../../src/data/dvsGesture.js';
import { parseGestureLabels } from '../../src/data/dvsGestureLabels.js';
import { NMnist } from '../../src/data/nmnist.js';
import { parseNmnist } from '../../src/data/nmnistEvents.js';
import { openDataset } from '../../src/data/registry.js';
import { put, rejects, tempDir } from '../support/data.fixtures.js';
import {
  aedat3Bytes,
  type CameraEvent,
  nmnistBytes,
  polarityPacket,
  randomEvents,
  specialPacket,
} from '../support/event.fixtures.js';

type Ev = CameraEvent;

/** Independent framing: event i goes to frame min(⌊i/d⌋, T−1), d = ⌊N/T⌋; counts at [frame, y, x, polarity]. */
function framesRef(ev: Ev[], T: number, size: number): Float64Array {
  const out = new Float64Array(T * size * size * 2);
  const d = Math.floor(ev.length / T);
  ev.forEach((e, i) => {
    const f = d === 0 ? T - 1 : Math.min(Math.floor(i / d), T - 1);
    out[((f * size + e.y) * size + e.x) * 2 + e.pol]! += 1;
  });
  return out;
}

function readSample(
  ds: { sampleShape: readonly number[]; read(i: number, o: Float32Array, off: number): void },
  i: number,
) {
  const n = ds.sampleShape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n + 3).fill(-1);
  ds.read(i, out, 3);
  assert.deepEqual(Array.from(out.subarray(0, 3)), [-1, -1, -1], 'writes only its own sample');
  return out.subarray(3);
}

test('N-MNIST: Train/Test class folders, 34×34 equal-count frames by polarity, labels from the folder', async () => {
  const dir = tempDir('nmnist');
  const events = new Map<string, Ev[]>();
  for (const split of ['Train', 'Test'])
    for (let c = 0; c < 10; c++)
      for (let j = 0; j < (split === 'Train' ? 2 : 1); j++) {
        const ev = randomEvents(100 * c + 10 * j + (split === 'Test' ? 7 : 0), 50 + 13 * c + j, 34);
        events.set(`${split}/${c}/${j}`, ev);
        put(join(dir, split, String(c), `0000${j + 1}.bin`), nmnistBytes(ev));
      }
  put(join(dir, 'Train', '3', 'README.txt'), 'not an event file: ignored');
  const train = new NMnist('train', { dataDir: dir, T: 5 });
  assert.equal(train.length, 20);
  assert.deepEqual(train.sampleShape, [5, 34, 34, 2]);
  assert.deepEqual(
    Array.from({ length: 20 }, (_, i) => train.label(i)),
    Array.from({ length: 20 }, (_, i) => Math.floor(i / 2)),
  );
  for (const i of [0, 7, 19]) {
    const want = framesRef(events.get(`Train/${Math.floor(i / 2)}/${i % 2}`)!, 5, 34);
    assert.deepEqual(Array.from(readSample(train, i)), Array.from(want), `sample ${i}`);
  }
  const test_ = await openDataset('n-mnist', 'test', { dataDir: dir, T: 3 });
  assert.equal(test_.length, 10);
  assert.equal(test_.name, 'n-mnist-test');
  assert.deepEqual(Array.from(readSample(test_, 4)), Array.from(framesRef(events.get('Test/4/0')!, 3, 34)));
});

test('N-MNIST events: fields, 23-bit timestamps, overflow markers skipped; malformed files one line naming the file', () => {
  const ev: Ev[] = [
    { x: 33, y: 0, pol: 1, t: 0x7fffff },
    { x: 0, y: 33, pol: 0, t: 0x012345 },
  ];
  const bytes = nmnistBytes(ev);
  const withMarker = new Uint8Array([...bytes.subarray(0, 5), 0, 240, 0, 0, 0, ...bytes.subarray(5)]);
  const e = parseNmnist(withMarker, 'a.bin');
  assert.deepEqual(Array.from(e.x), [33, 0]);
  assert.deepEqual(Array.from(e.y), [0, 33]);
  assert.deepEqual(Array.from(e.p), [1, 0]);
  assert.deepEqual(Array.from(e.t), [0x7fffff, 0x012345]);
  rejects(() => parseNmnist(bytes.subarray(0, 8), 'cut.bin'), 'E_TRUNCATED', 'cut.bin: N-MNIST event data of 8 bytes');
  rejects(
    () => parseNmnist(nmnistBytes([{ x: 34, y: 2, pol: 0, t: 1 }]), 'wide.bin'),
    'E_FORMAT',
    /wide\.bin: event 0 at \(x 34, y 2\) lies outside/,
  );
  rejects(() => parseNmnist(new Uint8Array(0), 'empty.bin'), 'E_TRUNCATED', 'empty.bin: no events');
  const dir = tempDir('nmnist-bad');
  for (let c = 0; c < 10; c++) put(join(dir, 'Train', String(c), '00001.bin'), nmnistBytes(randomEvents(c, 20, 34)));
  const cut = put(join(dir, 'Train', '5', '00002.bin'), nmnistBytes(randomEvents(5, 20, 34)).subarray(0, 97));
  const ds = new NMnist('train', { dataDir: dir, T: 4 });
  rejects(() => readSample(ds, 6), 'E_TRUNCATED', `${cut}: N-MNIST event data of 97 bytes`);
  rejects(() => new NMnist('test', { dataDir: dir, T: 4 }), 'E_NOT_FOUND', 'expected Test/0…9');
  put(join(dir, 'Test', '0', '00001.bin'), bytes);
  rejects(
    () => new NMnist('test', { dataDir: dir, T: 4 }),
    'E_NOT_FOUND',
    `${join(dir, 'Test', '1')}: N-MNIST class folder missing`,
  );
});

/** A recording with every one of the 11 classes once: gesture k spans [1000·(k+1), 1000·(k+1) + 900) µs. */
function recording(seed: number): { bytes: Uint8Array; csv: string; windows: Ev[][] } {
  const windows: Ev[][] = [];
  const all: Ev[] = [];
  for (let k = 0; k < 11; k++) {
    const ev = randomEvents(seed + k, 30 + 5 * k, 128, 1000 * (k + 1));
    windows.push(ev);
    all.push(...ev, { x: 1, y: 1, pol: 0, t: 1000 * (k + 1) + 950 }); // between gestures: in no window
  }
  const half = Math.floor(all.length / 2);
  const bytes = aedat3Bytes([
    specialPacket(3),
    polarityPacket(all.slice(0, half), 0, new Set(), 2),
    polarityPacket([{ x: 5, y: 5, pol: 1, t: 1500 }], 0, new Set([0])), // invalid: skipped although in gesture 0's window
    polarityPacket(all.slice(half)),
  ]);
  const csv = `class,startTime_usec,endTime_usec\r\n${windows.map((_, k) => `${k + 1},${1000 * (k + 1)},${1000 * (k + 1) + 900}`).join('\r\n')}\r\n`;
  return { bytes, csv, windows };
}

test('DVS Gesture: AEDAT 3.1 recordings cut into the labelled windows, 128×128 equal-count frames, split by user', async () => {
  const dir = tempDir('gesture');
  const recs = new Map<string, ReturnType<typeof recording>>();
  for (const [name, seed] of [
    ['user01_fluorescent', 1],
    ['user02_led', 50],
    ['user24_natural', 90],
  ] as const) {
    const r = recording(seed);
    recs.set(name, r);
    put(join(dir, `${name}.aedat`), r.bytes);
    put(join(dir, `${name}_labels.csv`), r.csv);
  }
  const train = new DvsGesture('train', { dataDir: dir, T: 4 });
  assert.equal(train.length, 22);
  assert.deepEqual(train.sampleShape, [4, 128, 128, 2]);
  assert.equal(train.classes.length, 11);
  assert.deepEqual(
    Array.from({ length: 22 }, (_, i) => train.label(i)),
    Array.from({ length: 22 }, (_, i) => i % 11),
  );
  for (const i of [0, 10, 12, 21, 3]) {
    const r = recs.get(i < 11 ? 'user01_fluorescent' : 'user02_led')!;
    assert.deepEqual(
      Array.from(readSample(train, i)),
      Array.from(framesRef(r.windows[i % 11]!, 4, 128)),
      `sample ${i}`,
    );
  }
  const test_ = await openDataset('dvs-gesture', 'test', { dataDir: dir, T: 2 });
  assert.equal(test_.length, 11);
  assert.deepEqual(
    Array.from(readSample(test_, 6)),
    Array.from(framesRef(recs.get('user24_natural')!.windows[6]!, 2, 128)),
  );
  // the dataset's own trial lists take precedence over user numbers
  put(join(dir, 'trials_to_test.txt'), 'user02_led.aedat\n\n');
  assert.equal(new DvsGesture('test', { dataDir: dir, T: 2 }).length, 11);
  assert.equal(new DvsGesture('test', { dataDir: dir, T: 2 }).label(4), 4);
});

test('AEDAT 3.1 and label files: timestamps with overflow; malformed files one line naming the file', () => {
  const e = parseAedat3(aedat3Bytes([polarityPacket([{ x: 127, y: 3, pol: 1, t: 7 }], 2)]), 'o.aedat');
  assert.deepEqual([e.x[0], e.y[0], e.p[0], e.t[0]], [127, 3, 1, 2 * 2 ** 31 + 7]);
  const good = polarityPacket(randomEvents(3, 10, 128));
  rejects(
    () => parseAedat3(new TextEncoder().encode('#!AER-DAT2.0\r\n'), 'v2.aedat'),
    'E_FORMAT',
    'v2.aedat: not an AEDAT 3.x file',
  );
  rejects(
    () => parseAedat3(aedat3Bytes([good], ['#!AER-DAT3.1', '#Format: RAW']), 'noend.aedat'),
    'E_FORMAT',
    'noend.aedat: the AEDAT header has no #!END-HEADER line',
  );
  const full = aedat3Bytes([good]);
  rejects(
    () => parseAedat3(full.subarray(0, full.length - 3), 'cut.aedat'),
    'E_TRUNCATED',
    /cut\.aedat: the packet at byte \d+ declares 80 bytes of events, the file has 77 left/,
  );
  rejects(
    () => parseAedat3(aedat3Bytes([good, good.subarray(0, 10)]), 'head.aedat'),
    'E_TRUNCATED',
    /head\.aedat: the packet header at byte \d+ is cut off \(10 of 28 bytes\)/,
  );
  const wide = polarityPacket([{ x: 0, y: 0, pol: 0, t: 0 }]);
  new DataView(wide.buffer).setUint32(28, (200 << 17) | 1, true);
  rejects(
    () => parseAedat3(aedat3Bytes([wide]), 'wide.aedat'),
    'E_FORMAT',
    /wide\.aedat: event at byte \d+ at \(x 200, y 0\) lies outside the 128×128/,
  );
  const badSize = polarityPacket([{ x: 0, y: 0, pol: 0, t: 0 }]);
  new DataView(badSize.buffer).setInt32(20, 5, true); // 5 events in a packet of capacity 1
  rejects(() => parseAedat3(aedat3Bytes([badSize]), 'count.aedat'), 'E_FORMAT', 'count.aedat: bad packet header');

  assert.deepEqual(parseGestureLabels('class,startTime_usec,endTime_usec\n11,5,9\n', 'l.csv'), [
    { label: 10, start: 5, end: 9 },
  ]);
  rejects(
    () => parseGestureLabels('class,start,end\n12,5,9\n', 'l.csv'),
    'E_FORMAT',
    'l.csv: line 2 "12,5,9": class 12 is not one of 1…11',
  );
  rejects(() => parseGestureLabels('class,start,end\n3,9,5\n', 'l.csv'), 'E_FORMAT', 'is empty or negative');
  rejects(() => parseGestureLabels('class,start,end\n3,abc\n', 'l.csv'), 'E_FORMAT', 'expected three integers');
  rejects(() => parseGestureLabels('class,start,end\n', 'l.csv'), 'E_FORMAT', 'l.csv: no gesture windows');

  const dir = tempDir('gesture-bad');
  const r = recording(5);
  put(join(dir, 'user03_led.aedat'), r.bytes.subarray(0, r.bytes.length - 5));
  put(join(dir, 'user03_led_labels.csv'), r.csv);
  const ds = new DvsGesture('train', { dataDir: dir, T: 2 });
  rejects(() => readSample(ds, 0), 'E_TRUNCATED', `${join(dir, 'user03_led.aedat')}: the packet at byte`);
  put(join(dir, 'user04_led.aedat'), r.bytes);
  rejects(
    () => new DvsGesture('train', { dataDir: dir, T: 2 }),
    'E_NOT_FOUND',
    `${join(dir, 'user04_led_labels.csv')}: the recording has no _labels.csv`,
  );
  put(join(dir, 'user04_led_labels.csv'), `class,s,e\n1,${10 ** 9},${10 ** 9 + 5}\n`);
  const late = new DvsGesture('train', { dataDir: dir, T: 2 });
  rejects(() => readSample(late, 11), 'E_FORMAT', "user04_led.aedat: no events in gesture 1's window");
  rejects(() => new DvsGesture('test', { dataDir: dir, T: 2 }), 'E_NOT_FOUND', 'no DVS Gesture test recordings');
  rejects(
    () => new DvsGesture('test', { dataDir: join(dir, 'nope'), T: 2 }),
    'E_NOT_FOUND',
    'DVS Gesture folder not found',
  );
});
