/**
 * N-MNIST's event files (one .bin per sample, recorded with an ATIS sensor by saccades over MNIST digits): a headerless
 * stream of 40-bit events, 5 bytes each,
 *   byte 0: x (0–33) · byte 1: y (0–33) · byte 2 bit 7: polarity (1 ON, 0 OFF) ·
 *   byte 2 bits 6–0, byte 3, byte 4: the timestamp in µs, 23 bits, most significant first.
 * An event with y = 240 is the ATIS format's timestamp-overflow marker, not a pixel: it is skipped (N-MNIST's
 * recordings last about 0.3 s, far below the 23-bit range, and the framing uses the order of events, not their times).
 */
import { SpikerepError } from '../errors.js';
import type { Events, Sensor } from './aedat.js';

export const NMNIST_SENSOR: Sensor = { height: 34, width: 34 };
const OVERFLOW_MARKER_Y = 240;

export function parseNmnist(bytes: Uint8Array, path: string): Events {
  if (bytes.length % 5 !== 0)
    throw new SpikerepError(
      'E_TRUNCATED',
      `N-MNIST event data of ${bytes.length} bytes is not a whole number of 5-byte events: the last event is cut off`,
      path,
    );
  const total = bytes.length / 5;
  const t = new Uint32Array(total);
  const x = new Uint8Array(total);
  const y = new Uint8Array(total);
  const p = new Uint8Array(total);
  let n = 0;
  for (let i = 0; i < total; i++) {
    const at = 5 * i;
    const ex = bytes[at]!;
    const ey = bytes[at + 1]!;
    if (ey === OVERFLOW_MARKER_Y) continue;
    if (ex >= NMNIST_SENSOR.width || ey >= NMNIST_SENSOR.height)
      throw new SpikerepError(
        'E_FORMAT',
        `event ${i} at (x ${ex}, y ${ey}) lies outside the 34×34 N-MNIST sensor: not an N-MNIST .bin file`,
        path,
      );
    const b2 = bytes[at + 2]!;
    x[n] = ex;
    y[n] = ey;
    p[n] = b2 >>> 7;
    t[n] = ((b2 & 0x7f) << 16) | (bytes[at + 3]! << 8) | bytes[at + 4]!;
    n++;
  }
  if (n === 0) throw new SpikerepError('E_TRUNCATED', 'no events in the N-MNIST file', path);
  return { t: t.subarray(0, n), x: x.subarray(0, n), y: y.subarray(0, n), p: p.subarray(0, n) };
}
