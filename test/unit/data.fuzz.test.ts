import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { framesByCount, parseAedat } from '../../src/data/aedat.js';
import { parseCifarBatch } from '../../src/data/cifar.js';
import { gunzipIfNeeded } from '../../src/data/files.js';
import { checkLabels, IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, parseIdx } from '../../src/data/idx.js';
import { SpikerepError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';
import { aedatBytes, cifarBytes, cifarImage, idxBytes } from '../support/data.fixtures.js';

/** One random mutation: flip bits, overwrite, truncate, extend, or splice random bytes. */
function mutate(src: Uint8Array, rng: Rng): Uint8Array {
  const b = src.slice();
  switch (rng.int(6)) {
    case 0:
      for (let k = 0, n = 1 + rng.int(4); k < n && b.length > 0; k++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return b;
    case 1:
      for (let k = 0, n = 1 + rng.int(8); k < n && b.length > 0; k++) b[rng.int(b.length)] = rng.int(256);
      return b;
    case 2:
      return b.subarray(0, rng.int(b.length + 1));
    case 3: {
      const out = new Uint8Array(b.length + 1 + rng.int(16));
      out.set(b);
      for (let k = b.length; k < out.length; k++) out[k] = rng.int(256);
      return out;
    }
    case 4: {
      const at = rng.int(b.length + 1);
      const ins = Uint8Array.from({ length: 1 + rng.int(8) }, () => rng.int(256));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at));
      out.set(ins, at);
      out.set(b.subarray(at), at + ins.length);
      return out;
    }
    default:
      return Uint8Array.from({ length: rng.int(64) }, () => rng.int(256));
  }
}

function fuzz(name: string, seed: number, seeds: Uint8Array[], parse: (b: Uint8Array) => void, runs = 1500): void {
  const rng = new Rng(seed);
  let refused = 0;
  for (let i = 0; i < runs; i++) {
    const input = mutate(seeds[i % seeds.length]!, rng);
    try {
      parse(input);
    } catch (e) {
      assert.ok(e instanceof SpikerepError, `${name}: input ${i} raised ${String(e)}`);
      refused++;
    }
  }
  assert.ok(refused > 0, `${name}: some mutations must be refused`);
}

test('IDX (plain and gzipped) parsers only ever raise the typed error', () => {
  const img = idxBytes(
    0x803,
    [2, 3, 3],
    Array.from({ length: 18 }, (_, i) => i),
  );
  const lab = idxBytes(0x801, [4], [1, 2, 3, 9]);
  const parse = (b: Uint8Array): void => {
    const raw = gunzipIfNeeded(b, 'f');
    const magic = raw.length >= 4 && raw[3] === 1 ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
    const idx = parseIdx(raw, magic, 'f');
    if (magic === IDX_LABELS_MAGIC) checkLabels(idx.data, 10, 'f');
  };
  fuzz('idx', 1, [img, lab], parse);
  fuzz('idx.gz', 2, [gzipSync(img), gzipSync(lab)], parse);
});

test('CIFAR batch parser only ever raises the typed error', () => {
  const c10 = cifarBytes([{ labels: [3], hwc: cifarImage(1) }]);
  const c100 = cifarBytes([{ labels: [2, 40], hwc: cifarImage(2) }]);
  fuzz('cifar10', 3, [c10], (b) => parseCifarBatch(b, 'cifar10', 'f'), 600);
  fuzz('cifar100', 4, [c100], (b) => parseCifarBatch(b, 'cifar100', 'f'), 600);
});

test('AEDAT parser and framing only ever raise the typed error', () => {
  const ev = aedatBytes([
    { x: 1, y: 2, pol: 1, t: 5 },
    { x: 127, y: 127, pol: 0, t: 6 },
    { x: 64, y: 3, pol: 1, t: 9 },
  ]);
  fuzz('aedat', 5, [ev, ev.subarray(ev.length - 24)], (b) => framesByCount(parseAedat(b, 'f'), 3));
});
