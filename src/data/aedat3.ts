/**
 * AEDAT 3.1 files (jAER/cAER, as DVS128 Gesture was recorded), polarity events only:
 *  - header: text lines starting with '#', the first "#!AER-DAT3.1", the last "#!END-HEADER";
 *  - then packets, each a 28-byte little-endian header — int16 type, int16 source, int32 event size, int32 timestamp
 *    offset, int32 timestamp overflow, int32 capacity, int32 event count, int32 valid count — followed by
 *    capacity × size bytes of events;
 *  - a polarity event (type 1) is a little-endian uint32 — bit 0 valid, bit 1 polarity, bits 2–16 y, bits 17–31 x —
 *    then an int32 timestamp in µs; the full time is overflow·2³¹ + timestamp.
 * Packets of other types (special events, frames, IMU) are skipped, and so are events whose valid bit is 0.
 * Polarity is kept as recorded (1 ON, 0 OFF), x and y as the sensor gives them (row = y, column = x).
 */
import { SpikerepError } from '../errors.js';
import { DVS_SIZE } from './aedat.js';

/** Polarity events in file order, with their full timestamps in µs. */
export interface TimedEvents {
  readonly t: Float64Array;
  readonly x: Uint8Array;
  readonly y: Uint8Array;
  readonly p: Uint8Array;
}

const PACKET_HEADER = 28;
const POLARITY_EVENT = 1;
const END_HEADER = '#!END-HEADER';

/** Byte offset of the first packet: after the "#!END-HEADER" line. */
function dataStart(bytes: Uint8Array, path: string): number {
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(bytes.length, 16)));
  if (!head.startsWith('#!AER-DAT3'))
    throw new SpikerepError('E_FORMAT', 'not an AEDAT 3.x file: the first line must be #!AER-DAT3.1', path);
  let pos = 0;
  while (pos < bytes.length && bytes[pos] === 0x23) {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) break;
    const line = new TextDecoder('latin1').decode(bytes.subarray(pos, nl)).trimEnd();
    pos = nl + 1;
    if (line === END_HEADER) return pos;
  }
  throw new SpikerepError('E_FORMAT', `the AEDAT header has no ${END_HEADER} line`, path);
}

export function parseAedat3(bytes: Uint8Array, path: string): TimedEvents {
  let pos = dataStart(bytes, path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // at most one event per 8 bytes: allocate once, fill, trim
  const cap = Math.floor((bytes.length - pos) / 8);
  const t = new Float64Array(cap);
  const x = new Uint8Array(cap);
  const y = new Uint8Array(cap);
  const p = new Uint8Array(cap);
  let n = 0;
  while (pos < bytes.length) {
    if (bytes.length - pos < PACKET_HEADER)
      throw new SpikerepError(
        'E_TRUNCATED',
        `the packet header at byte ${pos} is cut off (${bytes.length - pos} of ${PACKET_HEADER} bytes)`,
        path,
      );
    const type = view.getInt16(pos, true);
    const size = view.getInt32(pos + 4, true);
    const tsOffset = view.getInt32(pos + 8, true);
    const overflow = view.getInt32(pos + 12, true);
    const capacity = view.getInt32(pos + 16, true);
    const count = view.getInt32(pos + 20, true);
    if (size < 1 || capacity < 0 || count < 0 || count > capacity)
      throw new SpikerepError(
        'E_FORMAT',
        `bad packet header at byte ${pos} (event size ${size}, capacity ${capacity}, events ${count})`,
        path,
      );
    const body = pos + PACKET_HEADER;
    const length = capacity * size;
    if (body + length > bytes.length)
      throw new SpikerepError(
        'E_TRUNCATED',
        `the packet at byte ${pos} declares ${length} bytes of events, the file has ${bytes.length - body} left: the last event is cut off`,
        path,
      );
    if (type === POLARITY_EVENT) {
      if (size < 8 || tsOffset < 0 || tsOffset + 4 > size)
        throw new SpikerepError(
          'E_FORMAT',
          `polarity packet at byte ${pos}: event size ${size} and timestamp offset ${tsOffset} do not fit 8-byte events`,
          path,
        );
      for (let i = 0; i < count; i++) {
        const at = body + i * size;
        const data = view.getUint32(at, true);
        if ((data & 1) === 0) continue;
        const ex = data >>> 17;
        const ey = (data >>> 2) & 0x7fff;
        if (ex >= DVS_SIZE || ey >= DVS_SIZE)
          throw new SpikerepError(
            'E_FORMAT',
            `event at byte ${at} at (x ${ex}, y ${ey}) lies outside the 128×128 DVS128 sensor`,
            path,
          );
        x[n] = ex;
        y[n] = ey;
        p[n] = (data >>> 1) & 1;
        t[n] = overflow * 2 ** 31 + view.getInt32(at + tsOffset, true);
        n++;
      }
    }
    pos = body + length;
  }
  return { t: t.subarray(0, n), x: x.subarray(0, n), y: y.subarray(0, n), p: p.subarray(0, n) };
}
