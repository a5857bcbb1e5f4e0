/**
 * Reading an HDF5 dataset of variable-length numeric arrays (one array per row, as the Heidelberg spiking datasets
 * store spike times and units) with h5wasm. h5wasm decodes integer and float32/float64 elements itself but refuses
 * float16, which the published files may use for times; for those the rows are read as raw hvl_t records (length,
 * pointer: two 4-byte words in wasm32) and the half-precision values decoded here.
 */
import type h5wasm from 'h5wasm/node';
import { SpikerepError } from '../errors.js';

type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

/** The subset of the Emscripten module this file calls (what h5wasm's own slice() calls). */
interface RawModule {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(p: number): void;
  get_dataset_data(
    file: bigint,
    path: string,
    count: bigint[],
    offset: bigint[],
    strides: bigint[],
    ptr: bigint,
  ): number;
  reclaim_vlen_memory_count(file: bigint, path: string, attr: string, ptr: bigint, count: bigint[]): number;
}

/** IEEE 754 half precision → number. */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Every row of a 1-D vlen dataset, as the typed array h5wasm gives (64-bit integers as Int32Array, float16 as
 * Float32Array): kept compact, since the Heidelberg files hold tens of millions of spikes. `module`: what
 * h5wasm.ready resolved to.
 */
export function readVlenRows(module: unknown, ds: H5Dataset, what: string, path: string): ArrayLike<number>[] {
  const meta = ds.metadata as { type: number; shape?: number[]; vlen_type?: { type: number; size: number } };
  const base = meta.vlen_type;
  if (meta.type !== 9 || base === undefined || (meta.shape?.length ?? 0) !== 1)
    throw new SpikerepError('E_FORMAT', `${what} is not a 1-D dataset of variable-length arrays`, path);
  if (base.type === 1 && base.size === 2) return readHalfRows(module as RawModule, ds, meta.shape![0]!);
  if (base.type !== 0 && base.type !== 1)
    throw new SpikerepError('E_FORMAT', `${what} holds non-numeric elements (HDF5 type class ${base.type})`, path);
  const rows = ds.value as unknown as (ArrayLike<number> | BigInt64Array | BigUint64Array)[];
  return rows.map((r) =>
    r instanceof BigInt64Array || r instanceof BigUint64Array ? Int32Array.from(r, (v) => Number(v)) : r,
  );
}

function readHalfRows(m: RawModule, ds: H5Dataset, n: number): Float32Array[] {
  const count = [BigInt(n)];
  const ptr = m._malloc(Math.max(8, 8 * n));
  try {
    m.get_dataset_data(ds.file_id, ds.path, count, [0n], [1n], BigInt(ptr));
    const words = new Uint32Array(m.HEAPU8.slice(ptr, ptr + 8 * n).buffer);
    const rows: Float32Array[] = [];
    for (let i = 0; i < n; i++) {
      const len = words[2 * i]!;
      const at = words[2 * i + 1]!;
      const bytes = m.HEAPU8.slice(at, at + 2 * len);
      const halves = new Uint16Array(bytes.buffer, 0, len);
      rows.push(Float32Array.from(halves, halfToNumber));
    }
    return rows;
  } finally {
    m.reclaim_vlen_memory_count(ds.file_id, ds.path, '', BigInt(ptr), count);
    m._free(ptr);
  }
}
