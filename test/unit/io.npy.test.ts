/** The .npy reader and writer against files built byte by byte from NumPy's format notes, and against NumPy itself when installed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSpikerepError } from '../../src/errors.js';
import { npyBytes, parseNpy, readNpy, writeNpy } from '../../src/io/npy.js';

/** An .npy file: magic, version, header length (2 or 4 bytes), the header padded to 64, then `body`. */
function npy(header: string, body: Uint8Array, major = 1): Uint8Array {
  const lenBytes = major === 1 ? 2 : 4;
  let h = header;
  while ((8 + lenBytes + h.length + 1) % 64 !== 0) h += ' ';
  h += '\n';
  const head = new TextEncoder().encode(h);
  const out = new Uint8Array(8 + lenBytes + head.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const v = new DataView(out.buffer);
  if (major === 1) v.setUint16(8, head.length, true);
  else v.setUint32(8, head.length, true);
  out.set(head, 8 + lenBytes);
  out.set(body, 8 + lenBytes + head.length);
  return out;
}

const dict = (descr: string, shape: string, fortran = 'False'): string =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

function bytesOf(values: number[], write: (v: DataView, at: number, x: number) => void, size: number): Uint8Array {
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => write(v, i * size, x));
  return b;
}

test('reads every supported dtype, in both byte orders, as float32 with its shape', () => {
  const vals = [0, 1, -2, 3, 100, -7];
  const cases: [string, number, (v: DataView, at: number, x: number) => void, number[]][] = [
    ['<f4', 4, (v, a, x) => v.setFloat32(a, x, true), vals],
    ['>f4', 4, (v, a, x) => v.setFloat32(a, x, false), vals],
    ['<f8', 8, (v, a, x) => v.setFloat64(a, x + 0.25, true), vals.map((x) => x + 0.25)],
    ['|i1', 1, (v, a, x) => v.setInt8(a, x), vals],
    ['<i2', 2, (v, a, x) => v.setInt16(a, x, true), vals],
    ['>i4', 4, (v, a, x) => v.setInt32(a, x, false), vals],
    ['|u1', 1, (v, a, x) => v.setUint8(a, Math.abs(x)), vals.map(Math.abs)],
    ['<u2', 2, (v, a, x) => v.setUint16(a, Math.abs(x) * 600, true), vals.map((x) => Math.abs(x) * 600)],
    ['<u4', 4, (v, a, x) => v.setUint32(a, Math.abs(x) * 70000, true), vals.map((x) => Math.abs(x) * 70000)],
    ['|b1', 1, (v, a, x) => v.setUint8(a, x === 0 ? 0 : 1), vals.map((x) => (x === 0 ? 0 : 1))],
  ];
  for (const [descr, size, write, want] of cases) {
    const a = parseNpy(npy(dict(descr, '(2, 3)'), bytesOf(vals, write, size)), 'x.npy');
    assert.deepEqual(a.shape, [2, 3], descr);
    assert.deepEqual(Array.from(a.data), want, descr);
  }
});

test('versions 2.0 and 3.0 (4-byte header length), 1-D and 0-D shapes', () => {
  const body = bytesOf([5, 6], (v, a, x) => v.setFloat32(a, x, true), 4);
  for (const major of [2, 3]) {
    const a = parseNpy(npy(dict('<f4', '(2,)'), body, major), 'x.npy');
    assert.deepEqual(a.shape, [2]);
    assert.deepEqual(Array.from(a.data), [5, 6]);
  }
  const scalar = parseNpy(npy(dict('<f4', '()'), body.subarray(0, 4)), 's.npy');
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [5]);
});

test('the writer: a version 1.0 header padded to 64 bytes, little-endian float32, read back exactly', () => {
  const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
  const b = npyBytes([2, 3, 4], data);
  const headerLen = new DataView(b.buffer).getUint16(8, true);
  assert.equal((10 + headerLen) % 64, 0);
  const header = new TextDecoder().decode(b.subarray(10, 10 + headerLen));
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(2, 3, 4\), \} *\n$/);
  assert.equal(new DataView(b.buffer).getFloat32(10 + headerLen + 4, true), -2.5);
  const back = parseNpy(b, 'w.npy');
  assert.deepEqual(back.shape, [2, 3, 4]);
  assert.deepEqual(back.data, data);
  assert.match(new TextDecoder().decode(npyBytes([3], new Float32Array(3)).subarray(10, 70)), /'shape': \(3,\)/);
});

test('bad files: one line naming the file', () => {
  const f4 = bytesOf([1, 2, 3, 4], (v, a, x) => v.setFloat32(a, x, true), 4);
  const cases: [Uint8Array, RegExp][] = [
    [new TextEncoder().encode('just text, not numpy'), /bad\.npy: not a NumPy \.npy file/],
    [npy(dict('<f4', '(2, 2)', 'True'), f4), /Fortran-order arrays are not supported/],
    [npy(dict('|O', '(2, 2)'), f4), /object arrays are not supported/],
    [npy(dict('<c8', '(2,)'), f4), /dtype '<c8' is not supported/],
    [npy(dict('<__proto__', '(2,)'), f4), /dtype '<__proto__' is not supported/],
    [npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", f4), /structured dtypes/],
    [npy(dict('<f4', '(3, 2)'), f4), /truncated \.npy data: shape \[3, 2\] of float32 needs 24 bytes, the file has 16/],
    [npy(dict('<f4', '(2, 2)'), f4).subarray(0, 30), /truncated \.npy header/],
  ];
  for (const [bytes, pattern] of cases) {
    assert.throws(
      () => parseNpy(bytes, 'bad.npy'),
      (e: unknown) => isSpikerepError(e) && pattern.test(e.message) && !e.message.includes('\n'),
      String(pattern),
    );
  }
  assert.throws(() => readNpy('/nonexistent/in.npy', '--input'), /in\.npy: --input file not found/);
});

test('NumPy reads what we write and we read what NumPy writes (skipped without python3 + numpy)', (t) => {
  const probe = spawnSync('python3', ['-c', 'import numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('numpy not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'spikerep-npy-'));
  const ours = join(dir, 'ours.npy');
  writeNpy(ours, [2, 3], Float32Array.from([1, 2.5, -3, 4, 5, 6]), 'test file');
  const theirs = join(dir, 'theirs.npy');
  const py = `import numpy as np
a = np.load(${JSON.stringify(ours)})
assert a.dtype == np.float32 and a.shape == (2, 3), (a.dtype, a.shape)
print(','.join(str(x) for x in a.ravel()))
np.save(${JSON.stringify(theirs)}, np.arange(12, dtype=np.int16).reshape(3, 4) - 5)`;
  const r = spawnSync('python3', ['-c', py], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), '1.0,2.5,-3.0,4.0,5.0,6.0');
  const a = readNpy(theirs, '--input');
  assert.equal(a.dtype, 'int16');
  assert.deepEqual(a.shape, [3, 4]);
  assert.deepEqual(
    Array.from(a.data),
    Array.from({ length: 12 }, (_, i) => i - 5),
  );
});
