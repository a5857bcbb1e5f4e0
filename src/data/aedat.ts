/**
 * CIFAR10-DVS event files (.aedat, jAER format 1/2 as recorded for that dataset), read the way the DSR code's
 * SpikingJelly-derived loader reads them:
 *  - header: leading text lines whose first non-blank character is '#'; the first other line starts the data;
 *  - data: 8-byte records, a big-endian 32-bit address then a big-endian 32-bit timestamp (µs), no filtering;
 *  - address bits: x = bits 1–7 (mask 0xFE), y = bits 8–14 (mask 0x7F00), polarity = bit 0;
 *  - conventions applied on reading (docs/method.md §4.3): x is mirrored to 127 − x, y is kept, polarity becomes 1 − bit.
 * Frames are then built by equal event counts (framesByCount) and are channels-last [T, 128, 128, 2]:
 * channel 0 counts events whose converted polarity is 0, channel 1 the others; row = y, column = x.
 */
import { SpikerepError } from '../errors.js';

export const DVS_SIZE = 128;

export interface Events {
  readonly t: Uint32Array;
  readonly x: Uint8Array;
  readonly y: Uint8Array;
  /** Converted polarity (1 − raw bit). */
  readonly p: Uint8Array;
}

function isBlank(b: number): boolean {
  return b === 0x20 || (b >= 0x09 && b <= 0x0d);
}

/** Byte offset where the event records start, after the '#' header lines. */
export function headerLength(bytes: Uint8Array): number {
  let pos = 0;
  while (pos < bytes.length) {
    const nl = bytes.indexOf(0x0a, pos);
    const end = nl < 0 ? bytes.length : nl + 1;
    let k = pos;
    while (k < end && isBlank(bytes[k]!)) k++;
    if (k === end || bytes[k] !== 0x23) break; // a blank line or a non-comment line ends the header
    pos = end;
  }
  return pos;
}

export function parseAedat(bytes: Uint8Array, path: string): Events {
  const start = headerLength(bytes);
  const len = bytes.length - start;
  if (len % 8 !== 0) {
    throw new SpikerepError('E_TRUNCATED', `event data of ${len} bytes is not a whole number of 8-byte records`, path);
  }
  const n = len / 8;
  if (n === 0) throw new SpikerepError('E_TRUNCATED', 'no event records after the header', path);
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, len);
  const t = new Uint32Array(n);
  const x = new Uint8Array(n);
  const y = new Uint8Array(n);
  const p = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const addr = view.getUint32(8 * i, false);
    t[i] = view.getUint32(8 * i + 4, false);
    x[i] = 127 - ((addr & 0xfe) >>> 1);
    y[i] = (addr & 0x7f00) >>> 8;
    p[i] = 1 - (addr & 1);
  }
  return { t, x, y, p };
}

/** A sensor's size in pixels: 128 × 128 for the DVS128 (CIFAR10-DVS, DVS Gesture), 34 × 34 for N-MNIST's ATIS crop. */
export interface Sensor {
  readonly height: number;
  readonly width: number;
}

const DVS128: Sensor = { height: DVS_SIZE, width: DVS_SIZE };

/**
 * Integrates events into T frames holding equal numbers of events (SpikingJelly's split_by='number'): with
 * d = ⌊N/T⌋, frame j counts events [j·d, (j+1)·d), and the last frame also takes the remainder up to N.
 * Output: event counts, channels-last [T, height, width, 2] (channel = polarity 0 or 1), written into `out`
 * (zeroed here). Every event-camera loader frames this way.
 */
export function framesByCount(
  ev: Events,
  T: number,
  out: Float32Array = new Float32Array(T * DVS_SIZE * DVS_SIZE * 2),
  sensor: Sensor = DVS128,
): Float32Array {
  const n = ev.t.length;
  const d = Math.floor(n / T);
  out.fill(0);
  const frame = sensor.height * sensor.width * 2;
  for (let j = 0; j < T; j++) {
    const lo = j * d;
    const hi = j === T - 1 ? n : lo + d;
    const base = j * frame;
    for (let i = lo; i < hi; i++) {
      out[base + (ev.y[i]! * sensor.width + ev.x[i]!) * 2 + (ev.p[i] === 0 ? 0 : 1)]! += 1;
    }
  }
  return out;
}
