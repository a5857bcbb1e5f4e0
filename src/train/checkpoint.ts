import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { totalmem } from 'node:os';
import { SpikerepError } from '../errors.js';
import { removeStaleTemps as removeStaleFileTemps, writeFileAtomic } from '../io/atomic-write.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_MAGIC,
  checkpointLead,
  checkpointPayload,
  type CheckpointHeader as Header,
  type NamedArray,
} from './checkpoint-bytes.js';

/**
 * Checkpoint file: one self-describing binary file.
 *   bytes 0..7   magic "SPKRCKPT"
 *   bytes 8..11  header length L (uint32 little-endian)
 *   next L bytes UTF-8 JSON header: format version, metadata (config, epoch, RNG and optimiser state, …),
 *                the list of named float32 tensors with their offsets, and the SHA-256 of the payload
 *   payload      the tensors' float32 values, little-endian, back to back
 * It is written atomically (io/atomic-write.ts), so a crash leaves either the old checkpoint or the new one, never
 * half of one; a damaged file fails its checksum.
 */
export { CHECKPOINT_FORMAT, type NamedArray } from './checkpoint-bytes.js';

const MAGIC = CHECKPOINT_MAGIC;

export interface Checkpoint<M> {
  meta: M;
  tensors: Map<string, Float32Array>;
}

export function saveCheckpoint(path: string, meta: unknown, tensors: readonly NamedArray[]): void {
  const { entries, payload } = checkpointPayload(tensors);
  const sha256 = createHash('sha256').update(payload).digest('hex');
  const lead = checkpointLead(meta, entries, payload.length, sha256);
  writeFileAtomic(path, [lead, payload], {
    what: 'checkpoint',
    kept: 'the previous checkpoint is unchanged',
  });
}

export function loadCheckpoint<M>(path: string): Checkpoint<M> {
  return parseCheckpoint<M>(readCheckpointBytes(path), path);
}

/** The most bytes a checkpoint may have: half the machine's memory, and no more than one Buffer can hold. */
export function checkpointByteLimit(): number {
  return Math.min(Math.floor(totalmem() / 2), 2 ** 31 - 1);
}

/**
 * A checkpoint file's bytes, after checking it is a regular file of a plausible size: a device (/dev/zero), a
 * pipe or a folder would otherwise be read forever or fail obscurely, and a huge file would fill the memory.
 */
export function readCheckpointBytes(path: string): Buffer {
  const failed = (e: unknown): SpikerepError => {
    const code = (e as NodeJS.ErrnoException).code;
    return new SpikerepError(
      code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_IO',
      code === 'ENOENT' ? 'checkpoint not found' : `cannot read checkpoint (${code})`,
      path,
    );
  };
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory())
      throw new SpikerepError('E_ARG', 'is a folder: expected a checkpoint file such as best.ckpt', path);
    if (!st.isFile()) throw new SpikerepError('E_ARG', 'is not a regular file: expected a checkpoint file', path);
    size = st.size;
  } catch (e) {
    throw e instanceof SpikerepError ? e : failed(e);
  }
  const limit = checkpointByteLimit();
  if (size > limit)
    throw new SpikerepError('E_FORMAT', `is ${size} bytes, more than a checkpoint may have (${limit})`, path);
  // read at most the size seen above: a file that grows meanwhile cannot make this read more
  const buf = Buffer.alloc(size);
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r');
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } catch (e) {
    throw failed(e);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Decodes checkpoint bytes; anything malformed is a one-line SpikerepError naming `path`. */
export function parseCheckpoint<M>(bytes: Uint8Array, path: string): Checkpoint<M> {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 8) !== MAGIC) {
    throw new SpikerepError('E_FORMAT', 'not a spikerep checkpoint (bad magic bytes)', path);
  }
  const hlen = buf.readUInt32LE(8);
  if (12 + hlen > buf.length)
    throw new SpikerepError('E_TRUNCATED', 'checkpoint is truncated (header cut short)', path);
  let header: Header;
  try {
    header = JSON.parse(buf.toString('utf8', 12, 12 + hlen)) as Header;
  } catch {
    throw new SpikerepError('E_FORMAT', 'checkpoint header is not valid JSON', path);
  }
  if (typeof header !== 'object' || header === null || header.format !== CHECKPOINT_FORMAT) {
    throw new SpikerepError(
      'E_FORMAT',
      `unsupported checkpoint format ${String((header as Header | null)?.format)} (expected ${CHECKPOINT_FORMAT})`,
      path,
    );
  }
  const { tensors: list, payloadBytes, sha256 } = header;
  if (!Array.isArray(list) || !Number.isInteger(payloadBytes) || payloadBytes % 4 !== 0 || typeof sha256 !== 'string') {
    throw new SpikerepError('E_FORMAT', 'checkpoint header lacks its tensor list, payload size or checksum', path);
  }
  const payload = buf.subarray(12 + hlen);
  if (payload.length !== payloadBytes) {
    throw new SpikerepError(
      'E_TRUNCATED',
      `checkpoint payload has ${payload.length} bytes, expected ${payloadBytes}`,
      path,
    );
  }
  if (createHash('sha256').update(payload).digest('hex') !== sha256) {
    throw new SpikerepError('E_CHECKSUM', 'checkpoint is corrupted (SHA-256 mismatch)', path);
  }
  const aligned = new Float32Array(payload.length / 4);
  Buffer.from(aligned.buffer).set(payload);
  const tensors = new Map<string, Float32Array>();
  for (const t of list as unknown[]) {
    const e = (typeof t === 'object' && t !== null ? t : {}) as Partial<Header['tensors'][number]>;
    const { name, offset, length } = e;
    if (
      typeof name !== 'string' ||
      !Number.isInteger(offset) ||
      !Number.isInteger(length) ||
      offset! < 0 ||
      length! < 0 ||
      offset! + length! > aligned.length
    ) {
      throw new SpikerepError('E_FORMAT', `tensor ${String(name)} lies outside the payload`, path);
    }
    tensors.set(name, aligned.subarray(offset, offset! + length!));
  }
  return { meta: header.meta as M, tensors };
}

/**
 * Deletes temporary checkpoint files left in `dir` by processes that no longer run (a run killed mid-write);
 * a live process's file is left alone, so two runs sharing a folder never delete each other's work.
 */
export function removeStaleTemps(dir: string): string[] {
  return removeStaleFileTemps(dir, undefined, (target) => target.endsWith('.ckpt'));
}
