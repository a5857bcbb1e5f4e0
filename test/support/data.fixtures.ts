/**
 * Shared helpers for the data tests: a temporary folder, the typed-error assertion, and writers for the real file
 * formats (IDX, CIFAR binary batches, CIFAR10-DVS .aedat), written from the format definitions.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import type { Dataset } from '../../src/data/dataset.js';
import { SpikerepError } from '../../src/errors.js';
import { Rng } from '../../src/rng.js';

export function tempDir(tag: string): string {
  return mkdtempSync(join(tmpdir(), `spikerep-${tag}-`));
}

export function put(path: string, bytes: Uint8Array | string): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
  return path;
}

function literal(s: string): RegExp {
  return new RegExp(s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

/** Asserts fn throws a one-line SpikerepError with `code` whose message contains `fragment`. */
export function rejects(fn: () => unknown, code: string, fragment: string | RegExp): SpikerepError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  return checkError(caught, code, fragment);
}

export async function rejectsAsync(
  p: Promise<unknown>,
  code: string,
  fragment: string | RegExp,
): Promise<SpikerepError> {
  let caught: unknown;
  try {
    await p;
  } catch (e) {
    caught = e;
  }
  return checkError(caught, code, fragment);
}

function checkError(e: unknown, code: string, fragment: string | RegExp): SpikerepError {
  assert.ok(e instanceof SpikerepError, `expected a SpikerepError, got ${e === undefined ? 'no error' : String(e)}`);
  assert.equal(e.code, code, e.message);
  assert.match(e.message, typeof fragment === 'string' ? literal(fragment) : fragment);
  assert.ok(!e.message.includes('\n'), 'one-line message');
  return e;
}

export function idxBytes(magic: number, dims: number[], data: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, magic, false);
  dims.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

/**
 * CIFAR binary records from channels-last images: label byte(s), then the R plane, G plane, B plane (row-major).
 * labels: [fine] for CIFAR-10, [coarse, fine] for CIFAR-100.
 */
export function cifarBytes(samples: { labels: number[]; hwc: Uint8Array }[]): Uint8Array {
  const parts: number[] = [];
  for (const s of samples) {
    parts.push(...s.labels);
    for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) parts.push(s.hwc[p * 3 + c]!);
  }
  return Uint8Array.from(parts);
}

/** A deterministic pseudo-random image [32, 32, 3]. */
export function cifarImage(seed: number): Uint8Array {
  const a = new Uint8Array(3072);
  let s = seed * 2654435761;
  for (let i = 0; i < a.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    a[i] = s >>> 24;
  }
  return a;
}

export interface RawEvent {
  x: number; // raw sensor x (0..127), before the loader's 127 − x
  y: number;
  pol: number; // raw polarity bit
  t: number;
}

/** An .aedat file: '#' header lines, then per event a big-endian address (x<<1 | y<<8 | pol) and timestamp. */
export function aedatBytes(
  events: RawEvent[],
  header = [
    '#!AER-DAT2.0',
    '# This is a raw AE data file - do not edit',
    '# Data format is int32 address, int32 timestamp (8 bytes total)',
  ],
): Uint8Array {
  const head = new TextEncoder().encode(header.map((l) => `${l}\r\n`).join(''));
  const out = new Uint8Array(head.length + 8 * events.length);
  out.set(head);
  const v = new DataView(out.buffer, head.length);
  events.forEach((e, i) => {
    v.setUint32(8 * i, ((e.y << 8) | (e.x << 1) | e.pol) >>> 0, false);
    v.setUint32(8 * i + 4, e.t, false);
  });
  return out;
}

/** Mean and standard deviation over every value of a dataset, in float64. */
export function moments(ds: Dataset): { mean: number; std: number } {
  const n = ds.sampleShape.reduce((a, b) => a * b, 1);
  const buf = new Float32Array(n);
  let s = 0;
  let s2 = 0;
  for (let i = 0; i < ds.length; i++) {
    ds.read(i, buf, 0);
    for (let k = 0; k < n; k++) {
      s += buf[k]!;
      s2 += buf[k]! * buf[k]!;
    }
  }
  const count = n * ds.length;
  const mean = s / count;
  return { mean, std: Math.sqrt(s2 / count - mean * mean) };
}

/** A .zip with the given entries (deflated when `deflate`), written from the PKWARE layout: local headers, central
 * directory, end record. */
export function zipBytes(entries: { name: string; data: Uint8Array }[], deflate = true): Uint8Array {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const body = deflate ? deflateRawSync(e.data) : Buffer.from(e.data);
    const crc = crc32(e.data);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(deflate ? 8 : 0, 8);
    h.writeUInt16LE(33, 12); // 1980-01-01
    h.writeUInt32LE(crc, 14);
    h.writeUInt32LE(body.length, 18);
    h.writeUInt32LE(e.data.length, 22);
    h.writeUInt16LE(name.length, 26);
    local.push(h, name, body);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(deflate ? 8 : 0, 10);
    c.writeUInt16LE(33, 14);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(e.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(c, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return new Uint8Array(Buffer.concat([...local, cd, end]));
}

export { join };

/**
 * n 2×2 one-channel images of seeded normal noise of standard deviation `std`, labelled i mod 3: currents of a known
 * scale for threshold calibration and hybrid training's percentiles.
 */
export function gaussianImages(n: number, std: number): Dataset {
  const size = 4;
  const rng = new Rng(5);
  const data = new Float32Array(n * size).map(() => std * rng.normal());
  return {
    name: 'noise',
    length: n,
    sampleShape: [2, 2, 1],
    classes: ['a', 'b', 'c'],
    stats: undefined,
    normalized: true,
    label: (i) => i % 3,
    read: (i, out, o) => out.set(data.subarray(i * size, (i + 1) * size), o),
  };
}
