/**
 * RIFF/WAVE files: PCM 8/16/24/32-bit integer or 32-bit float, any channel count, read as mono float32 in [−1, 1]
 * (channels averaged); written as 16-bit PCM mono. Chunks other than 'fmt ' and 'data' are skipped.
 */
import { SpikerepError } from '../errors.js';

export interface Wave {
  readonly sampleRate: number;
  readonly samples: Float32Array;
}

export function parseWav(bytes: Uint8Array, path: string): Wave {
  const fail = (msg: string): never => {
    throw new SpikerepError('E_FORMAT', msg, path);
  };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') fail('not a WAV file (no RIFF/WAVE header)');
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let at = 12;
  while (at + 8 <= bytes.length) {
    const id = tag(at);
    // espeak-ng writes the data chunk's size as 0x7fffffff when it streams: clamp to what the file holds
    const size = Math.min(v.getUint32(at + 4, true), bytes.length - at - 8);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16) fail("the 'fmt ' chunk is too short");
      fmt = {
        format: v.getUint16(body, true),
        channels: v.getUint16(body + 2, true),
        rate: v.getUint32(body + 4, true),
        bits: v.getUint16(body + 14, true),
      };
      if (fmt.format === 0xfffe && size >= 26) fmt.format = v.getUint16(body + 24, true); // WAVE_FORMAT_EXTENSIBLE
    } else if (id === 'data') {
      if (fmt === undefined) fail("the 'data' chunk comes before 'fmt '");
      const { format, channels, rate, bits } = fmt!;
      const width = bits / 8;
      const float = format === 3 && bits === 32;
      if (!(format === 1 && [8, 16, 24, 32].includes(bits)) && !float)
        fail(`unsupported sample format ${format} with ${bits} bits (PCM 8/16/24/32 or float 32 are read)`);
      if (channels < 1) fail('no channels');
      const frames = Math.floor(size / (width * channels));
      const out = new Float32Array(frames);
      for (let n = 0; n < frames; n++) {
        let sum = 0;
        for (let c = 0; c < channels; c++) {
          const p = body + (n * channels + c) * width;
          sum += float
            ? v.getFloat32(p, true)
            : bits === 8
              ? (v.getUint8(p) - 128) / 128
              : bits === 16
                ? v.getInt16(p, true) / 32768
                : bits === 24
                  ? ((v.getUint8(p) | (v.getUint8(p + 1) << 8) | (v.getInt8(p + 2) << 16)) as number) / 8388608
                  : v.getInt32(p, true) / 2147483648;
        }
        out[n] = sum / channels;
      }
      return { sampleRate: rate, samples: out };
    }
    at = body + size + (size & 1);
  }
  return fail("no 'data' chunk");
}

/** 16-bit PCM mono, samples clipped to [−1, 1]. */
export function wavBytes(samples: Float32Array, sampleRate: number): Uint8Array {
  const out = new Uint8Array(44 + 2 * samples.length);
  const v = new DataView(out.buffer);
  const put = (at: number, s: string) => {
    for (let i = 0; i < 4; i++) out[at + i] = s.charCodeAt(i);
  };
  put(0, 'RIFF');
  v.setUint32(4, 36 + 2 * samples.length, true);
  put(8, 'WAVE');
  put(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, 1, true);
  v.setUint16(22, 1, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * 2, true);
  v.setUint16(32, 2, true);
  v.setUint16(34, 16, true);
  put(36, 'data');
  v.setUint32(40, 2 * samples.length, true);
  for (let n = 0; n < samples.length; n++)
    v.setInt16(44 + 2 * n, Math.round(Math.max(-1, Math.min(1, samples[n]!)) * 32767), true);
  return out;
}
