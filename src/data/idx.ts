/**
 * IDX files (the MNIST format): a big-endian 32-bit magic 0x000008NN (unsigned bytes, NN dimensions), NN big-endian
 * 32-bit sizes, then the bytes. Plain or gzipped. Only the two kinds spikerep needs are accepted: images
 * (0x00000803, [N, H, W]) and labels (0x00000801, [N]).
 */
import { SpikerepError } from '../errors.js';
import { checkDeclaredSize } from '../memory-budget.js';
import { gunzipIfNeeded, gunzipPrefix, isGzip, readBytes } from './files.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

function hex(m: number): string {
  return `0x${(m >>> 0).toString(16).padStart(8, '0')}`;
}

/** Parses IDX bytes (already decompressed) that must carry `magic`. */
export function parseIdx(bytes: Uint8Array, magic: number, path: string): IdxArray {
  const rank = magic & 0xff;
  const headerLen = 4 + 4 * rank;
  if (bytes.length < 4)
    throw new SpikerepError('E_TRUNCATED', `IDX file is ${bytes.length} bytes, too short for a header`, path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const got = view.getUint32(0, false);
  if (got !== magic) {
    throw new SpikerepError('E_IDX_MAGIC', `expected IDX magic ${hex(magic)}, found ${hex(got)}`, path);
  }
  if (bytes.length < headerLen) {
    throw new SpikerepError('E_TRUNCATED', `IDX header needs ${headerLen} bytes, file has ${bytes.length}`, path);
  }
  const dims: number[] = [];
  let count = 1;
  for (let d = 0; d < rank; d++) {
    const n = view.getUint32(4 + 4 * d, false);
    dims.push(n);
    count *= n;
  }
  const have = bytes.length - headerLen;
  if (have < count) {
    throw new SpikerepError(
      'E_TRUNCATED',
      `IDX dims [${dims.join(', ')}] need ${count} data bytes, file has ${have}`,
      path,
    );
  }
  if (have > count) {
    throw new SpikerepError(
      'E_SHAPE',
      `IDX dims [${dims.join(', ')}] need ${count} data bytes, file has ${have} (trailing bytes)`,
      path,
    );
  }
  return { dims, data: bytes.subarray(headerLen) };
}

/**
 * The bytes of an IDX file (plain or gzipped) that should carry `magic`. A gzip stream is inflated only after its
 * header's declared size passed the memory budget, and never past that size (plus one byte, so that trailing
 * data is still reported as such).
 */
export function readIdxBytes(path: string, magic: number, what: string): Uint8Array {
  const raw = readBytes(path, what);
  return isGzip(raw) ? gunzipIdx(raw, magic, path) : raw;
}

/** Inflates a gzipped IDX stream within the size its header declares (see readIdxBytes). */
export function gunzipIdx(gz: Uint8Array, magic: number, path: string): Uint8Array {
  const headerLen = 4 + 4 * (magic & 0xff);
  const head = gunzipPrefix(gz, headerLen);
  if (head.length < headerLen) return gunzipIfNeeded(gz, path, headerLen); // parseIdx names the damage
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (view.getUint32(0, false) !== magic) return head; // parseIdx reports the wrong magic
  const dims = Array.from({ length: magic & 0xff }, (_, d) => view.getUint32(4 + 4 * d, false));
  const count = dims.reduce((a, b) => a * b, 1); // a float product: 2^32 · 2^32 does not wrap
  checkDeclaredSize(headerLen + count, `IDX dims [${dims.join(', ')}]`, path);
  return gunzipIfNeeded(
    gz,
    path,
    headerLen + count + 1,
    `IDX dims [${dims.join(', ')}] need ${count} data bytes, the gzip stream holds more (trailing bytes)`,
  );
}

/** Reads an IDX image file (plain or .gz) as uint8 [N, H, W]; `hw` checks the image size when given. */
export function readIdxImages(path: string, hw?: readonly [number, number]): IdxArray {
  const idx = parseIdx(readIdxBytes(path, IDX_IMAGES_MAGIC, 'IDX image file'), IDX_IMAGES_MAGIC, path);
  if (hw !== undefined && (idx.dims[1] !== hw[0] || idx.dims[2] !== hw[1])) {
    throw new SpikerepError(
      'E_SHAPE',
      `expected ${hw[0]}×${hw[1]} images, file has ${idx.dims[1]}×${idx.dims[2]}`,
      path,
    );
  }
  return idx;
}

/** Reads an IDX label file (plain or .gz) and checks every label is below `numClasses`. */
export function readIdxLabels(path: string, numClasses: number): Uint8Array {
  const idx = parseIdx(readIdxBytes(path, IDX_LABELS_MAGIC, 'IDX label file'), IDX_LABELS_MAGIC, path);
  checkLabels(idx.data, numClasses, path);
  return idx.data;
}

export function checkLabels(labels: Uint8Array, numClasses: number, path: string): void {
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= numClasses) {
      throw new SpikerepError('E_LABEL', `label ${labels[i]} at record ${i} is outside [0, ${numClasses})`, path);
    }
  }
}

/** Images and labels of one split; their counts must agree. */
export function readIdxPair(
  imagesPath: string,
  labelsPath: string,
  numClasses: number,
  hw: readonly [number, number],
): { images: Uint8Array; labels: Uint8Array; count: number } {
  const images = readIdxImages(imagesPath, hw);
  const labels = readIdxLabels(labelsPath, numClasses);
  if (images.dims[0] !== labels.length) {
    throw new SpikerepError(
      'E_SHAPE',
      `${images.dims[0]} images but ${labels.length} labels in ${labelsPath}`,
      imagesPath,
    );
  }
  return { images: images.data, labels, count: labels.length };
}
