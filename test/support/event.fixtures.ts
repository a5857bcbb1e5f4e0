/**
 * Event-camera files in the real formats, built from the format notes (src/data/nmnistEvents.ts, aedat3.ts):
 * N-MNIST's 5-byte events and AEDAT 3.1 files of polarity and special-event packets.
 */

export interface CameraEvent {
  x: number;
  y: number;
  pol: number;
  t: number;
}

/** N-MNIST: x, y, then the polarity in the top bit and a 23-bit µs timestamp, most significant byte first. */
export function nmnistBytes(events: readonly CameraEvent[]): Uint8Array {
  const out = new Uint8Array(5 * events.length);
  events.forEach((e, i) => {
    out.set([e.x, e.y, (e.pol << 7) | ((e.t >>> 16) & 0x7f), (e.t >>> 8) & 0xff, e.t & 0xff], 5 * i);
  });
  return out;
}

/** An AEDAT 3.1 file: the header lines (ending in \r\n, as cAER writes them), then the packets. */
export function aedat3Bytes(
  packets: readonly Uint8Array[],
  header = ['#!AER-DAT3.1', '#Format: RAW', '#Source 1: DVS128', '#!END-HEADER'],
): Uint8Array {
  const head = new TextEncoder().encode(header.map((l) => `${l}\r\n`).join(''));
  const out = new Uint8Array(head.length + packets.reduce((a, p) => a + p.length, 0));
  out.set(head);
  let at = head.length;
  for (const p of packets) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A packet of 8-byte polarity events (type 1); `invalid` clears those events' valid bit, `spare` adds unused capacity. */
export function polarityPacket(
  events: readonly CameraEvent[],
  overflow = 0,
  invalid: ReadonlySet<number> = new Set(),
  spare = 0,
): Uint8Array {
  const capacity = events.length + spare;
  const out = new Uint8Array(28 + 8 * capacity);
  const v = new DataView(out.buffer);
  v.setInt16(0, 1, true);
  v.setInt16(2, 1, true);
  v.setInt32(4, 8, true);
  v.setInt32(8, 4, true);
  v.setInt32(12, overflow, true);
  v.setInt32(16, capacity, true);
  v.setInt32(20, events.length, true);
  v.setInt32(24, events.length - invalid.size, true);
  events.forEach((e, i) => {
    const data = ((e.x << 17) | (e.y << 2) | (e.pol << 1) | (invalid.has(i) ? 0 : 1)) >>> 0;
    v.setUint32(28 + 8 * i, data, true);
    v.setInt32(28 + 8 * i + 4, e.t, true);
  });
  return out;
}

/** A special-event packet (type 0) of n 8-byte events, which a polarity reader skips. */
export function specialPacket(n: number): Uint8Array {
  const out = new Uint8Array(28 + 8 * n);
  const v = new DataView(out.buffer);
  v.setInt32(4, 8, true);
  v.setInt32(8, 4, true);
  v.setInt32(16, n, true);
  v.setInt32(20, n, true);
  out.fill(0xab, 28);
  return out;
}

/** A seeded stream of 32-bit values (a linear congruential generator): fixtures the same on every run. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** n events at seeded positions in a size×size sensor, seeded polarities, times t0, t0 + 3, … */
export function randomEvents(seed: number, n: number, size: number, t0 = 0): CameraEvent[] {
  const next = lcg(seed);
  return Array.from({ length: n }, (_, i) => ({
    x: next() % size,
    y: next() % size,
    pol: (next() >>> 7) & 1,
    t: t0 + 3 * i,
  }));
}
