/**
 * The safetensors format (float32 tensors only): an 8-byte little-endian header length, a JSON header
 * { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: { key: text } } with offsets into the data that
 * follows, then the raw little-endian bytes. The header is padded with spaces so the data starts 8-byte aligned.
 */
import { SpikerepError } from '../errors.js';

export interface SafeTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export function encodeSafetensors(tensors: readonly SafeTensor[], metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    const bytes = t.data.length * 4;
    header[t.name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const t of tensors) {
    // copied through a Buffer view so the bytes are little-endian whatever the host (Float32Array is host order)
    for (let i = 0; i < t.data.length; i++) out.writeFloatLE(t.data[i]!, at + 4 * i);
    at += t.data.length * 4;
  }
  return out;
}

/** Every tensor of a safetensors file (float32 only); `where` names the file in errors. */
export function decodeSafetensors(
  bytes: Buffer,
  where: string,
): { tensors: Map<string, SafeTensor>; metadata: Record<string, string> } {
  const bad = (what: string): never => {
    throw new SpikerepError('E_FORMAT', `not a safetensors file of float32 tensors: ${what}`, where);
  };
  if (bytes.length < 8) bad('shorter than its 8-byte header length');
  const n = Number(bytes.readBigUInt64LE(0));
  if (n > bytes.length - 8) bad(`header of ${n} bytes in a file of ${bytes.length}`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, unknown>;
  } catch {
    return bad('the header is not JSON');
  }
  const data = bytes.subarray(8 + n);
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: off } = info as { dtype: unknown; shape: unknown; data_offsets: unknown };
    if (dtype !== 'F32') bad(`${name} has dtype ${String(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) bad(`${name} has no valid shape`);
    const [begin, end] = Array.isArray(off) ? (off as number[]) : [];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (!Number.isInteger(begin) || end !== begin! + 4 * count || end! > data.length)
      bad(`${name}'s data_offsets do not hold ${count} float32 values`);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = data.readFloatLE(begin! + 4 * i);
    tensors.set(name, { name, shape: shape as number[], data: values });
  }
  return { tensors, metadata };
}
