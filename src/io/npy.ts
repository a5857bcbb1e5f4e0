/**
 * NumPy's .npy format, read and written without a dependency: the magic "\x93NUMPY", a version byte pair, the
 * header's length (2 bytes little-endian for version 1.0, 4 bytes for 2.0 and 3.0), and the header itself, a Python
 * dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (T, B, 10), } padded with spaces to a multiple of
 * 64 bytes and ended by '\n'; the data follows in C order. Reading converts every supported dtype (float32/64,
 * int/uint 8/16/32, bool, either byte order) to float32, the only type a network reads; writing writes float32.
 */

import { readBytes } from '../data/files.js';
import { SpikerepError } from '../errors.js';
import { writeFileAtomic } from './atomic-write.js';

export interface NpyArray {
  readonly shape: readonly number[];
  /** The file's dtype as NumPy names it (float32, uint8, bool, …). */
  readonly dtype: string;
  readonly data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** NumPy's type letter and size → dtype name, and how to read one element from a DataView. */
const DTYPES: Record<string, { name: string; read: (v: DataView, at: number, little: boolean) => number }> = {
  f4: { name: 'float32', read: (v, at, le) => v.getFloat32(at, le) },
  f8: { name: 'float64', read: (v, at, le) => v.getFloat64(at, le) },
  i1: { name: 'int8', read: (v, at) => v.getInt8(at) },
  i2: { name: 'int16', read: (v, at, le) => v.getInt16(at, le) },
  i4: { name: 'int32', read: (v, at, le) => v.getInt32(at, le) },
  u1: { name: 'uint8', read: (v, at) => v.getUint8(at) },
  u2: { name: 'uint16', read: (v, at, le) => v.getUint16(at, le) },
  u4: { name: 'uint32', read: (v, at, le) => v.getUint32(at, le) },
  b1: { name: 'bool', read: (v, at) => (v.getUint8(at) === 0 ? 0 : 1) },
};

/** Reads an .npy file as float32; `what` names it in errors ("--input"). */
export function readNpy(path: string, what: string): NpyArray {
  return parseNpy(readBytes(path, `${what} file`), path);
}

export function parseNpy(bytes: Uint8Array, path: string): NpyArray {
  const fail = (msg: string): never => {
    throw new SpikerepError('E_FORMAT', msg, path);
  };
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) fail('not a NumPy .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  if (major < 1 || major > 3) fail(`unsupported .npy version ${major}.${bytes[7]} (1.0, 2.0 and 3.0 are read)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) fail('truncated .npy header');
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataStart = 8 + lenBytes + headerLen;
  if (dataStart > bytes.length) fail(`truncated .npy header (declares ${headerLen} bytes)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(8 + lenBytes, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  if (descr === undefined)
    fail(
      /'descr'\s*:\s*\[/.test(header)
        ? 'structured dtypes are not supported (a plain numeric array is expected)'
        : "the .npy header has no 'descr'",
    );
  const order = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  if (order === undefined) fail("the .npy header has no 'fortran_order'");
  if (order === 'True') fail('Fortran-order arrays are not supported: save with np.ascontiguousarray(x)');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) fail("the .npy header has no 'shape'");
  const dims = shapeText!
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (!dims.every((d) => /^\d+L?$/.test(d))) fail(`bad shape (${shapeText}) in the .npy header`);
  const shape = dims.map((d) => Number.parseInt(d, 10));
  const code = descr!.slice(1);
  const byteOrder = descr![0];
  if (code === 'O') fail('object arrays are not supported (a plain numeric array is expected)');
  const type = Object.hasOwn(DTYPES, code) ? DTYPES[code] : undefined;
  if (type === undefined || !['<', '>', '|', '='].includes(byteOrder ?? ''))
    fail(`dtype '${descr}' is not supported (float32, float64, int8/16/32, uint8/16/32 or bool)`);
  const size = Number.parseInt(code.slice(1), 10);
  const count = shape.reduce((a, b) => a * b, 1);
  const have = bytes.length - dataStart;
  if (!Number.isSafeInteger(count * size) || have < count * size)
    throw new SpikerepError(
      'E_TRUNCATED',
      `truncated .npy data: shape [${shape.join(', ')}] of ${type!.name} needs ${count * size} bytes, the file has ${have}`,
      path,
    );
  const little = byteOrder === '<' || byteOrder === '|' || (byteOrder === '=' && littleEndianHost());
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = type!.read(view, dataStart + i * size, little);
  return { shape, dtype: type!.name, data };
}

function littleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** The bytes of a version 1.0 .npy file holding `data` as little-endian float32 of `shape`. */
export function npyBytes(shape: readonly number[], data: Float32Array): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new SpikerepError('E_SHAPE', `shape [${shape.join(', ')}] holds ${count} values, got ${data.length}`, 'npy');
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  // magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64, as NumPy writes it
  header += ' '.repeat((64 - ((10 + header.length + 1) % 64)) % 64);
  header += '\n';
  const out = new Uint8Array(10 + header.length + 4 * count);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  const view = new DataView(out.buffer);
  view.setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const base = 10 + header.length;
  for (let i = 0; i < count; i++) view.setFloat32(base + 4 * i, data[i]!, true);
  return out;
}

/** Writes `data` as a float32 .npy file of `shape`, atomically. */
export function writeNpy(path: string, shape: readonly number[], data: Float32Array, what: string): void {
  writeFileAtomic(path, npyBytes(shape, data), { what });
}
